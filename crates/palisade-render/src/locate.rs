//! Where the fields of a rendered object are written in its source.
//!
//! The renderer's output lines do not map to template lines, so the
//! positions of a rendered object are moved onto its source by structure:
//!
//! * **Helm templates** ([`Template::relocate`]): the template is cut into
//!   documents at `---` lines; the object's document is the one whose
//!   `kind:` line spells the object's kind (among several, the one that
//!   spells its `metadata.name`, else the n-th for the n-th object of that
//!   kind from the template). Inside it every key of the object is looked
//!   for by indentation, as YAML nests: a key is searched among the lines
//!   directly under its parent's line (the first line at the parent's
//!   child indentation, up to the end of the parent's block). Lines that
//!   hold only template actions (`{{- if … }}`, `{{ include … | nindent 4
//!   }}`) and comments are ignored. A list item is the `- ` line that
//!   spells its `name:`, else the n-th `- ` line (or, under a `range`, the
//!   last one: its items come from the loop's body).
//! * **kustomize sources** ([`relocate_like`]): the object's document in the
//!   source file (by kind, then name) is walked alongside the object, keys by
//!   name and list items by `name` (else by index).
//!
//! A field found this way gets its line and column (a mapping value's
//! position is its key's, as the YAML reader gives it). A field the source
//! does not spell out — inserted by `toYaml`/`include`/`tpl` from values or
//! helpers, added or changed by a kustomize overlay — gets the line of its
//! nearest located parent and column 0: "written under here", not "here".

use palisade_value::{Node, Value};

/// One template line, classified.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    /// Spaces before the first character.
    indent: usize,
    /// YAML content: not blank, not a comment, not only template actions.
    content: bool,
    /// A list item (`- …`).
    dash: bool,
    /// Where the text after the leading `- `s starts (`indent` without a dash).
    body: usize,
    /// Holds a `range` action.
    range: bool,
}

/// A template, cut into lines and documents.
pub struct Template<'a> {
    lines: Vec<Line<'a>>,
    /// Line ranges of the documents (between `---` lines).
    regions: Vec<(usize, usize)>,
}

/// Lines `start..end` of a template where a node's entries are written; the
/// first line is a list item's (`- key: …`) when `item`.
#[derive(Debug, Clone, Copy)]
struct Block {
    start: usize,
    end: usize,
    item: bool,
}

impl<'a> Template<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut lines = Vec::new();
        let mut in_action = false;
        let mut regions = Vec::new();
        let mut region_start = 0;
        for (i, raw) in text.lines().enumerate() {
            let (outside, had_action, still) = outside_actions(raw, in_action);
            in_action = still;
            let trimmed = outside.trim();
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let separator = !had_action
                && raw.starts_with("---")
                && raw[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t' || c == '#');
            if separator {
                regions.push((region_start, i));
                region_start = i + 1;
            }
            let content = !separator && !trimmed.is_empty() && !trimmed.starts_with('#');
            let (dash, body) = item_body(raw, indent);
            lines.push(Line {
                text: raw,
                indent,
                content,
                dash,
                body,
                range: had_action && raw.contains("range"),
            });
        }
        regions.push((region_start, lines.len()));
        Template { lines, regions }
    }

    /// Moves the positions of `root`, a rendered object, onto this
    /// template; `ordinal` counts the objects of the same kind rendered from
    /// it before this one. False (and `root` unchanged) when the template
    /// holds no document that spells the object's kind.
    pub fn relocate(&self, root: &mut Node, ordinal: usize) -> bool {
        let Some(kind) = root.get_str("kind").map(str::to_string) else {
            return false;
        };
        let name = root
            .get("metadata")
            .and_then(|m| m.get_str("name"))
            .map(str::to_string);
        let candidates: Vec<Block> = self
            .regions
            .iter()
            .map(|&(start, end)| Block {
                start,
                end,
                item: false,
            })
            .filter(|b| {
                self.level(*b).is_some_and(|level| {
                    self.find_key(*b, level, "kind")
                        .is_some_and(|j| value_of(self.lines[j], "kind") == Some(kind.as_str()))
                })
            })
            .collect();
        let by_name = name.as_deref().and_then(|n| {
            candidates.iter().find(|b| {
                (b.start..b.end)
                    .any(|j| self.lines[j].content && value_of(self.lines[j], "name") == Some(n))
            })
        });
        let Some(block) = by_name
            .or_else(|| candidates.get(ordinal.min(candidates.len().saturating_sub(1))))
            .copied()
        else {
            return false;
        };
        let Some(first) = (block.start..block.end).find(|&j| self.lines[j].content) else {
            return false;
        };
        root.line = line_no(first);
        root.column = col_no(self.lines[first].indent);
        self.place(root, block);
        true
    }

    /// The indentation of the entries of `block`.
    fn level(&self, b: Block) -> Option<usize> {
        let j = (b.start..b.end).find(|&j| self.lines[j].content)?;
        Some(if b.item && j == b.start {
            self.lines[j].body
        } else {
            self.lines[j].indent
        })
    }

    /// The line of `key` among the entries of `block` (at `level`).
    fn find_key(&self, b: Block, level: usize, key: &str) -> Option<usize> {
        (b.start..b.end).find(|&j| {
            let l = self.lines[j];
            let entry = if b.item && j == b.start {
                true
            } else {
                !l.dash && l.indent == level
            };
            l.content && entry && l.body == level && value_of(l, key).is_some()
        })
    }

    /// The lines under the key on line `j`: up to the first content line
    /// indented less, or as much but not a list item.
    fn key_block(&self, j: usize, region_end: usize) -> Block {
        let k = self.lines[j].body;
        let end = (j + 1..region_end)
            .find(|&i| {
                let l = self.lines[i];
                l.content && (l.indent < k || (l.indent == k && !l.dash))
            })
            .unwrap_or(region_end);
        Block {
            start: j + 1,
            end,
            item: false,
        }
    }

    /// The lines of the list item that starts on line `d`.
    fn item_block(&self, d: usize, region_end: usize) -> Block {
        let dash = self.lines[d].indent;
        let end = (d + 1..region_end)
            .find(|&i| self.lines[i].content && self.lines[i].indent <= dash)
            .unwrap_or(region_end);
        if self.lines[d].text[self.lines[d].body..].trim().is_empty() {
            // `-` alone: the entries start on the next line
            Block {
                start: d + 1,
                end,
                item: false,
            }
        } else {
            Block {
                start: d,
                end,
                item: true,
            }
        }
    }

    /// Places the children of `node` (already placed) within `block`.
    fn place(&self, node: &mut Node, block: Block) {
        let here = node.line;
        let Some(level) = self.level(block) else {
            inherit_children(node, here);
            return;
        };
        match &mut node.value {
            Value::Map(m) => {
                for (key, child) in m.entries.iter_mut() {
                    match self.find_key(block, level, key) {
                        Some(j) => {
                            child.line = line_no(j);
                            child.column = col_no(self.lines[j].body);
                            if matches!(child.value, Value::Map(_) | Value::Seq(_)) {
                                let under = self.key_block(j, block.end);
                                self.place(child, under);
                            }
                        }
                        None => inherit(child, here),
                    }
                }
            }
            Value::Seq(items) => {
                let dashes: Vec<usize> = (block.start..block.end)
                    .filter(|&j| {
                        let l = self.lines[j];
                        l.content && l.dash && l.indent == level
                    })
                    .collect();
                let ranged = (block.start..block.end).any(|j| self.lines[j].range);
                for (i, item) in items.iter_mut().enumerate() {
                    let named = item.get_str("name").and_then(|n| {
                        dashes.iter().copied().find(|&d| {
                            let b = self.item_block(d, block.end);
                            self.level(b).is_some_and(|lv| {
                                self.find_key(b, lv, "name")
                                    .is_some_and(|j| value_of(self.lines[j], "name") == Some(n))
                            })
                        })
                    });
                    let d = named
                        .or_else(|| dashes.get(i).copied())
                        .or_else(|| if ranged { dashes.last().copied() } else { None });
                    match d {
                        Some(d) => {
                            item.line = line_no(d);
                            item.column = col_no(self.lines[d].body);
                            if matches!(item.value, Value::Map(_)) {
                                let b = self.item_block(d, block.end);
                                self.place(item, b);
                            } else {
                                inherit_children(item, item.line);
                            }
                        }
                        None => inherit(item, here),
                    }
                }
            }
            _ => {}
        }
    }
}

/// `line` (1-based) with column 0, for a node and everything under it.
fn inherit(node: &mut Node, line: u32) {
    node.line = line;
    node.column = 0;
    inherit_children(node, line);
}

fn inherit_children(node: &mut Node, line: u32) {
    match &mut node.value {
        Value::Map(m) => m.entries.iter_mut().for_each(|(_, c)| inherit(c, line)),
        Value::Seq(s) => s.iter_mut().for_each(|c| inherit(c, line)),
        _ => {}
    }
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

fn col_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// The text of `raw` outside template actions (`{{ … }}`, which may span
/// lines), whether it held an action, and whether an action is still open
/// at its end.
fn outside_actions(raw: &str, mut in_action: bool) -> (String, bool, bool) {
    let mut out = String::new();
    let mut rest = raw;
    let mut had = in_action;
    loop {
        if in_action {
            match rest.find("}}") {
                Some(i) => {
                    rest = &rest[i + 2..];
                    in_action = false;
                }
                None => return (out, true, true),
            }
        } else {
            match rest.find("{{") {
                Some(i) => {
                    out.push_str(&rest[..i]);
                    rest = &rest[i + 2..];
                    in_action = true;
                    had = true;
                }
                None => {
                    out.push_str(rest);
                    return (out, had, false);
                }
            }
        }
    }
}

/// Whether the line is a list item, and where the text after its `- `s starts.
fn item_body(raw: &str, indent: usize) -> (bool, usize) {
    let bytes = raw.as_bytes();
    let mut i = indent;
    let mut dash = false;
    while i < bytes.len()
        && bytes[i] == b'-'
        && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t')
    {
        dash = true;
        i += 1;
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
    }
    (dash, i)
}

/// The value written after `key:` on the line (without quotes and a
/// trailing comment), when the line's entry is `key`.
fn value_of<'a>(l: Line<'a>, key: &str) -> Option<&'a str> {
    let s = &l.text[l.body..];
    let rest = [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
        .iter()
        .find_map(|k| s.strip_prefix(k.as_str()))?
        .strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    let mut v = rest.trim();
    if let Some(i) = v.find(" #") {
        v = v[..i].trim_end();
    }
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            v = &v[1..v.len() - 1];
        }
    }
    Some(v)
}

/// Moves the positions of `node` (a built object) onto `source` (the same
/// object as its source file writes it), field by field. A scalar whose
/// value differs (an overlay changed it) keeps the source's line with
/// column 0; a field the source lacks gets its parent's line, column 0.
pub fn relocate_like(node: &mut Node, source: &Node) {
    node.line = source.line;
    node.column = source.column;
    let here = node.line;
    match (&mut node.value, &source.value) {
        (Value::Map(m), Value::Map(s)) => {
            for (key, child) in m.entries.iter_mut() {
                match s.get(key) {
                    Some(sc) => relocate_like(child, sc),
                    None => inherit(child, here),
                }
            }
        }
        (Value::Seq(items), Value::Seq(sources)) => {
            for (i, item) in items.iter_mut().enumerate() {
                let by_name = item
                    .get_str("name")
                    .and_then(|n| sources.iter().find(|s| s.get_str("name") == Some(n)));
                let twin = match by_name {
                    Some(s) => Some(s),
                    None if item.get_str("name").is_none() => sources.get(i),
                    None => None,
                };
                match twin {
                    Some(s) => relocate_like(item, s),
                    None => inherit(item, here),
                }
            }
        }
        (Value::Map(_) | Value::Seq(_), _) => {
            node.column = 0;
            inherit_children(node, here);
        }
        (v, s) => {
            if *v != *s {
                node.column = 0;
            }
        }
    }
}

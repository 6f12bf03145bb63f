//! YAML and JSON streams → located document trees.
//!
//! * every node keeps its line and column (for map values: those of the key);
//! * scalars resolve as Kubernetes tooling does (YAML 1.1, see `scalar`);
//! * anchors, aliases and `<<` merge keys are expanded under a memory
//!   budget counted in bytes — every node, string and key, an alias by the
//!   bytes it copies — over all documents of a stream and, when the caller
//!   shares a [`Budget`], over every stream of a run; so a "billion laughs"
//!   document, or one large object split over many documents, is an error
//!   with its line, not an out-of-memory kill;
//! * nesting depth is bounded; duplicate keys are reported;
//! * a broken document does not take the rest of the stream with it: the
//!   reader resumes at the next `---` line after a syntax error.
//!
//! JSON is YAML 1.2 flow syntax, so `.json` files go through the same reader.

mod scalar;

use compact_str::CompactString;
use palisade_value::{Map, Node, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::collections::HashMap;
use std::fmt;

/// Resource budgets for one stream.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most bytes the trees of one stream may take in memory, all its
    /// documents together, aliases expanded ([`Node::bytes`]).
    pub max_bytes: usize,
    /// A budget shared by every stream read with these limits (one scan
    /// reading many files in parallel): the run's trees together stay
    /// within it.
    pub shared: Option<std::sync::Arc<Budget>>,
}

/// The default [`Limits::max_bytes`]: 1 GiB of trees.
pub const DEFAULT_MAX_BYTES: usize = 1 << 30;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_bytes: DEFAULT_MAX_BYTES,
            shared: None,
        }
    }
}

/// Bytes of trees allowed across streams, and how many are taken.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: std::sync::atomic::AtomicUsize,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            used: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Bytes taken so far.
    pub fn used(&self) -> usize {
        self.used.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    fn give_back(&self, n: usize) {
        self.used
            .fetch_sub(n.min(self.used()), std::sync::atomic::Ordering::Relaxed);
    }

    /// Takes `n` bytes; false (and nothing taken) when that would pass the limit.
    fn take(&self, n: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.used
            .fetch_update(Relaxed, Relaxed, |u| {
                u.checked_add(n).filter(|&t| t <= self.limit)
            })
            .is_ok()
    }
}

/// "1.5 GiB", "300 MiB": a byte count as people read it.
pub fn human_bytes(n: usize) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    let mib = n as f64 / MIB;
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else if mib >= 1.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

/// One document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based position of the document in the stream.
    pub index: usize,
    pub root: Node,
}

/// A problem in the input, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Everything read from a stream: the documents that parsed and the errors.
/// Empty documents (only comments, or `---` alone) are skipped.
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub errors: Vec<Error>,
    /// Bytes this stream took from the shared budget.
    reserved: usize,
}

/// The scanner's complaint about a quoted scalar whose continuation lines
/// are not indented past their key.
const QUOTED_INDENT: &str = "invalid indentation in quoted scalar";

/// Reads every document of `text`.
///
/// YAML 1.2 wants the continuation lines of a quoted scalar indented past
/// its mapping key; libyaml (and so kubectl, and every Go tool) accepts them
/// at the key's own indentation, and real manifests rely on that (the
/// Gatekeeper library's `httpsonly` template). Such a scalar is read as Go
/// reads it: its continuation lines are indented by one space (which
/// folding discards) and the stream is read again, positions unchanged.
pub fn parse_stream(text: &str, limits: &Limits) -> Stream {
    let mut repaired: Option<String> = None;
    for _ in 0..64 {
        let t = repaired.as_deref().unwrap_or(text);
        let s = parse_stream_strict(t, limits);
        let Some(e) = s.errors.iter().find(|e| e.message.contains(QUOTED_INDENT)) else {
            return s;
        };
        // read again: what this reading took is given back
        if let Some(shared) = &limits.shared {
            shared.give_back(s.reserved);
        }
        match reindent_quoted(t, e.line, e.column) {
            Some(fixed) => repaired = Some(fixed),
            None => return s,
        }
    }
    parse_stream_strict(repaired.as_deref().unwrap_or(text), limits)
}

/// `text` with one space added in front of every continuation line of the
/// quoted scalar that opens at `line`:`column` (1-based); `None` when no
/// quoted scalar opens there or it never closes.
fn reindent_quoted(text: &str, line: u32, column: u32) -> Option<String> {
    let start = line_starts(text)
        .get((line as usize).checked_sub(1)?)
        .copied()?;
    let (quote_at, quote) = text[start..]
        .char_indices()
        .nth((column as usize).checked_sub(1)?)
        .map(|(i, c)| (start + i, c))?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..=quote_at]);
    let mut chars = text[quote_at + 1..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        out.push(c);
        match c {
            '\\' if quote == '"' => {
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                    if n == '\n' {
                        out.push(' ');
                    }
                }
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                out.push('\'');
                chars.next();
            }
            c if c == quote => {
                out.push_str(&text[quote_at + 1 + i + c.len_utf8()..]);
                return Some(out);
            }
            '\n' => out.push(' '),
            _ => {}
        }
    }
    None
}

fn parse_stream_strict(text: &str, limits: &Limits) -> Stream {
    let mut out = Stream::default();
    let line_starts = line_starts(text);
    let mut start_line = 0usize; // 0-based line where this pass starts
    let mut doc_index = 0usize;
    // the budget is the stream's: a pass resumed after an error goes on counting
    let mut used = Used::default();
    loop {
        let offset = line_starts[start_line];
        let pass = parse_from(
            &text[offset..],
            start_line as u32,
            limits,
            &mut doc_index,
            &mut used,
        );
        out.documents.extend(pass.documents);
        out.reserved = used.reserved;
        match pass.fatal {
            None => {
                out.errors.extend(pass.errors);
                break;
            }
            Some(err) if pass.over_budget => {
                // past the memory budget the rest of the stream is not read
                out.errors.extend(pass.errors);
                out.errors.push(err);
                break;
            }
            Some(err) => {
                out.errors.extend(pass.errors);
                let err_line0 = (err.line as usize).saturating_sub(1);
                out.errors.push(err);
                // resume at the next document marker after the error
                let next = (err_line0 + 1..line_starts.len() - 1)
                    .find(|&l| is_doc_start(&text[line_starts[l]..line_starts[l + 1]]));
                match next {
                    Some(l) if l > start_line => {
                        start_line = l;
                        doc_index += 1;
                    }
                    _ => break,
                }
            }
        }
    }
    out
}

fn is_doc_start(line: &str) -> bool {
    let rest = match line.strip_prefix("---") {
        Some(r) => r,
        None => return false,
    };
    rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r'])
}

/// Byte offsets of each line start, plus `text.len()` as a sentinel.
fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    if *v.last().unwrap() != text.len() {
        v.push(text.len());
    }
    v
}

struct Pass {
    documents: Vec<Document>,
    errors: Vec<Error>,
    fatal: Option<Error>,
    /// The fatal error is the memory budget's.
    over_budget: bool,
}

/// Bytes a stream's trees take, and how many of them it reserved from the
/// shared budget.
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    bytes: usize,
    reserved: usize,
    /// Bytes copied by aliases.
    aliased: usize,
}

/// Aliases may copy at most this many times the stream's own size (and at
/// least [`MIN_ALIAS_BYTES`]): real manifests use a few anchors for shared
/// labels or env blocks, an alias bomb multiplies its size a millionfold.
const ALIAS_RATIO: usize = 16;
const MIN_ALIAS_BYTES: usize = 16 << 20;

enum Frame {
    Seq {
        line: u32,
        column: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: u32,
        column: u32,
        anchor: usize,
        map: Map,
        key: Option<(CompactString, u32, u32, bool)>,
        merges: Vec<Node>,
    },
}

struct Builder<'a> {
    limits: &'a Limits,
    line_offset: u32,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    /// Bytes of this stream's trees so far (all its documents), and those
    /// reserved from the shared budget (in chunks).
    used: Used,
    over_budget: bool,
    /// Most bytes aliases may copy in this stream.
    max_aliased: usize,
    root: Option<Node>,
    errors: Vec<Error>,
}

impl Builder<'_> {
    fn pos(&self, span: &Span) -> (u32, u32) {
        (
            span.start.line() as u32 + self.line_offset,
            span.start.col() as u32 + 1,
        )
    }

    /// Counts `n` bytes of tree against the stream's and the run's budgets.
    fn count(&mut self, n: usize, line: u32, column: u32) -> Result<(), Error> {
        self.used.bytes = self.used.bytes.saturating_add(n);
        if self.used.bytes > self.limits.max_bytes {
            self.over_budget = true;
            return Err(self.over(self.limits.max_bytes, "for one file", line, column));
        }
        if let Some(shared) = &self.limits.shared
            && self.used.bytes > self.used.reserved
        {
            // reserve in chunks so parallel readers rarely touch the atomic
            let chunk = (self.used.bytes - self.used.reserved).max(RESERVE_CHUNK);
            if !shared.take(chunk) {
                self.over_budget = true;
                return Err(self.over(shared.limit(), "for the whole input", line, column));
            }
            self.used.reserved += chunk;
        }
        Ok(())
    }

    fn over(&self, limit: usize, scope: &str, line: u32, column: u32) -> Error {
        Error {
            line,
            column,
            message: format!(
                "reading this would take more than {} of memory {scope} (aliases expanded); \
                 refusing it — an alias bomb, or an input larger than the memory budget \
                 (raise it with --max-memory); the rest of this file is not read",
                human_bytes(limit)
            ),
        }
    }

    fn open(&mut self, frame: Frame, line: u32, column: u32) -> Result<(), Error> {
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(Error {
                line,
                column,
                message: "complex mapping keys (a mapping or list used as a key) are not supported"
                    .into(),
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error {
                line,
                column,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
            });
        }
        self.count(std::mem::size_of::<Node>(), line, column)?;
        self.stack.push(frame);
        Ok(())
    }

    /// Attaches a finished node to its parent (or makes it the root).
    fn attach(&mut self, mut node: Node, anchor: usize) {
        if anchor != 0 {
            let size = node.bytes();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                map, key, merges, ..
            }) => match key.take() {
                Some((k, line, column, plain)) => {
                    node.line = line;
                    node.column = column;
                    if plain && k == "<<" {
                        merges.push(node);
                    } else {
                        if map.contains_key(&k) {
                            self.errors.push(Error {
                                line,
                                column,
                                message: format!("duplicate key {k:?} (the later value is used)"),
                            });
                        }
                        map.insert(k, node);
                    }
                }
                None => unreachable!("keys are taken as scalars before values attach"),
            },
        }
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        line: u32,
        column: u32,
    ) -> Result<(), Error> {
        // a key: its string in the map entry; a value: a node
        let size = if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            std::mem::size_of::<CompactString>()
        } else {
            std::mem::size_of::<Node>()
        };
        self.count(size + palisade_value::str_heap(text), line, column)?;
        if let Some(Frame::Map {
            key: key @ None, ..
        }) = self.stack.last_mut()
        {
            *key = Some((
                CompactString::from(text),
                line,
                column,
                matches!(style, ScalarStyle::Plain),
            ));
            return Ok(());
        }
        let value = match (tag.map(|t| t.suffix.as_str()), style) {
            (Some(t), _) if t.ends_with("str") => Value::Str(text.into()),
            (Some(t), _) if t.ends_with("null") => Value::Null,
            (Some(t), _) if t.ends_with("bool") || t.ends_with("int") || t.ends_with("float") => {
                scalar::resolve_plain(text)
            }
            (_, ScalarStyle::Plain) => scalar::resolve_plain(text),
            _ => Value::Str(text.into()),
        };
        self.attach(Node::new(line, column, value), anchor);
        Ok(())
    }

    fn alias(&mut self, id: usize, line: u32, column: u32) -> Result<(), Error> {
        let (node, size) = match self.anchors.get(&id) {
            Some((n, s)) => (n.clone(), *s),
            None => {
                return Err(Error {
                    line,
                    column,
                    message: "alias to an unknown anchor".into(),
                });
            }
        };
        // the key of an aliased key node
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            let text: CompactString = match &node.value {
                Value::Str(s) => s.clone(),
                Value::Int(i) => i.to_string().into(),
                Value::Bool(b) => b.to_string().into(),
                _ => {
                    return Err(Error {
                        line,
                        column,
                        message: "complex mapping keys are not supported".into(),
                    });
                }
            };
            self.count(
                std::mem::size_of::<CompactString>() + palisade_value::str_heap(&text),
                line,
                column,
            )?;
            if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                *key = Some((text, line, column, false));
            }
            return Ok(());
        }
        self.used.aliased = self.used.aliased.saturating_add(size);
        if self.used.aliased > self.max_aliased {
            self.over_budget = true;
            return Err(Error {
                line,
                column,
                message: format!(
                    "aliases expand to more than {} ({ALIAS_RATIO} times the size of the file); \
                     refusing it (a 'billion laughs' alias bomb); the rest of this file is not read",
                    human_bytes(self.max_aliased)
                ),
            });
        }
        self.count(size, line, column)?;
        self.attach(node, 0);
        Ok(())
    }

    fn close_seq(&mut self) {
        if let Some(Frame::Seq {
            line,
            column,
            anchor,
            mut items,
        }) = self.stack.pop()
        {
            // trees live as long as the scan: no growth slack
            items.shrink_to_fit();
            self.attach(Node::new(line, column, Value::Seq(items)), anchor);
        }
    }

    fn close_map(&mut self) -> Result<(), Error> {
        if let Some(Frame::Map {
            line,
            column,
            anchor,
            mut map,
            merges,
            ..
        }) = self.stack.pop()
        {
            // `<<: *base` / `<<: [*a, *b]`: keys of the mapping win, then earlier sources
            for merge in merges {
                let sources: Vec<Node> = match merge.value {
                    Value::Map(_) => vec![merge],
                    Value::Seq(items) => items,
                    _ => {
                        return Err(Error {
                            line: merge.line,
                            column: merge.column,
                            message: "merge key `<<` needs a mapping or a list of mappings".into(),
                        });
                    }
                };
                for src in sources {
                    match src.value {
                        Value::Map(m) => {
                            for (k, v) in m.entries {
                                if !map.contains_key(&k) {
                                    map.entries.push((k, v));
                                }
                            }
                        }
                        _ => {
                            return Err(Error {
                                line: src.line,
                                column: src.column,
                                message: "merge key `<<` needs mappings".into(),
                            });
                        }
                    }
                }
            }
            map.entries.shrink_to_fit();
            self.attach(Node::new(line, column, Value::Map(map)), anchor);
        }
        Ok(())
    }
}

/// Bytes taken from a shared budget at a time.
const RESERVE_CHUNK: usize = 1 << 20;

fn parse_from(
    text: &str,
    line_offset: u32,
    limits: &Limits,
    doc_index: &mut usize,
    used: &mut Used,
) -> Pass {
    let mut pass = Pass {
        documents: Vec::new(),
        errors: Vec::new(),
        fatal: None,
        over_budget: false,
    };
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        limits,
        line_offset,
        stack: Vec::new(),
        anchors: HashMap::new(),
        used: *used,
        over_budget: false,
        max_aliased: (text.len() + line_offset as usize * 80)
            .saturating_mul(ALIAS_RATIO)
            .max(MIN_ALIAS_BYTES),
        root: None,
        errors: Vec::new(),
    };
    let mut in_doc = false;
    while let Some(ev) = parser.next_event() {
        let (event, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                pass.errors.append(&mut b.errors);
                pass.fatal = Some(Error {
                    line: e.marker().line() as u32 + line_offset,
                    column: e.marker().col() as u32 + 1,
                    message: format!("invalid YAML: {}", e.info()),
                });
                *used = b.used;
                return pass;
            }
        };
        let (line, column) = b.pos(&span);
        let step = match event {
            Event::DocumentStart(_) => {
                in_doc = true;
                b.stack.clear();
                b.anchors.clear();
                b.root = None;
                Ok(())
            }
            Event::DocumentEnd => {
                in_doc = false;
                pass.errors.append(&mut b.errors);
                if let Some(root) = b.root.take()
                    && !root.is_null()
                {
                    pass.documents.push(Document {
                        index: *doc_index,
                        root,
                    });
                }
                *doc_index += 1;
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                b.scalar(&text, style, anchor, tag.as_deref(), line, column)
            }
            Event::Alias(id) => b.alias(id, line, column),
            Event::SequenceStart(anchor, _) => b.open(
                Frame::Seq {
                    line,
                    column,
                    anchor,
                    items: Vec::new(),
                },
                line,
                column,
            ),
            Event::SequenceEnd => {
                b.close_seq();
                Ok(())
            }
            Event::MappingStart(anchor, _) => b.open(
                Frame::Map {
                    line,
                    column,
                    anchor,
                    map: Map::new(),
                    key: None,
                    merges: Vec::new(),
                },
                line,
                column,
            ),
            Event::MappingEnd => b.close_map(),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        };
        if let Err(e) = step {
            // a budget or structure error: give up on this pass, resume after it
            pass.errors.append(&mut b.errors);
            pass.fatal = Some(e);
            pass.over_budget = b.over_budget;
            *used = b.used;
            return pass;
        }
    }
    debug_assert!(!in_doc || b.root.is_none());
    pass.errors.append(&mut b.errors);
    *used = b.used;
    pass
}

#[cfg(test)]
mod tests;

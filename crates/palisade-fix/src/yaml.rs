//! Edits on YAML text at located nodes.
//!
//! The document is never re-serialised: a set replaces the value text on
//! its key's line, a missing field is inserted as new lines at the
//! indentation of its siblings, a list item is appended after the last one,
//! a removed key takes its lines with it. After every edit the text is read
//! again and must parse as before, so a later edit sees the current
//! positions and a bad edit is refused instead of written.

use crate::common::{Format, deepest, drive, indent_of, lines, splice};
use palisade_findings::Edit;
use palisade_value::{Node, Path, Seg, Value};
use serde_json::Value as J;

/// What happened to one edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// The file already says so.
    AlreadyDone,
    Skipped(String),
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The 0-based index just after the last content line of the block that
/// starts at `line` (1-based) and goes on while `inside(indent, line)`;
/// trailing blank and comment lines are left outside.
fn block_end(ls: &[&str], line: u32, inside: impl Fn(usize, &str) -> bool) -> usize {
    let mut i = line as usize; // the next line (0-based index == 1-based line)
    let mut end = i;
    while i < ls.len() {
        let l = ls[i];
        if is_blank_or_comment(l) {
            i += 1;
            continue;
        }
        if l.starts_with("---") || l.starts_with("...") || !inside(indent_of(l), l) {
            break;
        }
        i += 1;
        end = i;
    }
    end
}

/// The end of a key's value: more-indented lines, and a compact list
/// (`- ` at the key's own indentation).
fn key_end(ls: &[&str], line: u32, key_indent: usize) -> usize {
    block_end(ls, line, |ind, l| {
        ind > key_indent || (ind == key_indent && l.trim_start().starts_with('-'))
    })
}

/// The end of a mapping whose keys sit at `ind`.
fn mapping_end(ls: &[&str], line: u32, ind: usize) -> usize {
    block_end(ls, line, |i, _| i >= ind)
}

/// The end of a list item whose dash sits at `dash`.
fn item_end(ls: &[&str], line: u32, dash: usize) -> usize {
    block_end(ls, line, |i, _| i > dash)
}

/// Whether the text before `col` on `line` is only indentation (a block
/// mapping key) or indentation and a dash (the first key of a list item).
fn starts_block(ls: &[&str], line: u32, col: u32) -> bool {
    let Some(l) = ls.get(line as usize - 1) else {
        return false;
    };
    let before: String = l.chars().take(col as usize - 1).collect();
    before
        .trim_start_matches(' ')
        .trim_end_matches(' ')
        .is_empty()
        || before.trim() == "-"
        || before.trim_start().starts_with("- ")
            && before.trim().trim_start_matches('-').trim().is_empty()
}

/// Splits a `key: value  # comment` line at the value: (prefix through the
/// colon and one space, value text, trailing comment with its newline).
fn split_value(line: &str, col: u32) -> Option<(String, String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = col as usize - 1;
    // the key, possibly quoted
    match chars.get(i)? {
        q @ ('"' | '\'') => {
            let q = *q;
            i += 1;
            while i < chars.len() && chars[i] != q {
                if chars[i] == '\\' && q == '"' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        }
        _ => {
            while i < chars.len()
                && !(chars[i] == ':'
                    && matches!(chars.get(i + 1), None | Some(' ' | '\n' | '\r' | '\t')))
            {
                i += 1;
            }
        }
    }
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    if chars.get(i) != Some(&':') {
        return None;
    }
    i += 1;
    let mut v = i;
    while v < chars.len() && chars[v] == ' ' {
        v += 1;
    }
    // the value runs to a comment (` #`) outside quotes, or the line end
    let mut j = v;
    let mut quote: Option<char> = None;
    while j < chars.len() {
        let c = chars[j];
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => j += 1,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && j > v && chars[j - 1] == ' ' => break,
            None if c == '\n' || c == '\r' => break,
            None => {}
        }
        j += 1;
    }
    let mut vend = j;
    while vend > v && chars[vend - 1] == ' ' {
        vend -= 1;
    }
    let prefix: String = chars[..v.max(i)].iter().collect();
    let prefix = if v == i { format!("{prefix} ") } else { prefix };
    Some((
        prefix,
        chars[v..vend].iter().collect(),
        chars[vend..].iter().collect(),
    ))
}

/// What follows a value (spaces, a comment, the newline), kept as written;
/// a comment right after the value gets one space.
fn spaced(rest: &str) -> String {
    if rest.starts_with('#') {
        format!(" {rest}")
    } else {
        rest.to_string()
    }
}

fn plain_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ':' | '@'))
        && !s.starts_with(['-', ':', '@'])
        && !s.ends_with(':')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        )
        && s.parse::<f64>().is_err()
}

/// A scalar as YAML text: plain when unambiguous, else double-quoted.
pub fn scalar(v: &J) -> String {
    match v {
        J::String(s) if plain_ok(s) => s.clone(),
        J::String(s) => J::String(s.clone()).to_string(),
        J::Array(items) => format!(
            "[{}]",
            items.iter().map(scalar).collect::<Vec<_>>().join(", ")
        ),
        J::Object(m) if m.is_empty() => "{}".into(),
        J::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", key(k), scalar(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    if plain_ok(k) {
        k.to_string()
    } else {
        J::String(k.to_string()).to_string()
    }
}

/// `key: value` as block lines at `indent`: maps nest, lists of maps become
/// `- ` items, scalars and scalar lists stay on the key's line.
fn block(k: &str, v: &J, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) if !m.is_empty() => {
            out.push(format!("{pad}{}:\n", key(k)));
            for (ck, cv) in name_first(m) {
                block(ck, cv, indent + 2, out);
            }
        }
        J::Array(items)
            if items
                .iter()
                .any(|i| matches!(i, J::Object(m) if !m.is_empty())) =>
        {
            out.push(format!("{pad}{}:\n", key(k)));
            for i in items {
                item(i, indent, out);
            }
        }
        _ => out.push(format!("{pad}{}: {}\n", key(k), scalar(v))),
    }
}

/// A mapping's entries with `name` first, as Kubernetes manifests write them.
pub(crate) fn name_first(m: &serde_json::Map<String, J>) -> Vec<(&String, &J)> {
    let mut v: Vec<(&String, &J)> = m.iter().collect();
    v.sort_by_key(|(k, _)| *k != "name");
    v
}

/// One list item at `dash_indent`.
fn item(v: &J, dash_indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(dash_indent);
    match v {
        J::Object(m) if !m.is_empty() => {
            let mut sub = Vec::new();
            for (k, cv) in name_first(m) {
                block(k, cv, dash_indent + 2, &mut sub);
            }
            if let Some(first) = sub.first_mut() {
                *first = format!("{pad}- {}", &first[dash_indent + 2..]);
            }
            out.extend(sub);
        }
        _ => out.push(format!("{pad}- {}\n", scalar(v))),
    }
}

fn same(n: &Node, v: &J) -> bool {
    &n.to_json() == v
}

/// Inserts `rest` (keys only) = `value` under the existing mapping `parent`.
fn insert_under(text: &str, parent: &Node, rest: &[Seg], value: &J) -> Result<String, String> {
    let ls = lines(text);
    let keys: Vec<&str> = rest
        .iter()
        .map(|s| match s {
            Seg::Key(k) => Ok(k.as_str()),
            Seg::Index(_) => {
                Err("the fix would create a list item that does not exist".to_string())
            }
        })
        .collect::<Result<_, _>>()?;
    let Value::Map(m) = &parent.value else {
        return Err(format!(
            "the parent is a {}, not a mapping",
            parent.type_name()
        ));
    };
    // nest the remaining keys into one value
    let mut v = value.clone();
    for k in keys[1..].iter().rev() {
        let mut o = serde_json::Map::new();
        o.insert((*k).to_string(), v);
        v = J::Object(o);
    }
    let mut new = Vec::new();
    match m.entries.first() {
        Some((_, first)) => {
            if !starts_block(&ls, first.line, first.column) {
                return Err("the mapping is written in flow style ({…}); not edited".into());
            }
            let indent = first.column as usize - 1;
            block(keys[0], &v, indent, &mut new);
            // at the end of the mapping, after its last key's value
            let at = mapping_end(&ls, first.line, indent);
            Ok(splice(&ls, at, 0, &new))
        }
        None => {
            // `key: {}` on the parent's line becomes a block
            let line = ls.get(parent.line as usize - 1).ok_or("no such line")?;
            let (prefix, val, rest) =
                split_value(line, parent.column).ok_or("cannot read the parent's line")?;
            if val != "{}" {
                return Err("an empty mapping that is not `{}`; not edited".into());
            }
            let indent = parent.column as usize - 1 + 2;
            block(keys[0], &v, indent, &mut new);
            let head = format!(
                "{}{}",
                prefix.trim_end(),
                if rest.trim().is_empty() {
                    "\n".to_string()
                } else {
                    format!(" {}", rest.trim_start())
                }
            );
            let mut ins = vec![head];
            ins.extend(new);
            Ok(splice(&ls, parent.line as usize - 1, 1, &ins))
        }
    }
}

fn set(text: &str, root: &Node, path: &Path, value: &J) -> Result<(String, Outcome), String> {
    let (node, n) = deepest(root, path);
    if n == path.len() {
        if same(node, value) {
            return Ok((text.to_string(), Outcome::AlreadyDone));
        }
        let Some(Seg::Key(_)) = path.last() else {
            return Err("replacing a list item is not supported".into());
        };
        let ls = lines(text);
        let scalar_now = !matches!(node.value, Value::Map(_) | Value::Seq(_));
        let scalar_new = !matches!(value, J::Object(m) if !m.is_empty());
        let line = ls.get(node.line as usize - 1).ok_or("no such line")?;
        let (prefix, old, rest) =
            split_value(line, node.column).ok_or("cannot read the key's line")?;
        let indent = node.column as usize - 1;
        let end = key_end(&ls, node.line, indent);
        if scalar_now
            && (old.is_empty()
                || old.starts_with('|')
                || old.starts_with('>')
                || end > node.line as usize)
        {
            return Err("the value spans several lines; not edited".into());
        }
        if scalar_new
            && (scalar_now || old.starts_with('[') || old.starts_with('{'))
            && end == node.line as usize
        {
            let new = format!("{prefix}{}{}", scalar(value), spaced(&rest));
            return Ok((
                splice(&ls, node.line as usize - 1, 1, &[new]),
                Outcome::Applied,
            ));
        }
        return Err("replacing a block value is not supported".into());
    }
    let parent = node;
    let rest = &path.segments()[n..];
    Ok((insert_under(text, parent, rest, value)?, Outcome::Applied))
}

fn add_to_list(
    text: &str,
    root: &Node,
    path: &Path,
    value: &J,
) -> Result<(String, Outcome), String> {
    let (node, n) = deepest(root, path);
    if n < path.len() {
        return set(text, root, path, &J::Array(vec![value.clone()]));
    }
    let Value::Seq(items) = &node.value else {
        return Err(format!("{path} is a {}, not a list", node.type_name()));
    };
    if items.iter().any(|i| same(i, value)) {
        return Ok((text.to_string(), Outcome::AlreadyDone));
    }
    let ls = lines(text);
    match items.last() {
        Some(last)
            if starts_block(&ls, last.line, last.column)
                && ls[last.line as usize - 1].trim_start().starts_with('-') =>
        {
            let l = ls[last.line as usize - 1];
            let dash = indent_of(l);
            let at = item_end(&ls, last.line, dash);
            let mut new = Vec::new();
            item(value, dash, &mut new);
            Ok((splice(&ls, at, 0, &new), Outcome::Applied))
        }
        _ => {
            // a flow list on the key's line: `drop: [NET_RAW]`, `args: []`
            let line = ls.get(node.line as usize - 1).ok_or("no such line")?;
            let (prefix, old, rest) =
                split_value(line, node.column).ok_or("cannot read the list's line")?;
            if !(old.starts_with('[') && old.ends_with(']')) {
                return Err("the list spans several lines in flow style; not edited".into());
            }
            let inner = old[1..old.len() - 1].trim();
            let v = if inner.is_empty() {
                format!("[{}]", scalar(value))
            } else {
                format!("[{inner}, {}]", scalar(value))
            };
            Ok((
                splice(
                    &ls,
                    node.line as usize - 1,
                    1,
                    &[format!("{prefix}{v}{}", spaced(&rest))],
                ),
                Outcome::Applied,
            ))
        }
    }
}

fn remove(text: &str, root: &Node, path: &Path) -> Result<(String, Outcome), String> {
    let Some(node) = root.at(path) else {
        return Ok((text.to_string(), Outcome::AlreadyDone));
    };
    let Some(Seg::Key(_)) = path.last() else {
        return Err("removing a list item is not supported".into());
    };
    let ls = lines(text);
    let l = ls.get(node.line as usize - 1).ok_or("no such line")?;
    let before: String = l.chars().take(node.column as usize - 1).collect();
    if !before.trim().is_empty() {
        return Err("the key shares its line with a list item's dash; not removed".into());
    }
    let indent = node.column as usize - 1;
    let end = key_end(&ls, node.line, indent);
    Ok((
        splice(
            &ls,
            node.line as usize - 1,
            end - (node.line as usize - 1),
            &[],
        ),
        Outcome::Applied,
    ))
}

/// A field combination the API server refuses, anywhere in the object:
/// `allowPrivilegeEscalation: false` with `privileged: true` or with
/// `CAP_SYS_ADMIN` added (pod validation).
pub fn api_invalid(n: &Node) -> Option<String> {
    match &n.value {
        Value::Map(m) => {
            if let Some(sc) = m.get("securityContext")
                && sc.get("allowPrivilegeEscalation").and_then(Node::as_bool) == Some(false)
            {
                if sc.get("privileged").and_then(Node::as_bool) == Some(true) {
                    return Some("the API server rejects allowPrivilegeEscalation: false with privileged: true (fix the privileged finding first, with --unsafe)".into());
                }
                let adds = sc
                    .get("capabilities")
                    .and_then(|c| c.get("add"))
                    .and_then(Node::as_seq)
                    .unwrap_or(&[]);
                if adds
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|c| c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN")
                {
                    return Some("the API server rejects allowPrivilegeEscalation: false with CAP_SYS_ADMIN added".into());
                }
            }
            m.iter().find_map(|(_, v)| api_invalid(v))
        }
        Value::Seq(s) => s.iter().find_map(api_invalid),
        _ => None,
    }
}

/// The object whose root starts at `line`:`column` in the parsed text
/// (a document's root or an item of a `kind: List`).
fn find_object(nodes: &[Node], line: u32, column: u32) -> Option<&Node> {
    for n in nodes {
        if n.line == line && n.column == column {
            return Some(n);
        }
        if let Some(items) = n.get("items").and_then(Node::as_seq)
            && let Some(x) = items.iter().find(|i| i.line == line && i.column == column)
        {
            return Some(x);
        }
    }
    None
}

fn parse(text: &str) -> (Vec<Node>, usize) {
    let s = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    (
        s.documents.into_iter().map(|d| d.root).collect(),
        s.errors.len(),
    )
}

struct Yaml;

impl Format for Yaml {
    /// The documents' roots and the number of parse errors.
    type Doc = (Vec<Node>, usize);
    const BROKEN: &'static str = "the edit would not leave valid YAML; not applied";
    const UNREADABLE: &'static str = "the file does not parse as YAML";

    fn read(&self, text: &str) -> Option<Self::Doc> {
        Some(parse(text))
    }

    fn object<'d>(&self, doc: &'d Self::Doc, line: u32, column: u32) -> Option<&'d Node> {
        find_object(&doc.0, line, column)
    }

    fn intact(&self, before: &Self::Doc, after: &Self::Doc) -> bool {
        after.0.len() == before.0.len() && after.1 <= before.1
    }

    fn edit(&self, text: &str, obj: &Node, e: &Edit) -> Result<(String, Outcome), String> {
        match e {
            Edit::Set { path, value } => set(text, obj, path, value),
            Edit::AddToList { path, value } => add_to_list(text, obj, path, value),
            Edit::Remove { path } => remove(text, obj, path),
        }
    }
}

/// Applies `edits` to the object at `line`:`column` of `text`, one by one;
/// each outcome is reported, and the text returned is the text after every
/// applied edit. An edit that would break the document is refused.
pub fn apply(text: &str, line: u32, column: u32, edits: &[Edit]) -> (String, Vec<Outcome>) {
    drive(&Yaml, text, line, column, edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Path {
        s.parse().unwrap()
    }

    fn run(text: &str, edits: &[Edit]) -> (String, Vec<Outcome>) {
        let (docs, _) = parse(text);
        apply(text, docs[0].line, docs[0].column, edits)
    }

    const POD: &str = "apiVersion: v1\nkind: Pod # a pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app   # main\n    image: nginx:1.27\n    securityContext:\n      allowPrivilegeEscalation: true  # why?\n      capabilities:\n        drop: [NET_RAW]\n  - name: side\n    image: 'busybox:1.36'\n    args:\n      - sleep\n      - \"3600\"\n";

    #[test]
    fn set_replaces_the_value_and_keeps_the_comment() {
        let (t, o) = run(
            POD,
            &[Edit::set(
                p("spec.containers[0].securityContext.allowPrivilegeEscalation"),
                false,
            )],
        );
        assert_eq!(o, [Outcome::Applied]);
        assert_eq!(
            t,
            POD.replace(
                "allowPrivilegeEscalation: true  # why?",
                "allowPrivilegeEscalation: false  # why?"
            )
        );
    }

    #[test]
    fn set_inserts_missing_fields_at_sibling_indentation() {
        let (t, o) = run(
            POD,
            &[
                Edit::set(p("spec.containers[1].securityContext.runAsNonRoot"), true),
                Edit::set(p("spec.automountServiceAccountToken"), false),
                Edit::set(
                    p("spec.securityContext.seccompProfile.type"),
                    "RuntimeDefault",
                ),
            ],
        );
        assert_eq!(o, [Outcome::Applied, Outcome::Applied, Outcome::Applied]);
        assert!(
            t.contains("      - \"3600\"\n    securityContext:\n      runAsNonRoot: true\n"),
            "{t}"
        );
        assert!(t.contains("spec:\n  containers:\n"), "{t}");
        assert!(t.contains("  automountServiceAccountToken: false\n"), "{t}");
        assert!(
            t.contains("  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n"),
            "{t}"
        );
        // everything else byte for byte
        assert!(t.contains("kind: Pod # a pod\n") && t.contains("      - \"3600\"\n"));
    }

    #[test]
    fn add_to_flow_and_block_lists_and_create_missing_ones() {
        let (t, o) = run(
            POD,
            &[Edit::AddToList {
                path: p("spec.containers[0].securityContext.capabilities.drop"),
                value: json!("ALL"),
            }],
        );
        assert_eq!(o, [Outcome::Applied]);
        assert!(t.contains("drop: [NET_RAW, ALL]\n"), "{t}");
        let (t, o) = run(
            POD,
            &[Edit::AddToList {
                path: p("spec.containers[1].args"),
                value: json!("--verbose"),
            }],
        );
        assert_eq!(o, [Outcome::Applied]);
        assert!(
            t.ends_with("      - \"3600\"\n      - \"--verbose\"\n"),
            "{t}"
        );
        let (t, o) = run(
            POD,
            &[Edit::AddToList {
                path: p("spec.containers[1].securityContext.capabilities.drop"),
                value: json!("ALL"),
            }],
        );
        assert_eq!(o, [Outcome::Applied]);
        assert!(
            t.contains("    securityContext:\n      capabilities:\n        drop: [ALL]\n"),
            "{t}"
        );
        let (_, o) = run(
            POD,
            &[Edit::AddToList {
                path: p("spec.containers[0].securityContext.capabilities.drop"),
                value: json!("NET_RAW"),
            }],
        );
        assert_eq!(o, [Outcome::AlreadyDone]);
    }

    #[test]
    fn maps_in_lists_and_removal() {
        let text = "kind: Pod\nspec:\n  containers:\n  - name: app\n    env:\n    - name: DB_PASSWORD\n      value: hunter2 # oops\n    - name: MODE\n      value: prod\n";
        let (t, o) = run(
            text,
            &[
                Edit::Remove {
                    path: p("spec.containers[0].env[0].value"),
                },
                Edit::set(
                    p("spec.containers[0].env[0].valueFrom"),
                    json!({"secretKeyRef": {"name": "app", "key": "db-password"}}),
                ),
                Edit::AddToList {
                    path: p("spec.volumes"),
                    value: json!({"name": "tmp", "emptyDir": {}}),
                },
            ],
        );
        assert_eq!(o, [Outcome::Applied, Outcome::Applied, Outcome::Applied]);
        assert!(!t.contains("hunter2"));
        assert!(t.contains("    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef:\n          name: app\n          key: db-password\n    - name: MODE\n"), "{t}");
        assert!(
            t.contains("  volumes:\n  - name: tmp\n    emptyDir: {}\n")
                || t.contains("  volumes:\n    - name: tmp\n      emptyDir: {}\n"),
            "{t}"
        );
    }

    #[test]
    fn empty_flow_map_becomes_a_block_and_other_flow_is_refused() {
        let text = "kind: Pod\nspec:\n  securityContext: {}  # empty\n  containers: [{name: a, image: b}]\n";
        let (t, o) = run(
            text,
            &[Edit::set(p("spec.securityContext.runAsNonRoot"), true)],
        );
        assert_eq!(o, [Outcome::Applied]);
        assert!(
            t.contains("  securityContext: # empty\n    runAsNonRoot: true\n"),
            "{t}"
        );
        let (t2, o) = run(
            text,
            &[Edit::set(
                p("spec.containers[0].securityContext.runAsNonRoot"),
                true,
            )],
        );
        assert!(
            matches!(&o[0], Outcome::Skipped(m) if m.contains("flow")),
            "{o:?}"
        );
        assert_eq!(t2, text);
    }

    #[test]
    fn other_documents_are_untouched() {
        let text = "# head\napiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n---\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: b\n---\n# tail\nkind: Service\n";
        let (docs, _) = parse(text);
        let (t, o) = apply(
            text,
            docs[1].line,
            docs[1].column,
            &[Edit::set(p("spec.containers[0].imagePullPolicy"), "Always")],
        );
        assert_eq!(o, [Outcome::Applied]);
        assert_eq!(
            t,
            text.replace(
                "    image: b\n",
                "    image: b\n    imagePullPolicy: Always\n"
            )
        );
    }

    #[test]
    fn multi_line_values_are_refused() {
        let text = "kind: Pod\nspec:\n  hostname: |\n    a\n    b\n";
        let (t, o) = run(text, &[Edit::set(p("spec.hostname"), "x")]);
        assert!(matches!(&o[0], Outcome::Skipped(_)), "{o:?}");
        assert_eq!(t, text);
    }
}

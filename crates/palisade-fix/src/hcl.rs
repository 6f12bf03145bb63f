//! The same edits on Terraform `kubernetes_*` resources, as text: an
//! attribute's value is replaced on its line, a missing field is written as
//! attributes and nested blocks before the closing brace of its parent
//! block (at the indentation of the block's body), a list item is added to
//! a one-line `[…]` or as one more repeated block, a removed attribute takes
//! its line. Object paths are mapped to the provider's names
//! (`securityContext` → `security_context`, `containers[0]` → the first
//! `container` block, map attributes such as `labels = { … }`). Every edit
//! is checked by reading the file again as Terraform.

use crate::common::{Format, deepest, drive, indent_of, lines, splice};
use crate::yaml::Outcome;
use palisade_findings::Edit;
use palisade_hcl::mapping::{is_map_attribute, repeated_block, snake};
use palisade_value::{Node, Path, Seg, Value};
use serde_json::Value as J;

/// The 0-based index of the line holding the brace that closes the block
/// or object opened on line `line` (1-based).
fn closing_line(ls: &[&str], line: u32) -> Option<usize> {
    let mut depth = 0i32;
    let mut opened = false;
    for (i, l) in ls.iter().enumerate().skip(line as usize - 1) {
        let mut in_str = false;
        let mut prev = ' ';
        let chars: Vec<char> = l.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let c = chars[k];
            if in_str {
                if c == '"' && prev != '\\' {
                    in_str = false;
                }
            } else if c == '"' {
                in_str = true;
            } else if c == '#' || (c == '/' && chars.get(k + 1) == Some(&'/')) {
                break;
            } else if c == '{' {
                depth += 1;
                opened = true;
            } else if c == '}' {
                depth -= 1;
                if opened && depth == 0 {
                    return Some(i);
                }
            }
            prev = c;
            k += 1;
        }
    }
    None
}

fn hcl_string(s: &str) -> String {
    J::String(s.to_string())
        .to_string()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// A map attribute key: bare when it is an identifier, else quoted.
fn map_key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { k.to_string() } else { hcl_string(k) }
}

fn literal(v: &J) -> String {
    match v {
        J::String(s) => hcl_string(s),
        J::Array(a) => format!("[{}]", a.iter().map(literal).collect::<Vec<_>>().join(", ")),
        J::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, v)| format!("{} = {}", hcl_string(k), literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// `key = value` or nested blocks for `key: value`, at `indent`.
fn render(key: &str, v: &J, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    if is_map_attribute(key) {
        match v {
            J::Object(m) if !m.is_empty() => {
                out.push(format!("{pad}{} = {{\n", snake(key)));
                for (k, x) in m {
                    out.push(format!("{pad}  {} = {}\n", map_key(k), literal(x)));
                }
                out.push(format!("{pad}}}\n"));
            }
            _ => out.push(format!("{pad}{} = {}\n", snake(key), literal(v))),
        }
        return;
    }
    match v {
        J::Object(m) => {
            if m.is_empty() {
                out.push(format!("{pad}{} {{}}\n", snake(key)));
                return;
            }
            out.push(format!("{pad}{} {{\n", snake(key)));
            for (k, x) in crate::yaml::name_first(m) {
                render(k, x, indent + 2, out);
            }
            out.push(format!("{pad}}}\n"));
        }
        J::Array(items) if items.iter().any(|i| i.is_object()) => match repeated_block(key) {
            Some(b) => {
                for i in items {
                    render_block_item(b, i, indent, out);
                }
            }
            None => out.push(format!("{pad}{} = {}\n", snake(key), literal(v))),
        },
        _ => out.push(format!("{pad}{} = {}\n", snake(key), literal(v))),
    }
}

fn render_block_item(block: &str, v: &J, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    out.push(format!("{pad}{block} {{\n"));
    if let J::Object(m) = v {
        for (k, x) in crate::yaml::name_first(m) {
            render(k, x, indent + 2, out);
        }
    }
    out.push(format!("{pad}}}\n"));
}

/// `name = value  # comment` → (up to and with `= `, value, rest).
fn split_attr(line: &str) -> Option<(String, String, String)> {
    let eq = line.find('=')?;
    let (head, tail) = line.split_at(eq + 1);
    let v_start = tail.len() - tail.trim_start().len();
    let body = &tail[v_start..];
    let mut in_str = false;
    let mut prev = ' ';
    let mut end = body.len();
    for (i, c) in body.char_indices() {
        if in_str {
            if c == '"' && prev != '\\' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == '#' || c == '\n' || c == '\r' || body[i..].starts_with("//") {
            end = i;
            break;
        }
        prev = c;
    }
    let value = body[..end].trim_end();
    Some((
        format!("{head}{}", &tail[..v_start]),
        value.to_string(),
        body[value.len()..].to_string(),
    ))
}

/// Whether the node's line opens a block (`name {`, `name "label" {`) or a
/// map attribute (`name = {`).
fn opens(ls: &[&str], n: &Node) -> bool {
    ls.get(n.line as usize - 1).is_some_and(|l| {
        let t = l.split('#').next().unwrap_or("").trim_end();
        t.ends_with('{')
    })
}

fn insert_into(
    text: &str,
    parent: &Node,
    parent_key: Option<&str>,
    rest: &[Seg],
    value: &J,
) -> Result<String, String> {
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
    if !matches!(parent.value, Value::Map(_)) || !opens(&ls, parent) {
        return Err("the parent is not a block written over several lines; not edited".into());
    }
    let close = closing_line(&ls, parent.line).ok_or("cannot find the end of the block")?;
    let indent = indent_of(ls[parent.line as usize - 1]) + 2;
    let mut v = value.clone();
    for k in keys[1..].iter().rev() {
        let mut o = serde_json::Map::new();
        o.insert((*k).to_string(), v);
        v = J::Object(o);
    }
    let mut new = Vec::new();
    if parent_key.is_some_and(is_map_attribute) {
        // inside `labels = { … }`
        new.push(format!(
            "{}{} = {}\n",
            " ".repeat(indent),
            map_key(keys[0]),
            literal(&v)
        ));
    } else {
        render(keys[0], &v, indent, &mut new);
    }
    Ok(splice(&ls, close, 0, &new))
}

fn last_key(path: &Path, upto: usize) -> Option<&str> {
    path.segments()[..upto].iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k.as_str()),
        Seg::Index(_) => None,
    })
}

fn set(text: &str, root: &Node, path: &Path, value: &J) -> Result<(String, Outcome), String> {
    let (node, n) = deepest(root, path);
    if n == path.len() {
        if node.to_json() == *value {
            return Ok((text.to_string(), Outcome::AlreadyDone));
        }
        if matches!(value, J::Object(_)) || matches!(node.value, Value::Map(_)) {
            return Err("replacing a block is not supported".into());
        }
        let ls = lines(text);
        let line = ls.get(node.line as usize - 1).ok_or("no such line")?;
        let (head, old, rest) = split_attr(line).ok_or("cannot read the attribute's line")?;
        if old.is_empty() || old.ends_with('[') || old.ends_with('{') || old.starts_with("<<") {
            return Err("the value spans several lines; not edited".into());
        }
        let new = format!("{head}{}{}", literal(value), rest);
        return Ok((
            splice(&ls, node.line as usize - 1, 1, &[new]),
            Outcome::Applied,
        ));
    }
    let parent_key = last_key(path, n);
    Ok((
        insert_into(text, node, parent_key, &path.segments()[n..], value)?,
        Outcome::Applied,
    ))
}

fn add_to_list(
    text: &str,
    root: &Node,
    path: &Path,
    value: &J,
) -> Result<(String, Outcome), String> {
    let (node, n) = deepest(root, path);
    let key = match path.last() {
        Some(Seg::Key(k)) => k.as_str(),
        _ => return Err("not a list field".into()),
    };
    if n < path.len() {
        if n == path.len() - 1 && value.is_object() && repeated_block(key).is_some() {
            // one more repeated block in the parent
            let ls = lines(text);
            if !opens(&ls, node) {
                return Err(
                    "the parent is not a block written over several lines; not edited".into(),
                );
            }
            let close = closing_line(&ls, node.line).ok_or("cannot find the end of the block")?;
            let mut new = Vec::new();
            render_block_item(
                repeated_block(key).expect("checked"),
                value,
                indent_of(ls[node.line as usize - 1]) + 2,
                &mut new,
            );
            return Ok((splice(&ls, close, 0, &new), Outcome::Applied));
        }
        return set(text, root, path, &J::Array(vec![value.clone()]));
    }
    let Value::Seq(items) = &node.value else {
        return Err(format!("{path} is not a list"));
    };
    if items.iter().any(|i| i.to_json() == *value) {
        return Ok((text.to_string(), Outcome::AlreadyDone));
    }
    let ls = lines(text);
    if value.is_object() {
        let Some(block) = repeated_block(key) else {
            return Err("a list of objects that is not written as blocks; not edited".into());
        };
        let last = items.last().ok_or("empty list")?;
        let close = closing_line(&ls, last.line).ok_or("cannot find the end of the block")?;
        let mut new = Vec::new();
        render_block_item(
            block,
            value,
            indent_of(ls[last.line as usize - 1]),
            &mut new,
        );
        return Ok((splice(&ls, close + 1, 0, &new), Outcome::Applied));
    }
    let line = ls.get(node.line as usize - 1).ok_or("no such line")?;
    let (head, old, rest) = split_attr(line).ok_or("cannot read the list's line")?;
    if !(old.starts_with('[') && old.ends_with(']')) {
        return Err("the list spans several lines; not edited".into());
    }
    let inner = old[1..old.len() - 1].trim().trim_end_matches(',');
    let v = if inner.is_empty() {
        format!("[{}]", literal(value))
    } else {
        format!("[{inner}, {}]", literal(value))
    };
    Ok((
        splice(
            &ls,
            node.line as usize - 1,
            1,
            &[format!("{head}{v}{rest}")],
        ),
        Outcome::Applied,
    ))
}

fn remove(text: &str, root: &Node, path: &Path) -> Result<(String, Outcome), String> {
    let Some(node) = root.at(path) else {
        return Ok((text.to_string(), Outcome::AlreadyDone));
    };
    if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
        return Err("removing a block is not supported".into());
    }
    let ls = lines(text);
    let line = ls.get(node.line as usize - 1).ok_or("no such line")?;
    let (_, old, _) = split_attr(line).ok_or("cannot read the attribute's line")?;
    if old.is_empty() || old.starts_with("<<") {
        return Err("the value spans several lines; not removed".into());
    }
    Ok((
        splice(&ls, node.line as usize - 1, 1, &[]),
        Outcome::Applied,
    ))
}

fn objects(name: &str, text: &str) -> Option<Vec<palisade_model::Object>> {
    let m = palisade_hcl::load_module(
        &[(name.to_string(), text.to_string())],
        &[],
        &Default::default(),
    );
    if m.errors.is_empty() {
        Some(m.objects)
    } else {
        None
    }
}

fn find(objs: &[palisade_model::Object], line: u32, column: u32) -> Option<&Node> {
    objs.iter()
        .find(|o| o.raw.line == line && o.raw.column == column)
        .map(|o| &o.raw)
}

struct Terraform<'a> {
    name: &'a str,
}

impl Format for Terraform<'_> {
    type Doc = Vec<palisade_model::Object>;
    const BROKEN: &'static str = "the edit would not leave valid Terraform; not applied";
    const UNREADABLE: &'static str = "the file does not parse as Terraform";

    fn read(&self, text: &str) -> Option<Self::Doc> {
        objects(self.name, text)
    }

    fn object<'d>(&self, doc: &'d Self::Doc, line: u32, column: u32) -> Option<&'d Node> {
        find(doc, line, column)
    }

    fn intact(&self, before: &Self::Doc, after: &Self::Doc) -> bool {
        after.len() == before.len()
    }

    fn edit(&self, text: &str, obj: &Node, e: &Edit) -> Result<(String, Outcome), String> {
        match e {
            Edit::Set { path, value } => set(text, obj, path, value),
            Edit::AddToList { path, value } => add_to_list(text, obj, path, value),
            Edit::Remove { path } => remove(text, obj, path),
        }
    }
}

/// Applies `edits` to the resource whose object starts at `line`:`column`
/// of the Terraform file `name`; as [`crate::yaml::apply`].
pub fn apply(
    name: &str,
    text: &str,
    line: u32,
    column: u32,
    edits: &[Edit],
) -> (String, Vec<Outcome>) {
    let cur = text.to_string();
    if lines(text)
        .get(line as usize - 1)
        .is_some_and(|l| l.contains("\"kubernetes_manifest\""))
    {
        let why =
            "a kubernetes_manifest resource holds the object as an HCL expression; edit it by hand";
        return (
            cur,
            edits.iter().map(|_| Outcome::Skipped(why.into())).collect(),
        );
    }
    drive(&Terraform { name }, &cur, line, column, edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TF: &str = "resource \"kubernetes_pod_v1\" \"p\" {\n  metadata {\n    name      = \"p\"\n    namespace = \"team-a\" # ns\n    labels = {\n      app = \"web\"\n    }\n  }\n  spec {\n    container {\n      name              = \"app\"\n      image             = \"nginx:1.27\"\n      image_pull_policy = \"IfNotPresent\"\n      env {\n        name  = \"DB_PASSWORD\"\n        value = \"hunter2\"\n      }\n      security_context {\n        allow_privilege_escalation = true\n        capabilities {\n          add = [\"NET_ADMIN\"]\n        }\n      }\n    }\n  }\n}\n";

    fn run(edits: &[Edit]) -> (String, Vec<Outcome>) {
        let objs = objects("main.tf", TF).unwrap();
        apply("main.tf", TF, objs[0].raw.line, objs[0].raw.column, edits)
    }

    fn p(s: &str) -> Path {
        s.parse().unwrap()
    }

    #[test]
    fn set_existing_and_missing_fields() {
        let (t, o) = run(&[
            Edit::set(
                p("spec.containers[0].securityContext.allowPrivilegeEscalation"),
                false,
            ),
            Edit::set(p("spec.containers[0].securityContext.runAsNonRoot"), true),
            Edit::set(
                p("spec.securityContext.seccompProfile.type"),
                "RuntimeDefault",
            ),
            Edit::set(p("spec.automountServiceAccountToken"), false),
            Edit::set(
                p("metadata.labels.[\"pod-security.kubernetes.io/enforce\"]"
                    .replace(".[", "[")
                    .as_str()),
                "restricted",
            ),
        ]);
        assert_eq!(o, vec![Outcome::Applied; 5], "{t}");
        assert!(
            t.contains("        allow_privilege_escalation = false\n"),
            "{t}"
        );
        assert!(
            t.contains("        run_as_non_root = true\n      }\n    }\n"),
            "{t}"
        );
        assert!(t.contains("    security_context {\n      seccomp_profile {\n        type = \"RuntimeDefault\"\n      }\n    }\n"), "{t}");
        assert!(
            t.contains("    automount_service_account_token = false\n  }\n}\n"),
            "{t}"
        );
        assert!(
            t.contains("      \"pod-security.kubernetes.io/enforce\" = \"restricted\"\n    }\n"),
            "{t}"
        );
        assert!(t.contains("    namespace = \"team-a\" # ns\n"));
    }

    #[test]
    fn lists_blocks_and_removal() {
        let (t, o) = run(&[
            Edit::AddToList {
                path: p("spec.containers[0].securityContext.capabilities.drop"),
                value: json!("ALL"),
            },
            Edit::AddToList {
                path: p("spec.containers[0].securityContext.capabilities.add"),
                value: json!("CHOWN"),
            },
            Edit::AddToList {
                path: p("spec.volumes"),
                value: json!({"name": "tmp", "emptyDir": {}}),
            },
            Edit::AddToList {
                path: p("spec.containers[0].volumeMounts"),
                value: json!({"name": "tmp", "mountPath": "/tmp"}),
            },
            Edit::Remove {
                path: p("spec.containers[0].env[0].value"),
            },
            Edit::set(
                p("spec.containers[0].env[0].valueFrom"),
                json!({"secretKeyRef": {"name": "p-env", "key": "db-password"}}),
            ),
        ]);
        assert_eq!(o, vec![Outcome::Applied; 6], "{t}");
        assert!(
            t.contains("          add = [\"NET_ADMIN\", \"CHOWN\"]\n          drop = [\"ALL\"]\n"),
            "{t}"
        );
        assert!(
            t.contains("    volume {\n      name = \"tmp\"\n      empty_dir {}\n    }\n"),
            "{t}"
        );
        assert!(t.contains("      volume_mount {\n        name = \"tmp\"\n        mount_path = \"/tmp\"\n      }\n"), "{t}");
        assert!(!t.contains("hunter2"));
        assert!(t.contains("        value_from {\n          secret_key_ref {\n            name = \"p-env\"\n            key = \"db-password\"\n"), "{t}");
    }
}

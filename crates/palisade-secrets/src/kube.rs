//! Kubernetes objects read as objects, for what a line-by-line scan cannot
//! see: Secret values behind base64, env values whose name is on another
//! line, values inside a JSON string (a `kubectl get -o json` dump, the
//! `last-applied-configuration` annotation).

use crate::Finding;
use crate::allow::is_placeholder;
use crate::object::{self, ObjectSecret};
use crate::rules::RULES;
use crate::scan::{FileKind, Scanner, make};
use palisade_value::Node;
use std::collections::HashSet;

use palisade_redact::LAST_APPLIED;

/// A YAML or JSON file that names an `apiVersion` and a `kind`.
pub(crate) fn looks_like_manifest(path: &str, buf: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
        && memchr::memmem::find(buf, b"apiVersion").is_some()
        && memchr::memmem::find(buf, b"kind").is_some()
}

/// The findings of the objects in one manifest file ([`object::analyze`],
/// and ConfigMap values), and the lines the object pass decides about:
/// every line of a Secret value or an env value (what the text pass found
/// there is left to it), and of a SealedSecret's ciphertext.
pub(crate) fn scan(scanner: &Scanner, path: &str, buf: &[u8]) -> (Vec<Finding>, HashSet<u32>) {
    let Ok(text) = std::str::from_utf8(buf) else {
        return (Vec::new(), HashSet::new());
    };
    let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    let mut out = Vec::new();
    let mut owned = HashSet::new();
    let json = path.to_ascii_lowercase().ends_with(".json");
    for d in &stream.documents {
        for s in object::analyze(scanner, &d.root) {
            owned.extend(s.line..=if json { s.line } else { s.last_line });
            out.push(finding(scanner, path, &s));
        }
        owned_values(&d.root, json, &mut owned);
        others(scanner, path, &d.root, json, &mut out);
    }
    (out, owned)
}

/// The finding `palisade secrets` reports for an object's credential.
fn finding(scanner: &Scanner, path: &str, s: &ObjectSecret) -> Finding {
    let mut f = make(
        scanner.key(),
        s.rule,
        &s.secret,
        path,
        (s.line, s.column),
        Some(s.key.clone()),
        Some(match s.evidence {
            object::Evidence::Format(r) => format!("{}: {}", s.what, r.title),
            _ => s.what.clone(),
        }),
    );
    f.severity = s.severity();
    f.redacted = s.redacted();
    f.evidence = Some(match s.evidence {
        object::Evidence::Format(r) => r.id.to_string(),
        object::Evidence::Named => "named".into(),
        object::Evidence::Random => "random".into(),
    });
    f
}

/// Lines of values the object pass read: a Secret's values (for `data`,
/// the text is base64), env values, a SealedSecret's ciphertext. (The
/// last-applied annotation holds more than the pass reads; there, the text
/// pass's findings of the secrets the object pass reported are dropped.)
fn owned_values(node: &Node, json: bool, owned: &mut HashSet<u32>) {
    let Some(kind) = node.get_str("kind") else {
        return;
    };
    if kind.ends_with("List")
        && let Some(items) = node.get("items").and_then(Node::as_seq)
    {
        for i in items {
            owned_values(i, json, owned);
        }
        return;
    }
    let mut own = |v: &Node| {
        let n = v
            .as_str()
            .map_or(1, |s| s.trim_end().lines().count().max(1)) as u32;
        owned.extend(v.line..=if json { v.line } else { v.line + n });
    };
    let maps: &[&[&str]] = match kind {
        "Secret" => &[&["data"], &["stringData"]],
        "SealedSecret" => &[&["spec", "encryptedData"]],
        _ => &[],
    };
    for m in maps {
        let mut n = Some(node);
        for k in *m {
            n = n.and_then(|x| x.get(k));
        }
        if let Some(map) = n.and_then(Node::as_map) {
            for (_, v) in map.iter() {
                own(v);
            }
        }
    }
    env_values(node, &mut own);
}

fn env_values(node: &Node, own: &mut impl FnMut(&Node)) {
    if let Some(m) = node.as_map() {
        for (k, v) in m.iter() {
            if k == "env"
                && let Some(items) = v.as_seq()
            {
                for item in items {
                    if let Some(v) = item.get("value") {
                        own(v);
                    }
                }
            } else if k != "metadata" {
                env_values(v, own);
            }
        }
    } else if let Some(s) = node.as_seq() {
        for i in s {
            env_values(i, own);
        }
    }
}

/// What only `palisade secrets` reads: ConfigMap values (which a pod may
/// load as files or env), directly and in the last-applied annotation.
fn others(scanner: &Scanner, path: &str, node: &Node, json: bool, out: &mut Vec<Finding>) {
    let Some(kind) = node.get_str("kind") else {
        return;
    };
    if kind.ends_with("List")
        && let Some(items) = node.get("items").and_then(Node::as_seq)
    {
        for i in items {
            others(scanner, path, i, json, out);
        }
        return;
    }
    let name = node
        .get("metadata")
        .and_then(|m| m.get_str("name"))
        .unwrap_or("");
    if kind == "ConfigMap" {
        config_map(scanner, path, node, name, None, json, out);
    }
    if let Some(a) = node
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        && let Some(text) = a.as_str()
    {
        let inner = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        for d in &inner.documents {
            if d.root.get_str("kind") == Some("ConfigMap") {
                let within = format!("in the {LAST_APPLIED} annotation of {kind} {name}");
                config_map(
                    scanner,
                    path,
                    &d.root,
                    name,
                    Some((a.line, &within)),
                    true,
                    out,
                );
            }
        }
    }
}

fn config_map(
    scanner: &Scanner,
    path: &str,
    node: &Node,
    name: &str,
    within: Option<(u32, &str)>,
    json: bool,
    out: &mut Vec<Finding>,
) {
    let Some(map) = node.get("data").and_then(Node::as_map) else {
        return;
    };
    for (k, v) in map.iter() {
        let Some(value) = v.as_str() else {
            continue;
        };
        // Multi-line values of a YAML file are lines the text pass saw.
        if value.contains('\n') && !json {
            continue;
        }
        let text = if value.contains('\n') {
            value.to_string()
        } else {
            format!("{k}={value}")
        };
        let found = scanner.candidates(text.as_bytes(), FileKind::Config);
        let line = within.map_or(v.line, |w| w.0);
        let what = match within {
            Some((_, w)) => format!("ConfigMap {name} data.{k}, {w}"),
            None => format!("ConfigMap {name} data.{k}"),
        };
        for c in &found {
            out.push(make(
                scanner.key(),
                &RULES[c.rule],
                &text.as_bytes()[c.start..c.end],
                path,
                (line, v.column),
                c.key.clone(),
                Some(what.clone()),
            ));
        }
    }
}

/// The values of one manifest document that no output may show: every
/// value of a Secret's `data` (as written and decoded) and `stringData`,
/// a Secret's `last-applied-configuration` annotation (it holds them in
/// clear), and literal `env` values and ConfigMap values whose name says
/// credential. For redacting text that quotes the document (diffs).
pub fn values_to_redact(doc: &Node) -> Vec<String> {
    let mut out = palisade_redact::values_in(doc);
    out.retain(|v| v.starts_with('{') || !is_placeholder(v.as_bytes()));
    out
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn what_a_diff_must_not_show() {
        let y = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"stringData\":{\"password\":\"hunter2-but-longer\"}}'\nstringData:\n  password: hunter2-but-longer\ndata:\n  token: c2VjcmV0LXRva2VuLXZhbHVl\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: x:1\n        env:\n        - {name: DB_PASSWORD, value: s3cr3t-value}\n        - {name: LOG_LEVEL, value: debug}\n        - {name: API_TOKEN, value: changeme}\n";
        let stream = palisade_yaml::parse_stream(y, &palisade_yaml::Limits::default());
        let all: Vec<String> = stream
            .documents
            .iter()
            .flat_map(|d| values_to_redact(&d.root))
            .collect();
        for v in [
            "hunter2-but-longer",
            "c2VjcmV0LXRva2VuLXZhbHVl",
            "secret-token-value",
            "s3cr3t-value",
        ] {
            assert!(all.iter().any(|x| x == v), "{v}: {all:?}");
        }
        assert!(
            all.iter()
                .any(|x| x.contains("last") || x.starts_with("{\"stringData\""))
        );
        // not secrets: a log level, a placeholder
        assert!(
            !all.iter().any(|x| x == "debug" || x == "changeme"),
            "{all:?}"
        );
    }
}

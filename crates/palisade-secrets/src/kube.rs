//! Kubernetes objects read as objects, for what a line-by-line scan cannot
//! see: Secret values behind base64, env values whose name is on another
//! line, values inside a JSON string (a `kubectl get -o json` dump, the
//! `last-applied-configuration` annotation).

use crate::allow::is_placeholder;
use crate::rules::{RULES, index};
use crate::scan::{Candidate, FileKind, Scanner, make};
use crate::{Finding, rule};
use base64::Engine;
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

struct Ctx<'a> {
    scanner: &'a Scanner,
    path: &'a str,
    /// Every finding goes on this line (the annotation that holds the JSON).
    line: Option<u32>,
    /// Values are JSON strings: multi-line values are not visible as lines
    /// to the text pass.
    json: bool,
    /// Prefix of every note (`in the last-applied-configuration annotation`).
    within: Option<String>,
    out: Vec<Finding>,
    /// Lines of Secret `data` values: the text pass sees only base64 there.
    owned: HashSet<u32>,
}

/// The findings of the objects in one manifest file, and the lines whose
/// text is base64 Secret data (what the text pass found there is about the
/// encoding, not the value).
pub(crate) fn scan(scanner: &Scanner, path: &str, buf: &[u8]) -> (Vec<Finding>, HashSet<u32>) {
    let Ok(text) = std::str::from_utf8(buf) else {
        return (Vec::new(), HashSet::new());
    };
    let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    let mut ctx = Ctx {
        scanner,
        path,
        line: None,
        json: path.to_ascii_lowercase().ends_with(".json"),
        within: None,
        out: Vec::new(),
        owned: HashSet::new(),
    };
    for d in &stream.documents {
        object(&mut ctx, &d.root);
    }
    (ctx.out, ctx.owned)
}

fn object(ctx: &mut Ctx, node: &Node) {
    let Some(kind) = node.get_str("kind") else {
        return;
    };
    if kind.ends_with("List")
        && let Some(items) = node.get("items").and_then(Node::as_seq)
    {
        for i in items {
            object(ctx, i);
        }
        return;
    }
    let name = node
        .get("metadata")
        .and_then(|m| m.get_str("name"))
        .unwrap_or("")
        .to_string();
    match kind {
        "Secret" => secret(ctx, node, &name),
        "SealedSecret" => sealed(ctx, node),
        "ConfigMap" => config_map(ctx, node, &name),
        _ => {}
    }
    env(ctx, node);
    if let Some(a) = node
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        && let Some(json) = a.as_str()
    {
        let inner = palisade_yaml::parse_stream(json, &palisade_yaml::Limits::default());
        let saved = (ctx.line, ctx.json, ctx.within.take());
        ctx.line = Some(ctx.line.unwrap_or(a.line));
        ctx.json = true;
        ctx.within = Some(format!("in the {LAST_APPLIED} annotation of {kind} {name}"));
        for d in &inner.documents {
            object(ctx, &d.root);
        }
        (ctx.line, ctx.json, ctx.within) = saved;
    }
}

fn note(ctx: &Ctx, what: String) -> Option<String> {
    Some(match &ctx.within {
        Some(w) => format!("{what}, {w}"),
        None => what,
    })
}

fn secret(ctx: &mut Ctx, node: &Node, name: &str) {
    for (section, encoded) in [("data", true), ("stringData", false)] {
        let Some(map) = node.get(section).and_then(Node::as_map) else {
            continue;
        };
        for (k, v) in map.iter() {
            let Some(raw) = v.as_str() else {
                continue;
            };
            let line = ctx.line.unwrap_or(v.line);
            if encoded {
                ctx.owned.insert(line);
            }
            let value = if encoded {
                let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                match base64::engine::general_purpose::STANDARD.decode(compact) {
                    Ok(b) => b,
                    Err(_) => continue,
                }
            } else {
                raw.as_bytes().to_vec()
            };
            if value.is_empty() || is_placeholder(&value) || only_public_material(&value) {
                continue;
            }
            let what = format!(
                "Secret {name} {section}.{k}{}",
                if encoded { ", base64-decoded" } else { "" }
            );
            let found = ctx.scanner.candidates(&value, FileKind::Config);
            if found.is_empty() {
                if !palisade_redact::credential_name(k) && !random_material(&value) {
                    // A user name, a database name, a host: not secret.
                    continue;
                }
                let f = make(
                    ctx.scanner.key(),
                    &RULES[index("kubernetes-secret-data")],
                    &value,
                    ctx.path,
                    (line, v.column),
                    Some(k.to_string()),
                    note(ctx, what),
                );
                ctx.out.push(f);
            } else {
                push(ctx, &value, &found, line, v.column, None, &what);
            }
        }
    }
}

/// A SealedSecret's values are ciphertext only its controller can open:
/// nothing to report, and nothing the text pass may call a password.
fn sealed(ctx: &mut Ctx, node: &Node) {
    if let Some(map) = node
        .get("spec")
        .and_then(|s| s.get("encryptedData"))
        .and_then(Node::as_map)
    {
        for (_, v) in map.iter() {
            let line = ctx.line.unwrap_or(v.line);
            ctx.owned.insert(line);
        }
    }
}

/// A value that looks generated: long and high in entropy.
fn random_material(v: &[u8]) -> bool {
    v.len() >= 16 && crate::entropy(v) >= 3.5
}

/// Certificates and public keys are not secret.
fn only_public_material(v: &[u8]) -> bool {
    memchr::memmem::find(v, b"-----BEGIN ").is_some()
        && memchr::memmem::find(v, b"PRIVATE KEY").is_none()
}

fn config_map(ctx: &mut Ctx, node: &Node, name: &str) {
    let Some(map) = node.get("data").and_then(Node::as_map) else {
        return;
    };
    for (k, v) in map.iter() {
        let Some(value) = v.as_str() else {
            continue;
        };
        // Multi-line values of a YAML file are lines the text pass saw.
        if value.contains('\n') && !ctx.json {
            continue;
        }
        let text = if value.contains('\n') {
            value.to_string()
        } else {
            format!("{k}={value}")
        };
        let found = ctx.scanner.candidates(text.as_bytes(), FileKind::Config);
        let line = ctx.line.unwrap_or(v.line);
        push(
            ctx,
            text.as_bytes(),
            &found,
            line,
            v.column,
            None,
            &format!("ConfigMap {name} data.{k}"),
        );
    }
}

/// Literal values of `env` lists anywhere in the object (containers, init
/// containers, ephemeral containers, templates of every workload kind).
fn env(ctx: &mut Ctx, node: &Node) {
    if let Some(m) = node.as_map() {
        for (k, v) in m.iter() {
            if k == "env"
                && let Some(items) = v.as_seq()
            {
                for item in items {
                    env_var(ctx, item);
                }
            } else if k != "metadata" {
                env(ctx, v);
            }
        }
    } else if let Some(s) = node.as_seq() {
        for i in s {
            env(ctx, i);
        }
    }
}

fn env_var(ctx: &mut Ctx, item: &Node) {
    let (Some(name), Some(v)) = (item.get_str("name"), item.get("value")) else {
        return;
    };
    let Some(value) = v.as_str() else {
        return;
    };
    if value.is_empty() {
        return;
    }
    let text = format!("{name}={value}");
    let found = ctx.scanner.candidates(text.as_bytes(), FileKind::Config);
    let line = ctx.line.unwrap_or(v.line);
    push(
        ctx,
        text.as_bytes(),
        &found,
        line,
        v.column,
        Some("kubernetes-env-literal"),
        &format!("container env {name}"),
    );
}

/// Findings for candidates of a value, all on the value's line. With
/// `generic_as`, generic `key = value` hits are reported under that rule.
fn push(
    ctx: &mut Ctx,
    text: &[u8],
    found: &[Candidate],
    line: u32,
    column: u32,
    generic_as: Option<&str>,
    what: &str,
) {
    for c in found {
        let mut r = &RULES[c.rule];
        if r.generic
            && r.id.starts_with("generic")
            && let Some(id) = generic_as
        {
            r = rule(id).unwrap_or(r);
        }
        let f = make(
            ctx.scanner.key(),
            r,
            &text[c.start..c.end],
            ctx.path,
            (line, column),
            c.key.clone(),
            note(ctx, what.to_string()),
        );
        ctx.out.push(f);
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

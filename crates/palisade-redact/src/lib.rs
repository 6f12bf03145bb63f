//! Where secret values are taken out of what palisade prints, logs and
//! stores. Every output that can quote an object — diffs of `fix`, audit
//! events stored by the sink, alert fields, webhook and log lines — passes
//! through this crate, so what counts as a secret is decided once:
//!
//! * a Secret's `data` (as written and decoded) and `stringData`;
//! * the `last-applied-configuration` annotation (it holds the object in
//!   clear);
//! * literal `env` values whose name says credential, and ConfigMap values
//!   whose key does;
//! * the value of a credential flag in `args`/`command` (`--token=X`,
//!   `--db-password X`).
//!
//! [`json`] blanks those fields in JSON documents; [`values_in`] lists the
//! values of a document tree so that text quoting it (a diff) can be
//! cleaned with [`text`]; [`mask`] is the one masked form of a secret
//! finding's value.

pub mod json;

use base64::Engine;
use palisade_value::Node;

/// What is printed instead of a value.
pub const REDACTED: &str = "<redacted>";

/// The annotation `kubectl apply` keeps a full copy of the object in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// How many `*` follow a mask's public prefix, whatever the value's length.
pub const MASK_STARS: usize = 16;

/// The masked form of a secret: its public prefix (`AKIA`, `ghp_`), then
/// sixteen `*`, so a mask tells nothing of how long the value is.
pub fn mask(public_prefix: &str) -> String {
    let mut s = public_prefix.to_string();
    s.extend(std::iter::repeat_n('*', MASK_STARS));
    s
}

/// A key or variable name that says credential (`DB_PASSWORD`,
/// `api-token`, `.dockerconfigjson`).
pub fn credential_name(k: &str) -> bool {
    const PARTS: &[&str] = &[
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "cred",
        "auth",
        "private",
        "dockerconfigjson",
        "dockercfg",
        "ssh",
        "session",
        "cookie",
        "salt",
        "signing",
        "jwt",
        "oauth",
        "dsn",
    ];
    let lower = k.to_ascii_lowercase();
    PARTS.iter().any(|p| lower.contains(p))
}

/// A command-line flag whose value is a credential (`--token`, `--db-password`).
pub fn credential_flag(flag: &str) -> bool {
    let f = flag.trim_start_matches('-').to_ascii_lowercase();
    f.starts_with(|c: char| c.is_ascii_alphabetic())
        && [
            "token",
            "password",
            "passwd",
            "secret",
            "apikey",
            "api-key",
            "api_key",
            "access-key",
            "credential",
        ]
        .iter()
        .any(|p| f.contains(p))
}

/// Every value of `doc` that must not be printed where the document is
/// quoted: see the crate's list. Values of fewer than three characters
/// are left out (they would blank unrelated text).
pub fn values_in(doc: &Node) -> Vec<String> {
    let mut out = Vec::new();
    collect(doc, &mut out);
    out.retain(|v| v.len() >= 3);
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out.dedup();
    out
}

fn collect(doc: &Node, out: &mut Vec<String>) {
    if let Some(items) = doc.get("items").and_then(Node::as_seq) {
        for i in items {
            collect(i, out);
        }
    }
    match doc.get_str("kind") {
        Some("Secret") => {
            for (field, encoded) in [("data", true), ("stringData", false)] {
                for (_, v) in doc
                    .get(field)
                    .and_then(Node::as_map)
                    .into_iter()
                    .flat_map(|m| m.iter())
                {
                    let Some(s) = v.as_str() else { continue };
                    out.push(s.to_string());
                    if encoded
                        && let Ok(b) = base64::engine::general_purpose::STANDARD.decode(s.trim())
                        && let Ok(t) = String::from_utf8(b)
                    {
                        out.extend(t.lines().map(str::to_string));
                        out.push(t);
                    }
                    if !encoded {
                        out.extend(s.lines().map(str::to_string));
                    }
                }
            }
            if let Some(a) = doc
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get_str(LAST_APPLIED))
            {
                out.push(a.to_string());
            }
        }
        Some("ConfigMap") => {
            for (k, v) in doc
                .get("data")
                .and_then(Node::as_map)
                .into_iter()
                .flat_map(|m| m.iter())
            {
                if credential_name(k)
                    && let Some(s) = v.as_str()
                {
                    out.push(s.to_string());
                }
            }
        }
        _ => {}
    }
    env_values(doc, out);
}

fn env_values(node: &Node, out: &mut Vec<String>) {
    if let Some(m) = node.as_map() {
        for (k, v) in m.iter() {
            if k == "env"
                && let Some(items) = v.as_seq()
            {
                for item in items {
                    if let (Some(name), Some(value)) = (item.get_str("name"), item.get_str("value"))
                        && credential_name(name)
                    {
                        out.push(value.to_string());
                    }
                }
            } else if (k == "args" || k == "command")
                && let Some(items) = v.as_seq()
            {
                let words: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
                out.extend(flag_values(&words).into_iter().map(str::to_string));
            } else if k != "metadata" {
                env_values(v, out);
            }
        }
    } else if let Some(s) = node.as_seq() {
        for i in s {
            env_values(i, out);
        }
    }
}

/// Where the credential values of a command line are: the index of the
/// word and the byte where the value starts in it (after `--token=`, or 0
/// for the word after `--db-password`).
pub fn flag_value_positions(words: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut next_is_value = false;
    for (i, w) in words.iter().enumerate() {
        if next_is_value && !w.starts_with('-') {
            out.push((i, 0));
            next_is_value = false;
            continue;
        }
        next_is_value = false;
        if let Some((flag, _)) = w.split_once('=') {
            if flag.starts_with('-') && credential_flag(flag) {
                out.push((i, flag.len() + 1));
            }
        } else if w.starts_with('-') && credential_flag(w) {
            next_is_value = true;
        }
    }
    out
}

/// The values of credential flags in a command line: the text after
/// `--token=` and the word after `--db-password`.
pub fn flag_values<'a>(words: &[&'a str]) -> Vec<&'a str> {
    flag_value_positions(words)
        .into_iter()
        .map(|(i, at)| &words[i][at..])
        .collect()
}

/// `text` with every one of `values` (those of three characters or more)
/// replaced by [`REDACTED`], longest first so a value that contains another
/// goes whole: text that quotes documents (a diff, a patch) around the
/// values [`values_in`] found.
pub fn text(text: &str, values: &[String]) -> String {
    let mut t = text.to_string();
    let mut values: Vec<&String> = values.iter().filter(|s| s.len() >= 3).collect();
    values.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for v in values {
        t = t.replace(v.as_str(), REDACTED);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(yaml: &str) -> Vec<String> {
        let stream = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
        stream
            .documents
            .iter()
            .flat_map(|d| values_in(&d.root))
            .collect()
    }

    #[test]
    fn what_quoted_text_must_not_show() {
        let all = values(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"stringData\":{\"password\":\"hunter2-but-longer\"}}'\nstringData:\n  password: hunter2-but-longer\ndata:\n  token: c2VjcmV0LXRva2VuLXZhbHVl\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: x:1\n        args: [--listen=:80, --token=tok-planted-1, --db-password, pw-planted-2, --verbose]\n        env:\n        - {name: DB_PASSWORD, value: s3cr3t-value}\n        - {name: LOG_LEVEL, value: debug}\n",
        );
        for v in [
            "hunter2-but-longer",
            "c2VjcmV0LXRva2VuLXZhbHVl",
            "secret-token-value",
            "s3cr3t-value",
            "tok-planted-1",
            "pw-planted-2",
        ] {
            assert!(all.iter().any(|x| x == v), "{v}: {all:?}");
        }
        for kept in ["debug", ":80", "--verbose"] {
            assert!(!all.iter().any(|x| x == kept), "{kept}: {all:?}");
        }
        let t = text("password: hunter2-but-longer # ok", &all);
        assert_eq!(t, "password: <redacted> # ok");
    }

    #[test]
    fn masks_never_tell_the_length() {
        assert_eq!(mask("AKIA"), format!("AKIA{}", "*".repeat(16)));
        assert_eq!(mask("").len(), MASK_STARS);
    }
}

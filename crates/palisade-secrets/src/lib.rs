//! Credentials in files: source trees, image layers and Kubernetes objects.
//!
//! A [`Scanner`] holds every [`rules::RULES`] entry compiled once. Scanning a
//! file is two steps: one Aho-Corasick pass over the bytes finds the rules'
//! keywords (case-insensitively), then each woken rule matches its pattern
//! only where its keyword was seen (anchored at the hit, on the hit's line,
//! or on the whole file). Candidates must reach the rule's entropy and pass
//! the placeholder allowlist; generic `key = value` rules also skip
//! references, identifiers and, in program code, unquoted values. YAML and
//! JSON files that are Kubernetes manifests are also read as objects:
//! Secret data (base64-decoded), ConfigMap values, literal container env
//! values and the `last-applied-configuration` annotation.
//!
//! A [`Finding`] never holds the secret: only a masked form that shows at
//! most the token's public prefix, and a SHA-256 fingerprint that baselines
//! match on.

mod allow;
pub mod collect;
mod kube;
pub mod report;
pub mod rules;
mod scan;

pub use allow::is_test_path;
pub use kube::values_to_redact;
pub use rules::{RULES, Rule, rule};
pub use scan::{FileKind, Scanner, is_binary};

use palisade_findings::Severity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// One secret found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The rule id (`aws-access-key-id`).
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    /// The file; for image layers `IMAGE: layer N: path`.
    pub path: String,
    /// 1-based line and column of the secret.
    pub line: u32,
    pub column: u32,
    /// The setting the value is assigned to (generic rules, Secret keys,
    /// env names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The secret masked: at most its public prefix, then `*`.
    pub redacted: String,
    /// SHA-256 of the secret (hex, 32 digits): the same secret has the same
    /// fingerprint wherever it is, and the value cannot be read back from it.
    pub fingerprint: String,
    /// In a test or fixture path: reported as `info`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test_fixture: bool,
    /// Where inside the file it was found when that is not plain text
    /// (`Secret data.password, base64-decoded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub why: String,
    #[serde(default)]
    pub fix: String,
}

/// Shannon entropy of `b` in bits per byte.
pub fn entropy(b: &[u8]) -> f32 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// The fingerprint of a secret value.
pub fn fingerprint(secret: &[u8]) -> String {
    let d = Sha256::digest(secret);
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The masked form: the rule's public prefix (`AKIA`, `ghp_`), then
/// sixteen `*` whatever the value's length, so a mask tells nothing of
/// how long a password is.
pub fn redact(rule: &Rule, secret: &[u8]) -> String {
    let shown = rule.shown_prefix.min(secret.len());
    let mut s: String = secret[..shown].iter().map(|&b| b as char).collect();
    s.extend(std::iter::repeat_n('*', 16));
    s
}

/// `text` with every one of `values` (those of three characters or more)
/// replaced by `<redacted>`, longest first so a value that contains another
/// goes whole: for text that is printed (a diff, a patch) around values
/// [`values_to_redact`] found.
pub fn redact_values(text: &str, values: &[String]) -> String {
    let mut t = text.to_string();
    let mut values: Vec<&String> = values.iter().filter(|s| s.len() >= 3).collect();
    values.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for v in values {
        t = t.replace(v.as_str(), "<redacted>");
    }
    t
}

/// Findings accepted by a baseline: a previous JSON report of `palisade
/// secrets`. A finding is accepted when the same secret (fingerprint) is
/// still in the same file, wherever its line moved to.
#[derive(Debug, Default)]
pub struct Baseline {
    accepted: HashSet<(String, String)>,
}

impl Baseline {
    /// Reads a report (`{"findings": [...]}`) or a bare list of findings.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        #[derive(Deserialize)]
        struct Entry {
            path: String,
            fingerprint: String,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Doc {
            Report { findings: Vec<Entry> },
            List(Vec<Entry>),
        }
        let doc: Doc = serde_json::from_str(text).map_err(|e| format!("{}: {e}", e.line()))?;
        let entries = match doc {
            Doc::Report { findings } | Doc::List(findings) => findings,
        };
        Ok(Baseline {
            accepted: entries
                .into_iter()
                .map(|e| (e.path, e.fingerprint))
                .collect(),
        })
    }

    pub fn accepts(&self, f: &Finding) -> bool {
        self.accepted
            .contains(&(f.path.clone(), f.fingerprint.clone()))
    }

    pub fn len(&self) -> usize {
        self.accepted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-6);
        assert!(entropy(b"q8Hf2kLm9Zt4Xw7PvB3n") > 4.0);
    }

    #[test]
    fn redaction_shows_only_the_public_prefix() {
        let r = rule("aws-access-key-id").unwrap();
        assert_eq!(redact(r, b"AKIAZ7Q3MVX2K4RT5JLB"), "AKIA****************");
        let g = rule("generic-password").unwrap();
        // the length of a value is not told
        assert_eq!(redact(g, b"hunter22"), "****************");
        assert_eq!(redact(g, b"abc"), "****************");
        assert_eq!(redact(g, &[b'x'; 200]), "****************");
    }

    #[test]
    fn fingerprints_are_stable_and_do_not_show_the_value() {
        let f = fingerprint(b"hunter22");
        assert_eq!(f.len(), 32);
        assert_eq!(f, fingerprint(b"hunter22"));
        assert_ne!(f, fingerprint(b"hunter23"));
    }

    #[test]
    fn baseline_formats() {
        let b =
            Baseline::parse(r#"{"findings":[{"path":"a","fingerprint":"f","rule":"x"}]}"#).unwrap();
        assert_eq!(b.len(), 1);
        let b = Baseline::parse(r#"[{"path":"a","fingerprint":"f"}]"#).unwrap();
        assert_eq!(b.len(), 1);
        assert!(Baseline::parse("{").is_err());
    }
}

//! Credentials in files: source trees, image layers and Kubernetes objects.
//!
//! A [`Scanner`] holds every [`rules::RULES`] entry compiled once. Scanning a
//! file is two steps: one Aho-Corasick pass over the bytes finds the rules'
//! keywords (case-insensitively), then each woken rule matches its pattern
//! only where its keyword was seen (anchored at the hit, on the hit's line,
//! or on the whole file). Candidates must reach the rule's entropy and pass
//! the placeholder allowlist; generic `key = value` rules also skip
//! references, identifiers and, in program code, unquoted values. YAML and
//! JSON files that are Kubernetes manifests are also read as objects
//! ([`object::analyze`], the analysis `palisade scan` shares): Secret data
//! (base64-decoded), literal container env values and the
//! `last-applied-configuration` annotation; and ConfigMap values.
//!
//! A [`Finding`] never holds the secret: only a masked form that shows at
//! most the token's public prefix and never the value's length, and a keyed
//! fingerprint (HMAC-SHA256 under the repository's key, see
//! [`fingerprint`]) that baselines and code scanning match on.

mod allow;
pub mod collect;
pub mod fingerprint;
mod kube;
pub mod object;
pub mod report;
pub mod rules;
mod scan;

pub use allow::is_test_path;
pub use fingerprint::FingerprintKey;
pub use kube::values_to_redact;
pub use rules::{RULES, Rule, rule};
pub use scan::{FileKind, Scanner, is_binary};

use palisade_findings::Severity;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

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
    /// HMAC-SHA256 of the secret under the repository's key,
    /// `hmac-sha256:KEYID:MAC` (see [`fingerprint`]): the same secret has
    /// the same fingerprint wherever it is under the same key, and without
    /// the key not even a weak value can be guessed from it.
    pub fingerprint: String,
    /// In a test or fixture path: reported as `info`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test_fixture: bool,
    /// Where inside the file it was found when that is not plain text
    /// (`Secret data.password, base64-decoded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For an object finding ([`object`]): the kind of credential the
    /// value was recognised as (`aws-access-key-id`), `named` (the
    /// setting's name says credential) or `random` (a generated-looking
    /// Secret value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
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

/// The masked form: the rule's public prefix (`AKIA`, `ghp_`), then
/// sixteen `*` whatever the value's length, so a mask tells nothing of
/// how long a password is.
pub fn redact(rule: &Rule, secret: &[u8]) -> String {
    let shown = rule.shown_prefix.min(secret.len());
    let prefix: String = secret[..shown].iter().map(|&b| b as char).collect();
    palisade_redact::mask(&prefix)
}

/// Findings accepted by a baseline: a previous JSON report of `palisade
/// secrets`. A finding is accepted when the same secret (fingerprint) is
/// still in the same file, wherever its line moved to.
#[derive(Debug, Default)]
pub struct Baseline {
    accepted: HashSet<(String, String)>,
    key_ids: BTreeSet<String>,
}

/// Why a baseline cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineError {
    /// Not a report or a list of findings (the message says where).
    Invalid(String),
    /// Written by an older palisade: `unkeyed` of its `total` fingerprints
    /// are plain SHA-256, which this version neither writes nor matches.
    Unkeyed { unkeyed: usize, total: usize },
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineError::Invalid(m) => f.write_str(m),
            BaselineError::Unkeyed { unkeyed, total } => write!(
                f,
                "{unkeyed} of its {total} fingerprints are unkeyed SHA-256, as palisade wrote \
                 them before fingerprints were keyed; they can be reversed for weak values, so \
                 they are neither written nor matched any more: regenerate the baseline"
            ),
        }
    }
}

impl Baseline {
    /// Reads a report (`{"findings": [...]}`) or a bare list of findings.
    /// Fingerprints must be keyed ([`fingerprint::SCHEME`]); a baseline of
    /// unkeyed ones is [`BaselineError::Unkeyed`].
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
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
        let doc: Doc = serde_json::from_str(text)
            .map_err(|e| BaselineError::Invalid(format!("{}: {e}", e.line())))?;
        let entries = match doc {
            Doc::Report { findings } | Doc::List(findings) => findings,
        };
        let mut key_ids = BTreeSet::new();
        let mut unkeyed = 0;
        for (i, e) in entries.iter().enumerate() {
            match fingerprint::parse(&e.fingerprint) {
                fingerprint::Parsed::Keyed { key_id } => {
                    key_ids.insert(key_id.to_string());
                }
                fingerprint::Parsed::Unkeyed => unkeyed += 1,
                fingerprint::Parsed::Unknown => {
                    return Err(BaselineError::Invalid(format!(
                        "finding {}: {:?} is not a fingerprint palisade writes \
                         ({}:KEYID:MAC)",
                        i + 1,
                        e.fingerprint,
                        fingerprint::SCHEME
                    )));
                }
            }
        }
        if unkeyed > 0 {
            return Err(BaselineError::Unkeyed {
                unkeyed,
                total: entries.len(),
            });
        }
        Ok(Baseline {
            accepted: entries
                .into_iter()
                .map(|e| (e.path, e.fingerprint))
                .collect(),
            key_ids,
        })
    }

    /// The ids of the keys its fingerprints were made with (one, for a
    /// baseline palisade wrote; none when it is empty).
    pub fn key_ids(&self) -> &BTreeSet<String> {
        &self.key_ids
    }

    /// Why a scan fingerprinting with `key` cannot use this baseline: its
    /// fingerprints were made with another key, so nothing would match.
    pub fn check_key(&self, key: &FingerprintKey) -> Result<(), String> {
        let other: Vec<&str> = self
            .key_ids
            .iter()
            .map(String::as_str)
            .filter(|id| *id != key.id())
            .collect();
        if other.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "its fingerprints were made with the key {}, this scan's key is {}",
                other.join(", "),
                key.id()
            ))
        }
    }

    /// Why a scan whose key came from `source` cannot use this baseline:
    /// there is no key at all (`key_file` and the environment were
    /// looked at), or the key is another one. Empty baselines fit any key.
    pub fn check_source(
        &self,
        key: &FingerprintKey,
        source: &fingerprint::KeySource,
        key_file: &std::path::Path,
    ) -> Result<(), String> {
        if self.is_empty() {
            return Ok(());
        }
        match source {
            fingerprint::KeySource::Ephemeral(_) => Err(format!(
                "its fingerprints were made with the key {}, and there is no key here: neither \
                 {} nor {}",
                self.key_ids
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                fingerprint::KEY_ENV,
                key_file.display()
            )),
            _ => self
                .check_key(key)
                .map_err(|e| format!("{e} (from {source})")),
        }
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
    fn baseline_formats() {
        let key = FingerprintKey::new(b"0123456789abcdef").unwrap();
        let fp = key.fingerprint(b"hunter22");
        let b = Baseline::parse(&format!(
            r#"{{"findings":[{{"path":"a","fingerprint":"{fp}","rule":"x"}}]}}"#
        ))
        .unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b.key_ids().iter().collect::<Vec<_>>(), [key.id()]);
        assert!(b.check_key(&key).is_ok());
        let other = FingerprintKey::new(b"0123456789abcdeF").unwrap();
        let e = b.check_key(&other).unwrap_err();
        assert!(e.contains(key.id()) && e.contains(other.id()), "{e}");
        let b = Baseline::parse(&format!(r#"[{{"path":"a","fingerprint":"{fp}"}}]"#)).unwrap();
        assert_eq!(b.len(), 1);
        assert!(Baseline::default().check_key(&other).is_ok());
        assert!(matches!(
            Baseline::parse("{"),
            Err(BaselineError::Invalid(_))
        ));
        assert!(matches!(
            Baseline::parse(r#"[{"path":"a","fingerprint":"f"}]"#),
            Err(BaselineError::Invalid(_))
        ));
        // a baseline of an older palisade: unkeyed SHA-256, refused
        let old = format!(
            r#"[{{"path":"a","fingerprint":"{}"}},{{"path":"b","fingerprint":"{fp}"}}]"#,
            "0f".repeat(16)
        );
        assert_eq!(
            Baseline::parse(&old).unwrap_err(),
            BaselineError::Unkeyed {
                unkeyed: 1,
                total: 2
            }
        );
    }
}

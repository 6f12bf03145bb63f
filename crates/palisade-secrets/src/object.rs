//! The one object-level secret analysis: which literal values of a
//! Kubernetes object are credentials. `palisade secrets` (on manifest
//! files) and `palisade scan` (the `env-literal-secret` and
//! `kubernetes-secret-data` checks, on the model's objects) both call
//! [`analyze`], so they report the same things with the same ids.
//!
//! Three places are read: literal `env[].value`s anywhere in the object,
//! a Secret's `data` (base64-decoded) and `stringData`, and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation (the
//! object as last applied, read again: what it holds is reported at the
//! annotation). A value is a credential when
//!
//! * it holds one of a known format (a provider token, a private key with
//!   a body, a password in a URL, a Docker config `auth`; in a multi-line
//!   value such as a config file, also `key = value` passwords and secrets),
//! * or the setting's name says credential ([`credential_setting`]) and the
//!   value is a literal ([`literal_value`]): not a placeholder, reference,
//!   URL, path, identifier or a word naming a secret,
//! * or, for Secret values, it looks generated ([`random_material`]).
//!
//! Pure: no I/O, and the value never leaves the crate.

use crate::allow::{generic_value_ok, is_placeholder, is_wordish, looks_made_up, names_a_secret};
use crate::rules::{RULES, Rule, index};
use crate::scan::{FileKind, Scanner};
use base64::Engine;
use palisade_findings::Severity;
use palisade_redact::LAST_APPLIED;
use palisade_value::{Node, Path};
use std::sync::LazyLock;

/// The id of a credential written as a literal container env value.
pub const ENV_LITERAL: &str = "env-literal-secret";
/// The id of a credential in a Secret's `data` or `stringData`.
pub const SECRET_DATA: &str = "kubernetes-secret-data";

/// One scanner for callers that do not print fingerprints (`scan`'s
/// checks): its fingerprint key is a one-off.
pub fn shared_scanner() -> &'static Scanner {
    static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);
    &SCANNER
}

/// Why a value is a credential.
#[derive(Debug, Clone, Copy)]
pub enum Evidence {
    /// It holds a credential of this rule's format.
    Format(&'static Rule),
    /// The setting's name says credential and the value is a literal.
    Named,
    /// A Secret value that looks generated: long, mixed, high in entropy.
    Random,
}

impl Evidence {
    /// For messages: `an AWS access key ID`, `a credential by its name`.
    pub fn describe(&self) -> String {
        match self {
            Evidence::Format(r) => format!("recognised as: {}", r.title),
            Evidence::Named => "a credential by its name".into(),
            Evidence::Random => "a generated-looking value".into(),
        }
    }
}

/// A credential in an object.
#[derive(Debug, Clone)]
pub struct ObjectSecret {
    /// [`ENV_LITERAL`] or [`SECRET_DATA`].
    pub rule: &'static Rule,
    pub evidence: Evidence,
    /// The object that states the value (inside the annotation: the
    /// object the annotation describes).
    pub kind: String,
    pub name: String,
    /// The env variable's name or the Secret's key.
    pub key: String,
    /// Where in the (outer) object: the value's field, or the annotation.
    pub path: Path,
    /// The value's position in the file (the annotation's, inside it).
    pub line: u32,
    pub column: u32,
    /// The last line of the value as written (multi-line values).
    pub last_line: u32,
    /// Read from the last-applied-configuration annotation.
    pub in_annotation: bool,
    /// `Secret db stringData.password`, `Deployment api container api env
    /// DB_PASSWORD`,
    /// then `, in the … annotation of Deployment api` when it is there.
    pub what: String,
    /// The secret's bytes (the part a format rule matched, else the
    /// trimmed value): fingerprinted, never shown.
    pub(crate) secret: Vec<u8>,
}

impl ObjectSecret {
    pub fn id(&self) -> &'static str {
        self.rule.id
    }

    /// The rule's severity, or the format's when that is higher (an AWS
    /// key in a Secret is critical).
    pub fn severity(&self) -> Severity {
        match self.evidence {
            Evidence::Format(r) if !r.generic => r.severity.max(self.rule.severity),
            _ => self.rule.severity,
        }
    }

    /// The secret masked for output (the format's public prefix at most).
    pub fn redacted(&self) -> String {
        match self.evidence {
            Evidence::Format(r) => crate::redact(r, &self.secret),
            _ => crate::redact(self.rule, &self.secret),
        }
    }
}

/// Every credential of one object (a `…List` is read item by item).
pub fn analyze(scanner: &Scanner, doc: &Node) -> Vec<ObjectSecret> {
    let mut out = Vec::new();
    object(scanner, doc, &Path::root(), None, &mut out);
    // What the annotation repeats of the object itself is said once.
    let direct: Vec<(&'static str, String, Vec<u8>)> = out
        .iter()
        .filter(|s| !s.in_annotation)
        .map(|s| (s.rule.id, s.key.clone(), s.secret.clone()))
        .collect();
    out.retain(|s| {
        !s.in_annotation
            || !direct
                .iter()
                .any(|(r, k, v)| *r == s.rule.id && *k == s.key && *v == s.secret)
    });
    out
}

/// Inside the annotation: where its findings go.
#[derive(Clone)]
struct Anchor {
    path: Path,
    line: u32,
    column: u32,
    within: String,
}

fn object(
    scanner: &Scanner,
    node: &Node,
    base: &Path,
    anchor: Option<&Anchor>,
    out: &mut Vec<ObjectSecret>,
) {
    let Some(kind) = node.get_str("kind") else {
        return;
    };
    if kind.ends_with("List")
        && let Some(items) = node.get("items").and_then(Node::as_seq)
    {
        for (i, item) in items.iter().enumerate() {
            object(
                scanner,
                item,
                &base.clone().key("items").index(i),
                anchor,
                out,
            );
        }
        return;
    }
    let name = node
        .get("metadata")
        .and_then(|m| m.get_str("name"))
        .unwrap_or("")
        .to_string();
    let cx = Cx {
        scanner,
        kind,
        name: &name,
        anchor,
    };
    if kind == "Secret" {
        secret(&cx, node, base, out);
    }
    env(&cx, node, base, None, out);
    if anchor.is_none()
        && let Some(a) = node
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(LAST_APPLIED))
        && let Some(json) = a.as_str()
    {
        let inner = palisade_yaml::parse_stream(json, &palisade_yaml::Limits::default());
        let anchor = Anchor {
            path: base
                .clone()
                .key("metadata")
                .key("annotations")
                .key(LAST_APPLIED),
            line: a.line,
            column: a.column,
            within: format!("in the {LAST_APPLIED} annotation of {kind} {name}"),
        };
        for d in &inner.documents {
            object(scanner, &d.root, &Path::root(), Some(&anchor), out);
        }
    }
}

struct Cx<'a> {
    scanner: &'a Scanner,
    kind: &'a str,
    name: &'a str,
    anchor: Option<&'a Anchor>,
}

impl Cx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        out: &mut Vec<ObjectSecret>,
        rule: &'static str,
        key: &str,
        path: Path,
        value_node: &Node,
        value: &str,
        what: String,
        found: Vec<(Evidence, std::ops::Range<usize>)>,
        bytes: &[u8],
    ) {
        let rule = &RULES[index(rule)];
        for (evidence, span) in found {
            let (path, line, column, last_line, what) = match self.anchor {
                Some(a) => (
                    a.path.clone(),
                    a.line,
                    a.column,
                    a.line,
                    format!("{what}, {}", a.within),
                ),
                None => {
                    // A block scalar starts on the line after its key.
                    let lines = value.trim_end().lines().count().max(1) as u32;
                    (
                        path.clone(),
                        value_node.line,
                        value_node.column,
                        value_node.line + lines,
                        what.clone(),
                    )
                }
            };
            out.push(ObjectSecret {
                rule,
                evidence,
                kind: self.kind.to_string(),
                name: self.name.to_string(),
                key: key.to_string(),
                path,
                line,
                column,
                last_line,
                in_annotation: self.anchor.is_some(),
                what,
                secret: bytes[span].to_vec(),
            });
        }
    }
}

fn secret(cx: &Cx, node: &Node, base: &Path, out: &mut Vec<ObjectSecret>) {
    for (section, encoded) in [("data", true), ("stringData", false)] {
        let Some(map) = node.get(section).and_then(Node::as_map) else {
            continue;
        };
        for (k, v) in map.iter() {
            let Some(raw) = v.as_str() else {
                continue;
            };
            let value = if encoded {
                let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                match base64::engine::general_purpose::STANDARD.decode(compact) {
                    Ok(b) => b,
                    Err(_) => continue,
                }
            } else {
                raw.as_bytes().to_vec()
            };
            let found = judge(cx.scanner, k, &value, true);
            if found.is_empty() {
                continue;
            }
            let what = format!(
                "Secret {} {section}.{k}{}",
                cx.name,
                if encoded { ", base64-decoded" } else { "" }
            );
            cx.push(
                out,
                SECRET_DATA,
                k,
                base.clone().key(section).key(k),
                v,
                raw,
                what,
                found,
                &value,
            );
        }
    }
}

/// Literal values of `env` lists anywhere in the object (containers, init
/// containers, ephemeral containers, templates of every workload kind).
fn env(cx: &Cx, node: &Node, path: &Path, container: Option<&str>, out: &mut Vec<ObjectSecret>) {
    if let Some(m) = node.as_map() {
        let here = node.get_str("name").or(container);
        for (k, v) in m.iter() {
            let p = path.clone().key(k);
            if k == "env"
                && let Some(items) = v.as_seq()
            {
                for (i, item) in items.iter().enumerate() {
                    env_var(cx, item, p.clone().index(i), here, out);
                }
            } else if k != "metadata" {
                env(cx, v, &p, here, out);
            }
        }
    } else if let Some(s) = node.as_seq() {
        for (i, n) in s.iter().enumerate() {
            env(cx, n, &path.clone().index(i), container, out);
        }
    }
}

fn env_var(cx: &Cx, item: &Node, path: Path, container: Option<&str>, out: &mut Vec<ObjectSecret>) {
    let (Some(name), Some(v)) = (item.get_str("name"), item.get("value")) else {
        return;
    };
    let Some(value) = v.as_str() else {
        return;
    };
    let found = judge(cx.scanner, name, value.as_bytes(), false);
    if found.is_empty() {
        return;
    }
    let what = match container {
        Some(c) => format!("{} {} container {c} env {name}", cx.kind, cx.name),
        None => format!("{} {} env {name}", cx.kind, cx.name),
    };
    cx.push(
        out,
        ENV_LITERAL,
        name,
        path.key("value"),
        v,
        value,
        what,
        found,
        value.as_bytes(),
    );
}

/// Whether the value set as `name` is a credential, and which bytes of it.
/// `secret_value`: a Secret's value (generated-looking values count).
fn judge(
    scanner: &Scanner,
    name: &str,
    value: &[u8],
    secret_value: bool,
) -> Vec<(Evidence, std::ops::Range<usize>)> {
    let Ok(text) = std::str::from_utf8(value) else {
        // Binary (a keystore): a credential when its name says so.
        return if credential_setting(name) {
            vec![(Evidence::Named, 0..value.len())]
        } else {
            Vec::new()
        };
    };
    let t = text.trim();
    let at = text.find(t).unwrap_or(0);
    if t.is_empty() || only_public_material(t.as_bytes()) {
        return Vec::new();
    }
    let formats = |generic: bool| -> Vec<(Evidence, std::ops::Range<usize>)> {
        scanner
            .candidates(t.as_bytes(), FileKind::Config)
            .into_iter()
            .map(|c| (&RULES[c.rule], c))
            .filter(|(r, _)| generic || !r.id.starts_with("generic"))
            .map(|(r, c)| (Evidence::Format(r), at + c.start..at + c.end))
            .collect()
    };
    if t.contains('\n') {
        // A file (a config, a key, a kubeconfig): what is in it.
        return formats(true);
    }
    if is_placeholder(t.as_bytes()) {
        return Vec::new();
    }
    let found = formats(false);
    if !found.is_empty() {
        return found;
    }
    let whole = at..at + t.len();
    if credential_setting(name) && literal_value(name, t) {
        return vec![(Evidence::Named, whole)];
    }
    if secret_value && random_material(t) {
        return vec![(Evidence::Random, whole)];
    }
    Vec::new()
}

/// Name fragments (of the name in upper snake case) that mark a credential.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "ACCESS_KEY",
    "ACCESSKEY",
    "PRIVATE_KEY",
    "PRIVATEKEY",
    "CLIENT_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "MASTER_KEY",
    "HMAC_KEY",
    "CONNECTION_STRING",
    "DSN",
];

/// Whole words of the name that mark a credential (`DB_PASS`, `DB_PWD`).
const SECRET_PARTS: &[&str] = &["PASS", "PWD"];

/// Name endings that describe a credential without being one.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_USER",
    "_USERNAME",
    "_TTL",
    "_TIMEOUT",
    "_EXPIRY",
    "_EXPIRES",
    "_LENGTH",
    "_SIZE",
    "_HEADER",
    "_TYPE",
    "_ENABLED",
    "_ENDPOINT",
    "_URL",
    "_URI",
    "_URL_PATH",
    "_KEY_ID",
    "_ID",
    "_REF",
    "_SECRET_NAME",
    "_ALGORITHM",
    "_ISSUER",
    "_AUDIENCE",
    "_POLICY",
    "_ROTATION",
    "_MTIME",
    "_TIME",
    "_TIMESTAMP",
    "_DATE",
    "_AT",
];

/// `sshPrivateKey`, `db-password`, `oidc.clientSecret` as `SSH_PRIVATE_KEY`,
/// `DB_PASSWORD`, `OIDC_CLIENT_SECRET`.
fn upper_snake(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            s.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_uppercase());
        } else {
            s.push('_');
        }
    }
    s
}

/// Whether a setting (env variable, Secret key) of this name holds a
/// credential: `DB_PASSWORD`, `apiKey`, `sshPrivateKey`, `SENTRY_DSN`;
/// not `PASSWORD_FILE`, `TOKEN_TTL`, `SECRET_NAME`, `AWS_ACCESS_KEY_ID`.
pub fn credential_setting(name: &str) -> bool {
    let upper = upper_snake(name);
    if NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s)) || upper.starts_with("EXISTING_") {
        return false;
    }
    let parts: Vec<&str> = upper.split('_').filter(|p| !p.is_empty()).collect();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        || parts.len() > 1 && parts.iter().any(|p| SECRET_PARTS.contains(p))
}

/// Whether a value set under a credential's name is a literal credential:
/// not a placeholder (`changeme`, `<password>`, `${VAR}`, `...`,
/// `my-password`), a reference (`$(VAR)`, `{{ .Values.x }}`, `!vault`,
/// `arn:…`), a URL or path, an identifier (`DB_PASSWORD`, `a.b.c`, a
/// number), a boolean, or a word that names a secret rather than being
/// one (`argocd-git-ask-pass`, `existing-token`).
pub fn literal_value(name: &str, v: &str) -> bool {
    let b = v.as_bytes();
    if b.is_empty() || is_placeholder(b) || names_a_secret(b) || looks_made_up(b) {
        return false;
    }
    // A password hash (bcrypt, argon2, crypt): not a reference for its `$`.
    if ["$2a$", "$2b$", "$2y$", "$argon2", "$5$", "$6$", "$apr1$"]
        .iter()
        .any(|p| v.starts_with(p))
    {
        return !v.contains(char::is_whitespace);
    }
    if matches!(
        v.to_ascii_lowercase().as_str(),
        "yes" | "no" | "on" | "off" | "enabled" | "disabled"
    ) {
        return false;
    }
    if v.contains("://") || v.starts_with("git@") || v.contains(char::is_whitespace) {
        return false;
    }
    if !generic_value_ok(b, None, false, Some(name)) {
        return false;
    }
    // Words are passwords only for password settings, in lower case
    // (`hunter`); for tokens and keys they name something (`my-db-secret`).
    if is_wordish(b) {
        let upper = upper_snake(name);
        let password = upper.contains("PASS") || upper.contains("PWD");
        return password && !b.iter().any(u8::is_ascii_uppercase);
    }
    true
}

/// A value that looks generated: at least 16 characters of a token
/// alphabet, letters and digits mixed, high in entropy; not a URL, a host,
/// a path of words or a UUID.
pub fn random_material(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 16
        && crate::entropy(b) >= 3.5
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=_-".contains(c))
        && b.iter().any(u8::is_ascii_digit)
        && b.iter().any(u8::is_ascii_alphabetic)
        && !is_uuid(v)
        && !looks_made_up(b)
}

fn is_uuid(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// Certificates and public keys are not secret.
fn only_public_material(v: &[u8]) -> bool {
    memchr::memmem::find(v, b"-----BEGIN ").is_some()
        && memchr::memmem::find(v, b"PRIVATE KEY").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(y: &str) -> Node {
        palisade_yaml::parse_stream(y, &palisade_yaml::Limits::default())
            .documents
            .remove(0)
            .root
    }

    fn found(y: &str) -> Vec<(String, String, String)> {
        analyze(&Scanner::new(), &parse(y))
            .into_iter()
            .map(|s| (s.rule.id.to_string(), s.key, format!("{:?}", s.evidence)))
            .collect()
    }

    fn secret(body: &str) -> String {
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData:\n{body}")
    }

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "api_key",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SENTRY_DSN",
            "JWT_SIGNING_KEY",
            "sshPrivateKey",
            "bearerToken",
            "clientSecret",
            "DB_PASS",
            "password",
            "htpasswd",
        ] {
            assert!(credential_setting(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "DB_USER",
            "SECRET_NAME",
            "LOG_LEVEL",
            "AWS_ACCESS_KEY_ID",
            "TOKEN_ENDPOINT",
            "url",
            "username",
            "PWD",
            "existingSecret",
            "tokenUrl",
            "admin.passwordMtime",
            "PASSWORD_UPDATED_AT",
        ] {
            assert!(!credential_setting(n), "{n}");
        }
    }

    #[test]
    fn placeholders_references_and_urls_are_not_literals() {
        for v in [
            "my-password",
            "changeme",
            "<password>",
            "${VAR}",
            "$(DB_PASSWORD)",
            "...",
            "my-token",
            "secret-password",
            "argocd-git-ask-pass",
            "grafana_admin_password",
            "{{ .Values.password }}",
            "https://github.com/argoproj",
            "oci://my.registry.com/namespace",
            "git@github.com:argoproj-labs",
            "/run/secrets/db",
            "DB_PASSWORD",
            "true",
        ] {
            assert!(!literal_value("password", v), "{v}");
        }
        for v in [
            "hunter22",
            "s3cr3t-Pa55",
            "q8Hf2kLm9Zt4Xw7PvB3n",
            "hunter",
            "$2a$10$RncPyHW/B5ll2Z3J8s.IBOnbZ9uoJ4JhHLKzj5lzG/kU1KN1Oj3/K",
        ] {
            assert!(literal_value("password", v), "{v}");
        }
        // a word is a password, not a token
        assert!(!literal_value("api_token", "sometoken"));
    }

    #[test]
    fn generated_values() {
        assert!(random_material("q8Hf2kLm9Zt4Xw7PvB3n"));
        for v in [
            "https://github.com/argoproj",
            "contoso.azurecr.io/charts",
            "my-private-chart-repo.internal",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "short1",
        ] {
            assert!(!random_material(v), "{v}");
        }
    }

    #[test]
    fn a_secret_with_only_non_credential_keys_is_quiet() {
        let y = secret(
            "  url: https://github.com/argoproj\n  type: helm\n  username: my-username\n  project: my-project\n  insecure: \"true\"\n  grafana.ini: |\n    [date_formats]\n    default_timezone = UTC\n  datasources.yaml: |-\n    {\"url\": \"http://prometheus-k8s.monitoring.svc:9090\", \"access\": \"proxy\"}\n",
        );
        assert_eq!(found(&y), vec![]);
    }

    #[test]
    fn placeholders_in_a_secret_are_quiet() {
        let y = secret(
            "  password: my-password\n  bearerToken: my-token\n  other: changeme\n  p2: <password>\n  p3: ${DB_PASSWORD}\n  p4: \"...\"\n",
        );
        assert_eq!(found(&y), vec![]);
    }

    #[test]
    fn a_pem_with_an_ellipsis_body_is_no_key() {
        let y = secret(
            "  sshPrivateKey: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    ...\n    -----END OPENSSH PRIVATE KEY-----\n",
        );
        assert_eq!(found(&y), vec![]);
        let body: String = (0..6)
            .map(|i| {
                format!(
                    "    {}\n",
                    "q8Hf2kLm9Zt4Xw7PvB3nA1c"
                        .repeat(3)
                        .replace('A', &i.to_string())
                )
            })
            .collect();
        let y = secret(&format!(
            "  sshPrivateKey: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n{body}    -----END OPENSSH PRIVATE KEY-----\n"
        ));
        let f = found(&y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, SECRET_DATA);
        assert!(f[0].2.contains("private-key"), "{f:?}");
    }

    #[test]
    fn credentials_in_a_secret() {
        let y = secret(
            "  password: pg-Pa55word-9\n  api: q8Hf2kLm9Zt4Xw7PvB3nZ\n  config.ini: |\n    [db]\n    password = Sup3rS3cret!x\n",
        );
        let f = found(&y);
        assert_eq!(
            f.iter()
                .map(|x| (x.1.as_str(), &x.2[..5]))
                .collect::<Vec<_>>(),
            [
                ("password", "Named"),
                ("api", "Rando"),
                ("config.ini", "Forma")
            ],
            "{f:?}"
        );
    }

    #[test]
    fn env_literals_and_the_annotation() {
        let y = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"api\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"api\",\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter22x\"},{\"name\":\"OLD_TOKEN\",\"value\":\"q8Hf2kLm9Zt4Xw7PvB3n\"}]}]}}}}'\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        env:\n        - {name: DB_PASSWORD, value: hunter22x}\n        - {name: LOG_LEVEL, value: debug}\n        - {name: API_TOKEN, value: changeme}\n        - {name: CommandGitAskPass, value: argocd-git-ask-pass}\n";
        let all = analyze(&Scanner::new(), &parse(y));
        let got: Vec<_> = all
            .iter()
            .map(|s| {
                (
                    s.rule.id,
                    s.key.as_str(),
                    s.in_annotation,
                    s.path.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    ENV_LITERAL,
                    "DB_PASSWORD",
                    false,
                    "spec.template.spec.containers[0].env[0].value".to_string()
                ),
                (
                    ENV_LITERAL,
                    "OLD_TOKEN",
                    true,
                    "metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]"
                        .to_string()
                ),
            ]
        );
        assert_eq!(all[0].what, "Deployment api container api env DB_PASSWORD");
        assert_eq!(all[1].line, 6);
        assert!(
            all[1]
                .what
                .contains("last-applied-configuration annotation of Deployment api")
        );
    }
}

//! Credentials written as literal environment values in the manifest.
//! The value is never printed.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct EnvLiteralSecret;
pub static CHECK: EnvLiteralSecret = EnvLiteralSecret;

static META: CheckMeta = CheckMeta {
    id: "env-literal-secret",
    title: "Secret passed as a literal environment value",
    severity: Severity::High,
    action: 8,
    category: "secrets",
    frameworks: &[
        Framework::Cis("5.4.1"),
        Framework::Nsa("secrets"),
        Framework::Mitre("T1552.001"),
    ],
    risk: "A password or token written into the manifest is in git history, CI logs, `kubectl get -o \
yaml` output and every copy of the repository, readable by anyone who can read the workload — \
Secrets exist so that access to credentials can be controlled and rotated separately.",
    fix: "Move the value into a Secret (created outside git, e.g. by External Secrets or sealed-secrets) \
and reference it: `valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}`; rotate the exposed credential.",
};

/// Name fragments that mark a credential.
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
    "CONNECTION_STRING",
    "DSN",
];

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
    "_URL_PATH",
    "_KEY_ID",
    "_ID",
    "_REF",
    "_SECRET_NAME",
    "_ALGORITHM",
    "_ISSUER",
    "_AUDIENCE",
];

/// Whether an environment variable name looks like it holds a credential.
pub fn secret_like_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        && !NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// Whether a literal value could be a credential (not empty, not a
/// reference, not a boolean or a small number).
pub fn secret_like_value(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || v.starts_with("$(")
        || v.starts_with("${")
        || v.starts_with("/")
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "none" | "null"
        )
        || (v.len() <= 4 && v.chars().all(|c| c.is_ascii_digit())))
}

impl Check for EnvLiteralSecret {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for c in declared(w) {
            for (i, env) in c.env.iter().enumerate() {
                let Some(value) = env.value.as_deref() else {
                    continue;
                };
                if !secret_like_name(&env.name) || !secret_like_value(value) {
                    continue;
                }
                let path = w.container_path(c).key("env").index(i);
                let secret = format!("{}-env", w.object.name.trim_end_matches('*'));
                let key = env.name.to_ascii_lowercase().replace('_', "-");
                let f = out.report(
                    w.object,
                    path.clone().key("value"),
                    format!(
                        "{} sets {} to a literal value in the manifest (value redacted)",
                        c.describe(),
                        env.name
                    ),
                );
                f.fix = format!(
                    "Create Secret {secret:?} with key {key:?} outside git and reference it: \
`valueFrom: {{secretKeyRef: {{name: {secret}, key: {key}}}}}`; rotate the exposed value."
                )
                .into();
                f.autofix = Some(Autofix::unsafe_(
                    vec![
                        Edit::Remove {
                            path: path.clone().key("value"),
                        },
                        Edit::set(
                            path.key("valueFrom"),
                            serde_json::json!({"secretKeyRef": {"name": secret, "key": key}}),
                        ),
                    ],
                    format!(
                        "Secret {secret:?} with key {key:?} must exist before the workload is rolled out"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "api_key",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SENTRY_DSN",
            "JWT_SIGNING_KEY",
        ] {
            assert!(secret_like_name(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "DB_USER",
            "SECRET_NAME",
            "LOG_LEVEL",
            "AWS_ACCESS_KEY_ID",
            "TOKEN_ENDPOINT",
        ] {
            assert!(!secret_like_name(n), "{n}");
        }
    }

    #[test]
    fn values() {
        assert!(secret_like_value("hunter2"));
        assert!(secret_like_value("123456"));
        assert!(!secret_like_value(""));
        assert!(!secret_like_value("$(DB_PASSWORD)"));
        assert!(!secret_like_value("true"));
        assert!(!secret_like_value("/run/secrets/db"));
        assert!(!secret_like_value("300"));
    }
}

#[cfg(test)]
mod check_tests {
    use crate::testing::{deployment, findings};

    #[test]
    fn literal_secret_is_reported_without_its_value() {
        let y = deployment(
            "apps",
            "      containers:\n      - name: a\n        image: x:1\n        env:\n        - {name: LOG_LEVEL, value: debug}\n        - name: DB_PASSWORD\n          value: hunter2-demo\n        - name: API_TOKEN\n          valueFrom: {secretKeyRef: {name: s, key: k}}\n",
        );
        let f = findings("env-literal-secret", &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 18);
        let json = serde_json::to_string(&f[0]).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(f[0].message.contains("DB_PASSWORD"));
        assert!(f[0].fix.contains("app-env"));
    }
}

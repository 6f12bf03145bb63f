//! Secrets committed with their values: a key of a Secret's `data` or
//! `stringData` whose value is a credential. Which values are credentials
//! is decided by the object analysis `palisade secrets` runs too
//! ([`palisade_secrets::object`]): a known format (a token, a private key
//! with a body), a key named like a credential holding a literal that is
//! not a placeholder, reference or URL, or a generated-looking value. A
//! Secret holding only a URL, a user name or a config file without
//! credentials is not reported. The value is never printed.
//!
//! Category `iac`: it is about manifests kept in files; admission (where
//! every Secret created holds its values) does not run it.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Object;
use palisade_secrets::object::{self, SECRET_DATA};
use palisade_secrets::rules::{SECRET_DATA_FIX, SECRET_DATA_TITLE, SECRET_DATA_WHY};

pub struct SecretData;
pub static CHECK: SecretData = SecretData;

static META: CheckMeta = CheckMeta {
    id: SECRET_DATA,
    title: SECRET_DATA_TITLE,
    severity: Severity::High,
    action: 8,
    category: "iac",
    frameworks: &[Framework::Nsa("secrets"), Framework::Mitre("T1552.001")],
    risk: SECRET_DATA_WHY,
    fix: SECRET_DATA_FIX,
};

impl Check for SecretData {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// Secrets (their last-applied annotation describes a Secret too).
    fn target(&self) -> Target {
        Target::Kinds(&["Secret"])
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        let found = object::analyze(object::shared_scanner(), &o.raw);
        for s in found.iter().filter(|s| s.id() == SECRET_DATA) {
            let f = out.report(
                o,
                s.path.clone(),
                format!(
                    "{} is a credential in the manifest ({}; value redacted)",
                    // the object is the finding's: not said twice
                    s.what
                        .strip_prefix(&format!("{} {} ", o.kind, o.name))
                        .unwrap_or(&s.what),
                    s.evidence.describe()
                ),
            );
            f.severity = f.severity.max(s.severity());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::findings;

    #[test]
    fn credentials_are_reported_and_the_rest_is_not() {
        let y = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData:\n  url: https://github.com/argoproj\n  username: shop\n  password: pg-Pa55word-9\n  bearerToken: my-token\n";
        let f = findings("kubernetes-secret-data", y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].location.line, 7);
        assert!(
            f[0].message.contains("stringData.password"),
            "{}",
            f[0].message
        );
        let json = serde_json::to_string(&f[0]).unwrap();
        assert!(!json.contains("pg-Pa55word"), "{json}");
    }
}

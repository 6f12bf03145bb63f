//! Credentials written as literal environment values in the manifest.
//! Which values are credentials is decided by the object analysis
//! `palisade secrets` runs too ([`palisade_secrets::object`]), so both
//! report the same env values under this id. The value is never printed.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};
use palisade_model::Object;
use palisade_secrets::object::{self, ENV_LITERAL};
use palisade_secrets::rules::{ENV_LITERAL_FIX, ENV_LITERAL_TITLE, ENV_LITERAL_WHY};

pub struct EnvLiteralSecret;
pub static CHECK: EnvLiteralSecret = EnvLiteralSecret;

static META: CheckMeta = CheckMeta {
    id: ENV_LITERAL,
    title: ENV_LITERAL_TITLE,
    severity: Severity::High,
    action: 8,
    category: "secrets",
    frameworks: &[
        Framework::Cis("5.4.1"),
        Framework::Nsa("secrets"),
        Framework::Mitre("T1552.001"),
    ],
    risk: ENV_LITERAL_WHY,
    fix: ENV_LITERAL_FIX,
};

impl Check for EnvLiteralSecret {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// Every object: `env` lists are read wherever they are (workloads,
    /// custom resources with pod templates, the last-applied annotation).
    fn target(&self) -> Target {
        Target::Objects
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        let found = object::analyze(object::shared_scanner(), &o.raw);
        for s in found.iter().filter(|s| s.id() == ENV_LITERAL) {
            let f = out.report(
                o,
                s.path.clone(),
                format!(
                    "{} is a literal credential in the manifest ({}; value redacted)",
                    // the object is the finding's: not said twice
                    s.what
                        .strip_prefix(&format!("{} {} ", o.kind, o.name))
                        .unwrap_or(&s.what),
                    s.evidence.describe()
                ),
            );
            f.severity = f.severity.max(s.severity());
            if s.in_annotation {
                f.fix = "Re-apply the object without the literal (the annotation keeps what was \
last applied), after moving the value into a Secret; rotate the exposed value."
                    .into();
                continue;
            }
            // The env item: the value's path without its last `value`.
            let mut item = palisade_value::Path::root();
            let segs = s.path.segments();
            for seg in &segs[..segs.len().saturating_sub(1)] {
                item.push(seg.clone());
            }
            let secret = format!("{}-env", o.name.trim_end_matches('*'));
            let key = s.key.to_ascii_lowercase().replace('_', "-");
            f.fix = format!(
                "Create Secret {secret:?} with key {key:?} outside git and reference it: \
`valueFrom: {{secretKeyRef: {{name: {secret}, key: {key}}}}}`; rotate the exposed value."
            )
            .into();
            f.autofix = Some(Autofix::unsafe_(
                vec![
                    Edit::Remove {
                        path: item.clone().key("value"),
                    },
                    Edit::set(
                        item.key("valueFrom"),
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

#[cfg(test)]
mod check_tests {
    use crate::testing::{deployment, findings};

    #[test]
    fn literal_secret_is_reported_without_its_value() {
        let y = deployment(
            "apps",
            "      containers:\n      - name: a\n        image: x:1\n        env:\n        - {name: LOG_LEVEL, value: debug}\n        - name: DB_PASSWORD\n          value: hunter2-demo\n        - name: API_TOKEN\n          valueFrom: {secretKeyRef: {name: s, key: k}}\n        - {name: OTHER_TOKEN, value: my-token}\n",
        );
        let f = findings("env-literal-secret", &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 18);
        let json = serde_json::to_string(&f[0]).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(f[0].message.contains("DB_PASSWORD"));
        assert!(f[0].fix.contains("app-env"));
        assert!(f[0].autofix.is_some());
    }
}

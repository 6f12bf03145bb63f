//! Pod Security Admission labels with values the admission plugin rejects.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Object;
use palisade_value::Path;

pub struct PsaLabelInvalid;
pub static CHECK: PsaLabelInvalid = PsaLabelInvalid;

static META: CheckMeta = CheckMeta {
    id: "psa-label-invalid",
    title: "Invalid Pod Security label",
    severity: Severity::High,
    action: 4,
    category: "namespaces",
    frameworks: &[Framework::Nsa("pod-security")],
    risk: "A misspelt level or version (`enforce: restricte`, `enforce-version: 1.30.0`) is not the \
policy the team thinks it set: the admission plugin falls back to its defaults (usually privileged) \
for an invalid level, and refuses the namespace update for an invalid label on admission.",
    fix: "Use `privileged`, `baseline` or `restricted` for `enforce`/`audit`/`warn`, and `v1.N` or \
`latest` for the `-version` labels.",
};

impl Check for PsaLabelInvalid {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Kinds(&["Namespace"])
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        for (k, v) in &o.labels {
            let Some(mode) = k.strip_prefix("pod-security.kubernetes.io/") else {
                continue;
            };
            let error = match mode {
                "enforce" | "audit" | "warn" => v.parse::<palisade_pss::Level>().err(),
                "enforce-version" | "audit-version" | "warn-version" => {
                    v.parse::<palisade_pss::Version>().err()
                }
                _ => Some(format!("unknown Pod Security label {k:?}")),
            };
            if let Some(e) = error {
                out.report(o, Path::root().key("metadata").key("labels").key(k), e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lines, namespace};

    const ID: &str = "psa-label-invalid";

    #[test]
    fn invalid_levels_versions_and_modes() {
        assert!(
            lines(ID, &namespace("a", "strict"))[0]
                .1
                .contains("unknown Pod Security level")
        );
        let y = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce-version: 1.30.0\n    pod-security.kubernetes.io/enfrce: baseline\n";
        let got = lines(ID, y);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, 6);
        assert!(lines(ID, &namespace("a", "restricted")).is_empty());
    }
}

//! The Pod Security controls as CEL, for ValidatingAdmissionPolicies the
//! API server enforces itself (`palisade generate admission-policy`).
//!
//! Each control's file holds its expression, per policy version, over
//! these variables (evaluated in order; later ones use earlier ones):
//!
//! | variable | value |
//! |---|---|
//! | `variables.spec` | the pod spec: `object.spec` of a Pod, the template's of a workload, the job template's of a CronJob |
//! | `variables.meta` | the pod (template) metadata, `{}` when absent |
//! | `variables.annotations` | its annotations, `{}` when absent |
//! | `variables.podSC` | `spec.securityContext`, `{}` when absent |
//! | `variables.containers` | init, regular and ephemeral containers |
//! | `variables.windows` | `spec.os.name == 'windows'` |
//! | `variables.userns` | `spec.hostUsers == false` (a user namespace) |
//!
//! An expression is true when the pod is allowed. Objects reach admission
//! defaulted (a volume without a source is an `emptyDir`), as
//! [`crate::evaluate`] assumes.

use crate::{Control, LevelVersion};
#[cfg(test)]
use crate::{Level, controls};

/// `(name, expression)` of the variables the expressions use, in order.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "spec",
        "object.kind == 'Pod' ? object.spec : object.kind == 'CronJob' ? \
         object.spec.jobTemplate.spec.template.spec : object.spec.template.spec",
    ),
    (
        "meta",
        "object.kind == 'Pod' ? object.metadata : object.kind == 'CronJob' ? \
         (has(object.spec.jobTemplate.spec.template.metadata) ? \
         object.spec.jobTemplate.spec.template.metadata : {}) : \
         (has(object.spec.template.metadata) ? object.spec.template.metadata : {})",
    ),
    (
        "annotations",
        "has(variables.meta.annotations) ? variables.meta.annotations : {}",
    ),
    (
        "podSC",
        "has(variables.spec.securityContext) ? variables.spec.securityContext : {}",
    ),
    (
        "containers",
        "(has(variables.spec.initContainers) ? variables.spec.initContainers : []) + \
         (has(variables.spec.containers) ? variables.spec.containers : []) + \
         (has(variables.spec.ephemeralContainers) ? variables.spec.ephemeralContainers : [])",
    ),
    (
        "windows",
        "has(variables.spec.os) && has(variables.spec.os.name) && variables.spec.os.name == 'windows'",
    ),
    (
        "userns",
        "has(variables.spec.hostUsers) && variables.spec.hostUsers == false",
    ),
];

/// A CEL list literal of strings: `['a', 'b']`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            format!(
                "'{}'",
                s.as_ref().replace('\\', "\\\\").replace('\'', "\\'")
            )
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// One control as enforced at a level and version.
#[derive(Clone)]
pub struct Rule {
    pub control: &'static Control,
    /// True when the pod is allowed.
    pub expression: String,
}

/// The controls that decide at `lv` (the restricted level leaves out the
/// baseline controls an active restricted control overrides, as the
/// admission plugin does), each with its expression at that version.
pub fn rules(lv: LevelVersion) -> Vec<Rule> {
    let minor = lv.version.effective_minor();
    crate::deciding(lv)
        .into_iter()
        .filter_map(|c| {
            (c.cel)(minor).map(|expression| Rule {
                control: c,
                expression,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Version;

    #[test]
    fn every_control_has_an_expression_whenever_it_exists() {
        for c in controls::ALL {
            for minor in 0..=Version::MAX_MINOR {
                assert_eq!(
                    c.at(minor).is_some(),
                    (c.cel)(minor).is_some(),
                    "{} at v1.{minor}",
                    c.id
                );
            }
        }
    }

    #[test]
    fn restricted_leaves_out_what_it_overrides() {
        let ids = |lv| -> Vec<&str> { rules(lv).iter().map(|r| r.control.id).collect() };
        let r = ids(LevelVersion {
            level: Level::Restricted,
            version: Version::Latest,
        });
        assert!(r.contains(&"capabilities_restricted") && !r.contains(&"capabilities_baseline"));
        assert!(!r.contains(&"hostPathVolumes") && r.contains(&"restrictedVolumes"));
        // before v1.22 the restricted level holds the baseline capabilities
        let old = ids(LevelVersion {
            level: Level::Restricted,
            version: Version::Minor(21),
        });
        assert!(old.contains(&"capabilities_baseline"));
        assert_eq!(list(&["a", "it's"]), "['a', 'it\\'s']");
    }
}

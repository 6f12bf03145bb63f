//! ResourceQuotas that do not bound CPU, memory and pod count.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::{Object, Typed};
use palisade_value::Path;

pub struct QuotaUnbounded;
pub static CHECK: QuotaUnbounded = QuotaUnbounded;

static META: CheckMeta = CheckMeta {
    id: "resourcequota-unbounded",
    title: "ResourceQuota does not bound CPU, memory or pods",
    severity: Severity::Medium,
    action: 4,
    category: "namespaces",
    frameworks: &[
        Framework::Nsa("resource-policies"),
        Framework::Mitre("T1499"),
    ],
    risk: "A quota that only counts, say, PersistentVolumeClaims leaves the namespace free to take \
all of the cluster's CPU and memory or to create pods without limit.",
    fix: "Add `requests.cpu` (or `limits.cpu`), `requests.memory` (or `limits.memory`) and `pods` to \
`spec.hard`.",
};

/// Each dimension a quota should bound, with the keys that bound it.
const DIMENSIONS: &[(&str, &[&str])] = &[
    ("cpu", &["cpu", "requests.cpu", "limits.cpu"]),
    ("memory", &["memory", "requests.memory", "limits.memory"]),
    ("pods", &["pods", "count/pods"]),
];

impl Check for QuotaUnbounded {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Kinds(&["ResourceQuota"])
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        let Typed::ResourceQuota(q) = &o.typed else {
            return;
        };
        let spec = q.spec.as_ref();
        // a scoped quota bounds only part of the namespace; it is a deliberate design
        if spec.is_some_and(|s| {
            s.scopes.as_ref().is_some_and(|v| !v.is_empty()) || s.scope_selector.is_some()
        }) {
            return;
        }
        let hard = spec.and_then(|s| s.hard.as_ref());
        let missing: Vec<&str> = DIMENSIONS
            .iter()
            .filter(|(_, keys)| {
                !keys
                    .iter()
                    .any(|k| hard.is_some_and(|h| h.contains_key(*k)))
            })
            .map(|(d, _)| *d)
            .collect();
        if !missing.is_empty() {
            out.report(
                o,
                Path::root().key("spec").key("hard"),
                format!(
                    "ResourceQuota {} does not bound {}",
                    o.name,
                    missing.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::lines;

    const ID: &str = "resourcequota-unbounded";

    fn quota(spec: &str) -> String {
        format!(
            "apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q, namespace: apps}}\nspec:\n{spec}"
        )
    }

    #[test]
    fn dimensions() {
        let got = lines(ID, &quota("  hard: {persistentvolumeclaims: \"4\"}\n"));
        assert_eq!(
            got,
            [(
                5,
                "ResourceQuota q does not bound cpu, memory, pods".to_string()
            )]
        );
        assert!(
            lines(
                ID,
                &quota("  hard: {limits.cpu: \"4\", requests.memory: 8Gi, count/pods: \"20\"}\n")
            )
            .is_empty()
        );
        assert!(
            lines(
                ID,
                &quota("  hard: {pods: \"4\"}\n  scopes: [BestEffort]\n")
            )
            .is_empty()
        );
        assert_eq!(lines(ID, &quota("  {}\n")).len(), 1);
    }
}

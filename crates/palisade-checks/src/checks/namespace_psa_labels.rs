//! Namespaces without a Pod Security Admission `enforce` label.

use super::namespaces::is_system;
use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};
use palisade_model::Object;
use palisade_value::Path;

pub struct NamespacePsaLabels;
pub static CHECK: NamespacePsaLabels = NamespacePsaLabels;

static META: CheckMeta = CheckMeta {
    id: "namespace-no-psa-labels",
    title: "Namespace does not enforce a Pod Security level",
    severity: Severity::Medium,
    action: 4,
    category: "namespaces",
    frameworks: &[Framework::Cis("5.2.1"), Framework::Nsa("pod-security")],
    risk: "Without `pod-security.kubernetes.io/enforce` the built-in Pod Security admission admits \
anything in the namespace (unless a cluster-wide default is configured): privileged pods, host \
namespaces and hostPath included.",
    fix: "Label the namespace: `pod-security.kubernetes.io/enforce: restricted` (or `baseline`), \
plus `warn`/`audit: restricted` to see what a stricter level would reject.",
};

impl Check for NamespacePsaLabels {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Kinds(&["Namespace"])
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        if is_system(&o.name) || o.labels.contains_key("pod-security.kubernetes.io/enforce") {
            return;
        }
        let path = Path::root().key("metadata").key("labels");
        let f = out.report(
            o,
            path.clone(),
            format!(
                "namespace {} has no pod-security.kubernetes.io/enforce label",
                o.name
            ),
        );
        f.autofix = Some(Autofix::unsafe_(
            vec![Edit::set(
                path.key("pod-security.kubernetes.io/enforce"),
                "restricted",
            )],
            "pods that violate the restricted level will be rejected; check with `palisade pss` first",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{lines, namespace};

    #[test]
    fn enforce_label_required_outside_system_namespaces() {
        let bare = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: jobs\n";
        assert_eq!(lines("namespace-no-psa-labels", bare)[0].0, 3);
        assert!(lines("namespace-no-psa-labels", &namespace("shop", "baseline")).is_empty());
        assert!(
            lines(
                "namespace-no-psa-labels",
                &bare.replace("jobs", "kube-system")
            )
            .is_empty()
        );
    }
}

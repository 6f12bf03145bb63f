//! Workloads in the `default` namespace.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_value::Path;

pub struct DefaultNamespace;
pub static CHECK: DefaultNamespace = DefaultNamespace;

static META: CheckMeta = CheckMeta {
    id: "default-namespace",
    title: "Workload in the default namespace",
    severity: Severity::Medium,
    action: 4,
    category: "namespaces",
    frameworks: &[Framework::Cis("5.7.4"), Framework::Nsa("namespaces")],
    risk: "`default` is where everything without a namespace lands: it usually has no quota, no \
Pod Security labels, no NetworkPolicies and broad RBAC, and mixing unrelated workloads there defeats \
namespace isolation.",
    fix: "Give the workload its own namespace (`metadata.namespace`), with a ResourceQuota, a \
LimitRange, Pod Security labels and NetworkPolicies.",
};

impl Check for DefaultNamespace {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.namespace() != Some("default") {
            return;
        }
        if w.object.namespace_explicit {
            out.report(
                w.object,
                Path::root().key("metadata").key("namespace"),
                "workload is in the default namespace",
            );
        } else {
            out.report(
                w.object,
                Path::root().key("metadata"),
                "workload sets no namespace: `kubectl apply` puts it in the current context's namespace, usually default",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "default-namespace";

    #[test]
    fn explicit_and_implicit_default() {
        let explicit = deployment(
            "default",
            "      containers:\n      - {name: a, image: x:1}\n",
        );
        assert_eq!(
            lines(ID, &explicit),
            [(5, "workload is in the default namespace".to_string())]
        );
        let implicit = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: a, image: x:1}]\n";
        let got = lines(ID, implicit);
        assert_eq!(got[0].0, 3);
        assert!(got[0].1.contains("sets no namespace"));
        let other = deployment("shop", "      containers:\n      - {name: a, image: x:1}\n");
        assert!(lines(ID, &other).is_empty());
    }
}

//! Namespaces that run workloads without a ResourceQuota.

use super::namespaces::{is_system, namespace_ref, with_workloads};
use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct NamespaceQuota;
pub static CHECK: NamespaceQuota = NamespaceQuota;

static META: CheckMeta = CheckMeta {
    id: "namespace-no-resourcequota",
    title: "Namespace without a ResourceQuota",
    severity: Severity::Medium,
    action: 4,
    category: "namespaces",
    frameworks: &[
        Framework::Nsa("resource-policies"),
        Framework::Mitre("T1499"),
    ],
    risk: "Without a quota one namespace (a runaway HPA, a fork bomb of Jobs, a compromised CI \
account) can consume the cluster's CPU, memory and object counts and starve every other team.",
    fix: "Add a ResourceQuota to the namespace bounding `requests.cpu`, `requests.memory`, \
`limits.memory` and `pods` (and a LimitRange so pods without resources still fit the quota).",
};

impl Check for NamespaceQuota {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Namespaces
    }

    fn check_model(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for (ns, first) in with_workloads(cx) {
            if is_system(ns) || cx.model.in_namespace(ns).any(|o| o.kind == "ResourceQuota") {
                continue;
            }
            let (obj, loc) = namespace_ref(cx, ns, &first);
            out.report_at(
                obj,
                loc,
                format!("namespace {ns} runs workloads but has no ResourceQuota"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines, namespace};

    const ID: &str = "namespace-no-resourcequota";

    #[test]
    fn namespaces_with_workloads_need_a_quota() {
        let y = namespace("shop", "baseline")
            + &deployment("shop", "      containers:\n      - {name: a, image: x:1}\n");
        assert_eq!(
            lines(ID, &y),
            [(
                1,
                "namespace shop runs workloads but has no ResourceQuota".to_string()
            )]
        );
        let quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: shop}\nspec: {hard: {pods: \"10\"}}\n---\n".to_string() + &y;
        assert!(lines(ID, &quota).is_empty());
        // no Namespace object: reported at the first workload
        let bare = deployment("jobs", "      containers:\n      - {name: a, image: x:1}\n");
        assert_eq!(lines(ID, &bare)[0].0, 1);
        let system = deployment(
            "kube-system",
            "      containers:\n      - {name: a, image: x:1}\n",
        );
        assert!(lines(ID, &system).is_empty());
    }
}

//! Namespaces that run workloads without a LimitRange.

use super::namespaces::{is_system, namespace_ref, with_workloads};
use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct NamespaceLimitRange;
pub static CHECK: NamespaceLimitRange = NamespaceLimitRange;

static META: CheckMeta = CheckMeta {
    id: "namespace-no-limitrange",
    title: "Namespace without a LimitRange",
    severity: Severity::Low,
    action: 4,
    category: "namespaces",
    frameworks: &[Framework::Nsa("resource-policies")],
    risk: "Without a LimitRange, containers that set no resources run unbounded (and are rejected \
outright once a quota on requests exists), and nothing caps the size of a single container.",
    fix: "Add a LimitRange with `default` and `defaultRequest` for containers (and a `max` that fits \
your nodes).",
};

impl Check for NamespaceLimitRange {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Namespaces
    }

    fn check_model(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for (ns, first) in with_workloads(cx) {
            if is_system(ns) || cx.model.in_namespace(ns).any(|o| o.kind == "LimitRange") {
                continue;
            }
            let (obj, loc) = namespace_ref(cx, ns, &first);
            out.report_at(
                obj,
                loc,
                format!("namespace {ns} runs workloads but has no LimitRange"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    #[test]
    fn namespaces_with_workloads_need_a_limit_range() {
        let y = deployment("shop", "      containers:\n      - {name: a, image: x:1}\n");
        assert_eq!(lines("namespace-no-limitrange", &y).len(), 1);
        let lr = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: shop}\nspec: {limits: []}\n---\n".to_string() + &y;
        assert!(lines("namespace-no-limitrange", &lr).is_empty());
    }
}

//! Containers without a memory limit (and no LimitRange default).

use super::resources::{one_cause, sets};
use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct MemoryLimit;
pub static CHECK: MemoryLimit = MemoryLimit;

static META: CheckMeta = CheckMeta {
    id: "memory-limit-missing",
    title: "No memory limit",
    severity: Severity::Medium,
    action: 4,
    category: "resources",
    frameworks: &[
        Framework::Nsa("resource-policies"),
        Framework::Mitre("T1499"),
    ],
    risk: "A container without a memory limit can take all the node's memory: the kernel then kills \
processes of other pods on the node (a leak or a request flood in one service becomes an outage of \
several).",
    fix: "Set `resources.limits.memory` (and a matching `requests.memory`), or give the namespace a \
LimitRange with a default container memory limit.",
};

impl Check for MemoryLimit {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.declared.all(c, has(c.resources) && has(c.resources.limits) && 'memory' in c.resources.limits)",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if cx.limit_defaults(w.namespace()).memory_limit {
            return;
        }
        for c in declared(w) {
            if !sets(c, "limits", "memory") {
                let path = w
                    .container_path(c)
                    .key("resources")
                    .key("limits")
                    .key("memory");
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!("{} has no memory limit", c.describe()),
                );
                f.autofix = Some(Autofix::unsafe_(
                    vec![Edit::set(path, "512Mi")],
                    "a 512Mi limit gets the container OOM-killed if it needs more; size it from its real peak usage",
                ));
                one_cause(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "memory-limit-missing";

    #[test]
    fn missing_limit_and_limit_range_default() {
        let y = deployment(
            "apps",
            "      containers:\n      - name: a\n        image: x:1\n        resources: {limits: {cpu: 1}}\n      - name: b\n        image: x:1\n        resources: {limits: {memory: 1Gi}}\n",
        );
        assert_eq!(lines(ID, &y).len(), 1);
        let lr = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: apps}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 512Mi}\n---\n".to_string() + &y;
        assert!(lines(ID, &lr).is_empty());
        let pod_kind = lr.replace("type: Container", "type: Pod");
        assert_eq!(lines(ID, &pod_kind).len(), 1);
    }
}

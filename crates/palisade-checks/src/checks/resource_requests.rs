//! Containers without CPU or memory requests (and no LimitRange default).

use super::resources::{one_cause, sets};
use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct ResourceRequests;
pub static CHECK: ResourceRequests = ResourceRequests;

static META: CheckMeta = CheckMeta {
    id: "resource-requests-missing",
    title: "No CPU or memory request",
    severity: Severity::Low,
    action: 4,
    category: "resources",
    frameworks: &[Framework::Nsa("resource-policies")],
    risk: "Without requests the scheduler places the pod as if it needed nothing: nodes get \
overcommitted, the pod is `BestEffort` and is the first evicted under pressure, and namespace quotas \
on requests cannot be enforced.",
    fix: "Set `resources.requests.cpu` and `resources.requests.memory` to the container's usual \
use, or give the namespace a LimitRange with `defaultRequest`.",
};

impl Check for ResourceRequests {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.declared.all(c, has(c.resources) && ((has(c.resources.requests) && 'cpu' in c.resources.requests) || (has(c.resources.limits) && 'cpu' in c.resources.limits)) && ((has(c.resources.requests) && 'memory' in c.resources.requests) || (has(c.resources.limits) && 'memory' in c.resources.limits)))",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        let d = cx.limit_defaults(w.namespace());
        for c in declared(w) {
            let mut missing = Vec::new();
            if !sets(c, "requests", "cpu") && !sets(c, "limits", "cpu") && !d.cpu_request {
                missing.push("cpu");
            }
            if !sets(c, "requests", "memory") && !sets(c, "limits", "memory") && !d.memory_request {
                missing.push("memory");
            }
            if !missing.is_empty() {
                let path = w.container_path(c).key("resources").key("requests");
                let edits = missing
                    .iter()
                    .map(|r| {
                        Edit::set(
                            path.clone().key(*r),
                            if *r == "cpu" { "100m" } else { "128Mi" },
                        )
                    })
                    .collect();
                let f = out.report(
                    w.object,
                    path,
                    format!("{} has no {} request", c.describe(), missing.join(" or ")),
                );
                f.autofix = Some(Autofix::unsafe_(
                    edits,
                    "a starting request (cpu 100m, memory 128Mi) reserves capacity the workload may not match; size it from its real usage",
                ));
                one_cause(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "resource-requests-missing";

    #[test]
    fn requests_or_limits_satisfy() {
        let y = deployment(
            "apps",
            "      containers:\n      - {name: a, image: x:1}\n      - name: b\n        image: x:1\n        resources: {limits: {cpu: 1, memory: 1Gi}}\n      - name: c\n        image: x:1\n        resources: {requests: {cpu: 1}}\n",
        );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].1.contains("no cpu or memory request"));
        assert!(got[1].1.contains("\"c\" has no memory request"));
    }
}

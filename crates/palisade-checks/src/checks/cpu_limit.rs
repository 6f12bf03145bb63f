//! Containers without a CPU limit (and no LimitRange default).

use super::resources::{one_cause, sets};
use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct CpuLimit;
pub static CHECK: CpuLimit = CpuLimit;

static META: CheckMeta = CheckMeta {
    id: "cpu-limit-missing",
    title: "No CPU limit",
    severity: Severity::Low,
    action: 4,
    category: "resources",
    frameworks: &[
        Framework::Nsa("resource-policies"),
        Framework::Mitre("T1496"),
    ],
    risk: "Without a CPU limit a busy or hijacked container (a crypto-miner is the classic case) can \
use every idle core of the node; other pods keep only their requests. Some teams omit CPU limits on \
purpose to avoid throttling: then a namespace ResourceQuota on `limits.cpu` or `requests.cpu` is \
the guard.",
    fix: "Set `resources.limits.cpu`, or give the namespace a LimitRange with a default container \
CPU limit (disable this check if you deliberately run without CPU limits).",
};

impl Check for CpuLimit {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.declared.all(c, has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits)",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if cx.limit_defaults(w.namespace()).cpu_limit {
            return;
        }
        for c in declared(w) {
            if !sets(c, "limits", "cpu") {
                let path = w
                    .container_path(c)
                    .key("resources")
                    .key("limits")
                    .key("cpu");
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!("{} has no CPU limit", c.describe()),
                );
                f.autofix = Some(Autofix::unsafe_(
                    vec![Edit::set(path, "1")],
                    "a limit of one CPU throttles a container that needs more; size it from its real usage",
                ));
                one_cause(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    #[test]
    fn missing_cpu_limit() {
        let y = deployment(
            "apps",
            "      containers:\n      - name: a\n        image: x:1\n        resources: {limits: {memory: 1Gi}}\n      - name: b\n        image: x:1\n        resources: {limits: {cpu: 500m}}\n",
        );
        let got = lines("cpu-limit-missing", &y);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.contains("\"a\""));
    }

    #[test]
    fn a_limit_range_max_is_the_default_limit() {
        // the API server defaults `default` to `max` (LimitRange defaulting)
        let lr = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: apps}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 256Mi}\n    max: {cpu: \"2\"}\n---\n";
        let y = deployment(
            "apps",
            "      containers:\n      - name: a\n        image: x:1\n",
        );
        assert!(lines("cpu-limit-missing", &(lr.to_string() + &y)).is_empty());
        let no_max = lr.replace("    max: {cpu: \"2\"}\n", "");
        assert_eq!(lines("cpu-limit-missing", &(no_max + &y)).len(), 1);
    }
}

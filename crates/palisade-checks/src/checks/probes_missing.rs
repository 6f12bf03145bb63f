//! Long-running containers without the probes that keep a failing replica
//! out of rotation and restart a hung one.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::long_lived;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Severity};

pub struct ProbesMissing;
pub static CHECK: ProbesMissing = ProbesMissing;

static META: CheckMeta = CheckMeta {
    id: "probes-missing",
    title: "Missing liveness or readiness probe",
    severity: Severity::Low,
    action: 11,
    category: "reliability",
    frameworks: &[],
    risk: "Without a readiness probe a Service sends traffic to replicas that are starting or broken; \
without a liveness probe a hung process stays up until someone notices. Both turn one bad replica \
into user-visible errors, and hide availability problems from monitoring.",
    fix: "Add a `readinessProbe` (for containers behind a Service) and a `livenessProbe` that check \
the application itself, e.g. `httpGet: {path: /healthz, port: http}`.",
};

impl Check for ProbesMissing {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if !w.object.is_long_running() {
            return;
        }
        let behind_service = cx.selected_by_service(w);
        for c in long_lived(w) {
            let mut missing = Vec::new();
            if c.liveness_probe.is_none() {
                missing.push("livenessProbe");
            }
            if behind_service && c.readiness_probe.is_none() {
                missing.push("readinessProbe");
            }
            if !missing.is_empty() {
                out.report(
                    w.object,
                    w.container_path(c),
                    format!("{} has no {}", c.describe(), missing.join(" and no ")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "probes-missing";

    #[test]
    fn readiness_only_matters_behind_a_service() {
        let d = deployment(
            "apps",
            "      containers:\n      - {name: a, image: x:1}\n      - name: b\n        image: x:1\n        livenessProbe: {tcpSocket: {port: 80}}\n",
        );
        let got = lines(ID, &d);
        assert_eq!(
            got,
            [(13, "container \"a\" has no livenessProbe".to_string())]
        );
        let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: apps}\nspec:\n  selector: {app: a}\n  ports: [{port: 80}]\n---\n".to_string() + &d;
        let got = lines(ID, &svc);
        assert_eq!(got.len(), 2);
        assert!(got[0].1.contains("no livenessProbe and no readinessProbe"));
    }

    #[test]
    fn jobs_are_not_long_running() {
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: apps}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: a, image: x:1}]\n";
        assert!(lines(ID, job).is_empty());
    }
}

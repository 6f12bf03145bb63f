//! Containers without a seccomp filter: reported where the namespace's Pod
//! Security level does not already require one.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::{declared, seccomp_type};
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct SeccompMissing;
pub static CHECK: SeccompMissing = SeccompMissing;

static META: CheckMeta = CheckMeta {
    id: "seccomp-profile-missing",
    title: "No seccomp profile",
    severity: Severity::Low,
    action: 7,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.7.2"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1562.001"),
    ],
    risk: "Kubernetes runs containers `Unconfined` unless a seccomp profile is set: every system call \
of the node kernel is reachable, including those most kernel exploits use.",
    fix: "Set `spec.securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
};

impl Check for SeccompMissing {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.covered_by_pss(&[
            "seccompProfile_restricted",
            "seccompProfile_baseline",
            "privileged",
        ]) || w.template.is_windows()
        {
            return;
        }
        let unconfined: Vec<_> = declared(w)
            .filter(|c| {
                c.security_context.and_then(|s| s.privileged) != Some(true)
                    && matches!(seccomp_type(w, c), None | Some("Unconfined"))
            })
            .map(|c| format!("{:?}", c.name))
            .collect();
        if unconfined.is_empty() {
            return;
        }
        let path = w.pod_sc_path(&["seccompProfile", "type"]);
        let f = out.report(
            w.object,
            path.clone(),
            format!(
                "containers {} run without a seccomp profile",
                unconfined.join(", ")
            ),
        );
        f.autofix = Some(Autofix::safe(vec![Edit::set(path, "RuntimeDefault")]));
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines, namespace};

    const ID: &str = "seccomp-profile-missing";

    #[test]
    fn one_finding_per_pod_naming_the_containers() {
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      containers:\n      - {name: a, image: x:1}\n      - name: b\n        image: x:1\n        securityContext:\n          seccompProfile: {type: RuntimeDefault}\n      - {name: c, image: x:1}\n",
            );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.contains("\"a\", \"c\""), "{got:?}");
    }

    #[test]
    fn miss_with_pod_profile_or_when_pss_reports_unconfined() {
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      securityContext:\n        seccompProfile: {type: RuntimeDefault}\n      containers:\n      - {name: a, image: x:1}\n",
            );
        assert!(lines(ID, &y).is_empty());
        let unconfined = namespace("b", "baseline")
            + &deployment(
                "b",
                "      securityContext:\n        seccompProfile: {type: Unconfined}\n      containers:\n      - {name: a, image: x:1}\n",
            );
        assert!(lines(ID, &unconfined).is_empty());
        assert_eq!(lines("pss-seccomp-baseline", &unconfined).len(), 1);
    }
}

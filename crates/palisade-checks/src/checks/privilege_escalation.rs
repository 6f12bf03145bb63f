//! Containers that may gain privileges (setuid binaries, file
//! capabilities): reported where the namespace's Pod Security level does
//! not already require `allowPrivilegeEscalation: false`.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct PrivilegeEscalation;
pub static CHECK: PrivilegeEscalation = PrivilegeEscalation;

static META: CheckMeta = CheckMeta {
    id: "allow-privilege-escalation",
    title: "Container may escalate privileges",
    severity: Severity::Medium,
    action: 7,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.2.6"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1068"),
    ],
    risk: "Without `allowPrivilegeEscalation: false` the `no_new_privs` flag is off: a setuid binary \
or a file capability in the image lifts an attacker from the application user to root.",
    fix: "Set `securityContext.allowPrivilegeEscalation: false` on the container.",
};

impl Check for PrivilegeEscalation {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.covered_by_pss(&["allowPrivilegeEscalation", "privileged"]) || w.template.is_windows()
        {
            return;
        }
        for c in declared(w) {
            let sc = c.security_context;
            if sc.and_then(|s| s.privileged) == Some(true) {
                continue; // privileged implies escalation; reported as privileged
            }
            if sc.and_then(|s| s.allow_privilege_escalation) != Some(false) {
                let path = w.container_sc_path(c, &["allowPrivilegeEscalation"]);
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!(
                        "{} does not set securityContext.allowPrivilegeEscalation=false",
                        c.describe()
                    ),
                );
                f.autofix = Some(Autofix::safe(vec![Edit::set(path, false)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines, namespace};

    const ID: &str = "allow-privilege-escalation";

    #[test]
    fn hit_in_baseline_namespace_including_init_containers() {
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      initContainers:\n      - {name: init, image: x:1}\n      containers:\n      - name: app\n        image: x:1\n      ephemeralContainers:\n      - {name: dbg, image: x:1}\n",
            );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].1.contains("init container \"init\""));
        assert_eq!(got[1].0, 22); // `- name: app`
    }

    #[test]
    fn miss_when_set_false_or_windows_or_privileged() {
        let ok = namespace("b", "baseline")
            + &deployment(
                "b",
                "      containers:\n      - name: app\n        image: x:1\n        securityContext: {allowPrivilegeEscalation: false}\n",
            );
        assert!(lines(ID, &ok).is_empty());
        let win = namespace("b", "baseline")
            + &deployment(
                "b",
                "      os: {name: windows}\n      containers:\n      - {name: app, image: x:1}\n",
            );
        assert!(lines(ID, &win).is_empty());
        let privileged = namespace("p", "privileged")
            + &deployment("p", "      containers:\n      - {name: app, image: x:1}\n");
        assert!(lines(ID, &privileged).is_empty());
    }

    #[test]
    fn restricted_namespaces_get_the_pss_finding_instead() {
        let y = deployment("r", "      containers:\n      - {name: app, image: x:1}\n");
        assert!(lines(ID, &y).is_empty());
        assert_eq!(lines("pss-allow-privilege-escalation", &y).len(), 1);
    }
}

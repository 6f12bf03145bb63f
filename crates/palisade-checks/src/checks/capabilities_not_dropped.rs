//! Containers that keep the runtime's default capabilities: reported
//! where the namespace's Pod Security level does not already require
//! `drop: ["ALL"]`.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct CapabilitiesNotDropped;
pub static CHECK: CapabilitiesNotDropped = CapabilitiesNotDropped;

static META: CheckMeta = CheckMeta {
    id: "capabilities-not-dropped",
    title: "Default capabilities not dropped",
    severity: Severity::Medium,
    action: 7,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.2.9"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "The runtime's default set includes `NET_RAW` (ARP/DNS spoofing of neighbouring pods), \
`CHOWN`, `DAC_OVERRIDE`, `SETUID`/`SETGID` and others an application rarely needs; each one widens \
what an attacker in the container can do.",
    fix: "Add `securityContext.capabilities.drop: [\"ALL\"]` and add back only what the process needs \
(usually nothing, or `NET_BIND_SERVICE`).",
};

impl Check for CapabilitiesNotDropped {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.covered_by_pss(&["capabilities_restricted", "privileged"]) || w.template.is_windows() {
            return;
        }
        for c in declared(w) {
            let sc = c.security_context;
            if sc.and_then(|s| s.privileged) == Some(true) {
                continue;
            }
            let drops_all = sc
                .and_then(|s| s.capabilities.as_ref())
                .and_then(|caps| caps.drop.as_deref())
                .is_some_and(|d| d.iter().any(|x| x == "ALL"));
            if !drops_all {
                let path = w.container_sc_path(c, &["capabilities", "drop"]);
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!("{} does not drop ALL capabilities", c.describe()),
                );
                f.autofix = Some(Autofix::safe(vec![Edit::AddToList {
                    path,
                    value: "ALL".into(),
                }]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, findings, lines, namespace};

    const ID: &str = "capabilities-not-dropped";

    #[test]
    fn hit_and_autofix() {
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      containers:\n      - name: a\n        image: x:1\n        securityContext:\n          capabilities: {drop: [NET_RAW]}\n",
            );
        let f = findings(ID, &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 23);
        let fix = serde_json::to_value(f[0].autofix.as_ref().unwrap()).unwrap();
        assert_eq!(fix["edits"][0]["op"], "add-to-list");
        assert_eq!(
            fix["edits"][0]["path"],
            "spec.template.spec.containers[0].securityContext.capabilities.drop"
        );
    }

    #[test]
    fn miss_when_all_dropped_or_covered() {
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      containers:\n      - name: a\n        image: x:1\n        securityContext:\n          capabilities: {drop: [ALL]}\n",
            );
        assert!(lines(ID, &y).is_empty());
        let restricted = deployment("r", "      containers:\n      - {name: a, image: x:1}\n");
        assert!(lines(ID, &restricted).is_empty());
    }
}

//! Containers that may run as root: neither `runAsNonRoot: true` nor a
//! non-zero `runAsUser` applies (container or pod level).

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::{declared, run_as_non_root, run_as_user};
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct RunAsRoot;
pub static CHECK: RunAsRoot = RunAsRoot;

static META: CheckMeta = CheckMeta {
    id: "run-as-root",
    title: "Container may run as root",
    severity: Severity::Medium,
    action: 7,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.2.7"),
        Framework::Nsa("non-root"),
        Framework::Mitre("T1611"),
    ],
    risk: "Nothing stops the container from running as UID 0 (most public images do): root in the \
container owns its filesystem, can use every capability the runtime grants, and is one kernel or \
runtime bug away from root on the node.",
    fix: "Set `securityContext.runAsNonRoot: true` and `runAsUser: 10001` (any non-zero UID the \
image supports) on the pod, or build the image with a non-root `USER`.",
};

impl Check for RunAsRoot {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.covered_by_pss(&["runAsNonRoot", "runAsUser", "privileged"])
            || w.template.is_windows()
            || w.spec().host_users == Some(false)
        {
            return;
        }
        for c in declared(w) {
            let uid = run_as_user(w, c);
            if uid == Some(0) {
                out.report(
                    w.object,
                    w.container_sc_path(c, &["runAsUser"]),
                    format!("{} runs as root (runAsUser=0)", c.describe()),
                );
            } else if run_as_non_root(w, c) != Some(true) && uid.is_none() {
                out.report(
                    w.object,
                    w.container_sc_path(c, &["runAsNonRoot"]),
                    format!(
                        "{} sets neither runAsNonRoot=true nor a non-zero runAsUser; it runs as whatever user the image declares (often root)",
                        c.describe()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines, namespace};

    const ID: &str = "run-as-root";

    #[test]
    fn hit_without_non_root_settings_and_on_uid_zero() {
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      containers:\n      - {name: a, image: x:1}\n      - name: b\n        image: x:1\n        securityContext: {runAsUser: 0}\n",
            );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].1.contains("neither runAsNonRoot"));
        assert!(got[1].1.contains("runAsUser=0"));
        assert_eq!(got[1].0, 23);
    }

    #[test]
    fn miss_with_pod_level_settings() {
        for sc in ["{runAsNonRoot: true}", "{runAsUser: 10001}"] {
            let y = namespace("b", "baseline")
                + &deployment(
                    "b",
                    &format!(
                        "      securityContext: {sc}\n      containers:\n      - {{name: a, image: x:1}}\n"
                    ),
                );
            assert!(lines(ID, &y).is_empty(), "{sc}");
        }
        // container-level runAsNonRoot=false wins over the pod
        let y = namespace("b", "baseline")
            + &deployment(
                "b",
                "      securityContext: {runAsNonRoot: true}\n      containers:\n      - name: a\n        image: x:1\n        securityContext: {runAsNonRoot: false}\n",
            );
        assert_eq!(lines(ID, &y).len(), 1);
    }

    #[test]
    fn user_namespaces_and_windows_are_skipped() {
        for extra in ["      hostUsers: false\n", "      os: {name: windows}\n"] {
            let y = namespace("b", "baseline")
                + &deployment(
                    "b",
                    &format!("{extra}      containers:\n      - {{name: a, image: x:1}}\n"),
                );
            assert!(lines(ID, &y).is_empty(), "{extra}");
        }
    }
}

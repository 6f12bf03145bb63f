//! Containers that run with the root group (GID 0) as primary group or
//! filesystem group.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::{declared, run_as_group};
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct RootGroup;
pub static CHECK: RootGroup = RootGroup;

static META: CheckMeta = CheckMeta {
    id: "run-as-root-group",
    title: "Container runs with the root group (GID 0)",
    severity: Severity::Low,
    action: 7,
    category: "hardening",
    frameworks: &[Framework::Nsa("non-root")],
    risk: "Files owned by group 0 (much of an image, and of a host path if one is mounted) are \
writable by a process whose group is root; `fsGroup: 0` hands every mounted volume to the root group.",
    fix: "Set `runAsGroup` and `fsGroup` to a non-zero GID (e.g. 10001).",
};

impl Check for RootGroup {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.privileged_namespace() || w.template.is_windows() {
            return;
        }
        if w.spec().security_context.as_ref().and_then(|s| s.fs_group) == Some(0) {
            out.report(
                w.object,
                w.pod_sc_path(&["fsGroup"]),
                "pod sets fsGroup=0 (root group owns mounted volumes)",
            );
        }
        for c in declared(w) {
            if run_as_group(w, c) == Some(0) {
                let own = c.security_context.and_then(|s| s.run_as_group).is_some();
                let path = if own {
                    w.container_sc_path(c, &["runAsGroup"])
                } else {
                    w.pod_sc_path(&["runAsGroup"])
                };
                out.report(
                    w.object,
                    path,
                    format!("{} runs with runAsGroup=0", c.describe()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "run-as-root-group";

    #[test]
    fn pod_level_group_zero_and_fs_group() {
        let y = deployment(
            "apps",
            "      securityContext: {runAsGroup: 0, fsGroup: 0}\n      containers:\n      - {name: a, image: x:1}\n      - name: b\n        image: x:1\n        securityContext: {runAsGroup: 1000}\n",
        );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got.iter().any(|(_, m)| m.contains("fsGroup=0")));
        assert!(got.iter().any(|(_, m)| m.contains("container \"a\"")));
    }

    #[test]
    fn miss_without_group_zero() {
        let y = deployment(
            "apps",
            "      securityContext: {runAsGroup: 10001}\n      containers:\n      - {name: a, image: x:1}\n",
        );
        assert!(lines(ID, &y).is_empty());
    }
}

//! Pods whose containers share one process namespace.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct ShareProcessNamespace;
pub static CHECK: ShareProcessNamespace = ShareProcessNamespace;

static META: CheckMeta = CheckMeta {
    id: "share-process-namespace",
    title: "Containers share a process namespace",
    severity: Severity::Low,
    action: 7,
    category: "hardening",
    frameworks: &[Framework::Nsa("pod-security")],
    risk: "With `shareProcessNamespace: true` every container sees the others' processes and can \
read their environment and files through `/proc/<pid>/root` (secrets of a sidecar included) and \
signal them.",
    fix: "Remove `shareProcessNamespace: true` unless a debugging or sidecar pattern needs it.",
};

impl Check for ShareProcessNamespace {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.spec().share_process_namespace == Some(true) {
            let path = w.spec_path().key("shareProcessNamespace");
            let f = out.report(
                w.object,
                path.clone(),
                "pod sets shareProcessNamespace=true",
            );
            f.autofix = Some(Autofix::unsafe_(
                vec![Edit::set(path, false)],
                "a sidecar may rely on seeing the other containers' processes",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    #[test]
    fn hit_and_miss() {
        let y = deployment(
            "apps",
            "      shareProcessNamespace: true\n      containers:\n      - {name: a, image: x:1}\n",
        );
        assert_eq!(
            lines("share-process-namespace", &y),
            [(12, "pod sets shareProcessNamespace=true".to_string())]
        );
        let y = deployment(
            "apps",
            "      shareProcessNamespace: false\n      containers:\n      - {name: a, image: x:1}\n",
        );
        assert!(lines("share-process-namespace", &y).is_empty());
    }
}

//! `hostPathVolumes` (baseline, v1.0+): hostPath volumes must be forbidden.

use crate::ctx::{join_quote, pluralize};
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-host-path-volumes",
    title: "hostPath volumes",
    severity: Severity::High,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/hostPathVolumes"),
        Framework::Cis("5.2.12"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "A hostPath volume exposes the node's filesystem to the container: credentials of the \
kubelet and of every pod on the node, the container runtime socket, `/etc` for persistence. Even \
read-only mounts leak secrets; writable ones are a direct node takeover.",
    fix: "Replace the hostPath volume with an `emptyDir`, a `configMap`/`secret`, or a \
PersistentVolumeClaim. Node agents that must read the host belong in a namespace labelled \
`pod-security.kubernetes.io/enforce: privileged`.",
};

pub static CONTROL: Control = Control {
    id: "hostPathVolumes",
    level: Level::Baseline,
    versions: &[(0, host_path_volumes_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

fn host_path_volumes_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut fields = Vec::new();
    for (i, v) in pod.volumes().iter().enumerate() {
        if v.host_path.is_some() {
            names.push(v.name.as_str());
            fields.push(Pod::spec_path(&["volumes"]).index(i).key("hostPath"));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostPath volumes".into(),
        detail: format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let _ = minor;
    Some("!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.hostPath))".into())
}

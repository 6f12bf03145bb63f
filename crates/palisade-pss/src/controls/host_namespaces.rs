//! `hostNamespaces` (baseline, v1.0+): sharing the host's network, PID or
//! IPC namespace must be disallowed.

use crate::{Control, Failure, Level, Pod, Remedy, Scalar};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-host-namespaces",
    title: "Host namespaces (hostNetwork, hostPID, hostIPC)",
    severity: Severity::High,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/hostNamespaces"),
        Framework::Cis("5.2.3"),
        Framework::Cis("5.2.4"),
        Framework::Cis("5.2.5"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "A pod in the host's PID namespace sees and can signal every process on the node; in the \
host's IPC namespace it can read other workloads' shared memory; on the host network it can bind node \
ports, sniff node traffic and reach services listening on localhost (kubelet, cloud metadata). Any one \
of them turns a compromised container into a compromised node.",
    fix: "Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to `false`). \
Node agents that really need them belong in a namespace labelled \
`pod-security.kubernetes.io/enforce: privileged`.",
};

pub static CONTROL: Control = Control {
    id: "hostNamespaces",
    level: Level::Baseline,
    versions: &[(0, host_namespaces_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::SetFields {
        to: Scalar::Bool(false),
        caution: Some("the workload loses access to the node's network/PID/IPC namespace"),
    },
    cel,
};

fn host_namespaces_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for (set, name) in [
        (pod.spec.host_network, "hostNetwork"),
        (pod.spec.host_pid, "hostPID"),
        (pod.spec.host_ipc, "hostIPC"),
    ] {
        if set == Some(true) {
            bad.push(format!("{name}=true"));
            fields.push(Pod::spec_path(&[name]));
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "host namespaces".into(),
        detail: bad.join(", "),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    // true when the pod is allowed; see `crate::cel` for the variables
    let _ = minor;
    Some(
        "!(has(variables.spec.hostNetwork) && variables.spec.hostNetwork) && \
         !(has(variables.spec.hostPID) && variables.spec.hostPID) && \
         !(has(variables.spec.hostIPC) && variables.spec.hostIPC)"
            .into(),
    )
}

//! `hostPorts` (baseline, v1.0+): host ports must be disallowed.

use crate::ctx::{containers_phrase, pluralize};
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-host-ports",
    title: "Host ports",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/hostPorts"),
        Framework::Cis("5.2.13"),
        Framework::Nsa("pod-security"),
    ],
    risk: "A hostPort opens the port on the node's own address, bypassing Services and most \
NetworkPolicy implementations, and ties the pod to nodes where the port is free.",
    fix: "Remove `hostPort` from the container ports and expose the pod through a Service \
(`NodePort` or `LoadBalancer` when it must be reachable from outside).",
};

pub static CONTROL: Control = Control {
    id: "hostPorts",
    level: Level::Baseline,
    versions: &[(0, host_ports_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

fn host_ports_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut ports = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        let mut found = false;
        for (i, p) in c.ports.iter().enumerate() {
            if let Some(hp) = p.host_port
                && hp != 0
            {
                found = true;
                ports.push(hp.to_string());
                fields.push(Pod::container_path(c, &["ports"]).index(i).key("hostPort"));
            }
        }
        if found {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostPort".into(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let _ = minor;
    Some(
        "variables.containers.all(c, !has(c.ports) || \
         c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))"
            .into(),
    )
}

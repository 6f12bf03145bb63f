//! `sysctls` (baseline): only the namespaced, "safe" sysctls may be set.
//! The safe list grows with the policy version (v1.27, v1.29, v1.32, v1.37).

use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-sysctls",
    title: "Unsafe sysctls",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/sysctls"),
        Framework::Nsa("pod-security"),
    ],
    risk: "Sysctls outside the safe set can change kernel behaviour for every pod on the node or \
weaken isolation (e.g. `kernel.*` IPC limits, `net.*` routing).",
    fix: "Remove the sysctl from `spec.securityContext.sysctls`, or tune it on the node for a \
dedicated node pool.",
};

pub static CONTROL: Control = Control {
    id: "sysctls",
    level: Level::Baseline,
    versions: &[
        (0, sysctls_1_0),
        (27, sysctls_1_27),
        (29, sysctls_1_29),
        (32, sysctls_1_32),
        (37, sysctls_1_37),
    ],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

const SAFE_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
];
const SAFE_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const SAFE_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SAFE_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SAFE_1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn sysctls_1_0(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, &[SAFE_1_0])
}

fn sysctls_1_27(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, &[SAFE_1_0, SAFE_1_27])
}

fn sysctls_1_29(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, &[SAFE_1_0, SAFE_1_27, SAFE_1_29])
}

fn sysctls_1_32(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, &[SAFE_1_0, SAFE_1_27, SAFE_1_29, SAFE_1_32])
}

fn sysctls_1_37(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, &[SAFE_1_0, SAFE_1_27, SAFE_1_29, SAFE_1_32, SAFE_1_37])
}

fn check(pod: &Pod<'_>, safe: &[&[&str]]) -> Option<Failure> {
    let sysctls = pod
        .security_context()
        .and_then(|sc| sc.sysctls.as_deref())
        .unwrap_or(&[]);
    let mut names = Vec::new();
    let mut fields = Vec::new();
    for (i, s) in sysctls.iter().enumerate() {
        if !safe.iter().any(|set| set.contains(&s.name.as_str())) {
            names.push(s.name.clone());
            fields.push(Pod::pod_sc_path(&["sysctls"]).index(i).key("name"));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "forbidden sysctls".into(),
        detail: names.join(", "),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let safe: Vec<&str> = [
        (0, SAFE_1_0),
        (27, SAFE_1_27),
        (29, SAFE_1_29),
        (32, SAFE_1_32),
        (37, SAFE_1_37),
    ]
    .iter()
    .filter(|(m, _)| *m <= minor)
    .flat_map(|(_, s)| s.iter().copied())
    .collect();
    Some(format!(
        "!has(variables.podSC.sysctls) || variables.podSC.sysctls.all(s, \
         has(s.name) && s.name in {})",
        crate::cel::list(&safe)
    ))
}

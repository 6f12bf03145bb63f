//! `capabilities_baseline` (baseline, v1.0+): adding capabilities beyond
//! the container runtime's default set must be disallowed.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-capabilities-baseline",
    title: "Capabilities beyond the runtime default set",
    severity: Severity::High,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/capabilities_baseline"),
        Framework::Cis("5.2.8"),
        Framework::Cis("5.2.9"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "Capabilities such as `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE` or `NET_RAW` give \
a container kernel powers that are the usual stepping stones of container escapes and of attacks on \
neighbouring pods (ARP/DNS spoofing with `NET_RAW`).",
    fix: "Remove the capability from `securityContext.capabilities.add`; only `AUDIT_WRITE`, `CHOWN`, \
`DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, \
`SETPCAP`, `SETUID` and `SYS_CHROOT` are allowed by the baseline.",
};

pub static CONTROL: Control = Control {
    id: "capabilities_baseline",
    level: Level::Baseline,
    versions: &[(0, capabilities_baseline_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

/// The baseline's allowed additions (upstream `capabilities_allowed_1_0`).
pub const ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut caps = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        let adds = c
            .security_context
            .and_then(|sc| sc.capabilities.as_ref())
            .and_then(|caps| caps.add.as_deref())
            .unwrap_or(&[]);
        let mut found = false;
        for (i, cap) in adds.iter().enumerate() {
            if !ALLOWED.contains(&cap.as_str()) {
                found = true;
                caps.push(cap.clone());
                fields.push(Pod::container_sc_path(c, &["capabilities", "add"]).index(i));
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
        reason: "non-default capabilities".into(),
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&sorted_set(caps))
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let _ = minor;
    Some(format!(
        "variables.containers.all(c, !has(c.securityContext) || \
         !has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || \
         c.securityContext.capabilities.add.all(a, a in {}))",
        crate::cel::list(ALLOWED)
    ))
}

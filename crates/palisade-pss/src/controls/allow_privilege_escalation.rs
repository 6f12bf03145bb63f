//! `allowPrivilegeEscalation` (restricted, v1.8+; Windows pods exempt from
//! v1.25): every container must set `allowPrivilegeEscalation: false`.

use crate::ctx::containers_phrase;
use crate::{Control, Failure, Level, Pod, Remedy, Scalar};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-allow-privilege-escalation",
    title: "Privilege escalation allowed",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/allowPrivilegeEscalation"),
        Framework::Cis("5.2.6"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1068"),
    ],
    risk: "Unless `allowPrivilegeEscalation` is `false`, the kernel's `no_new_privs` flag is off and \
a process can gain privileges through setuid binaries or file capabilities in the image.",
    fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
};

pub static CONTROL: Control = Control {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    versions: &[(8, ape_1_8), (25, ape_1_25)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::SetFields {
        to: Scalar::Bool(false),
        caution: None,
    },
    cel,
};

fn ape_1_8(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        if c.security_context
            .and_then(|sc| sc.allow_privilege_escalation)
            != Some(false)
        {
            names.push(c.name);
            fields.push(Pod::container_sc_path(c, &["allowPrivilegeEscalation"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "allowPrivilegeEscalation != false".into(),
        detail: format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
        fields,
    })
}

fn ape_1_25(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    ape_1_8(pod)
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor < 8 {
        return None;
    }
    let base = "variables.containers.all(c, has(c.securityContext) && \
                has(c.securityContext.allowPrivilegeEscalation) && \
                c.securityContext.allowPrivilegeEscalation == false)";
    Some(if minor >= 25 {
        format!("variables.windows || {base}")
    } else {
        base.to_string()
    })
}

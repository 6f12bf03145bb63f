//! `privileged` (baseline, v1.0+): privileged containers disable most
//! security mechanisms and must be disallowed.

use crate::ctx::containers_phrase;
use crate::{Control, Failure, Level, Pod, Remedy, Scalar};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-privileged",
    title: "Privileged containers",
    severity: Severity::Critical,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/privileged"),
        Framework::Cis("5.2.2"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "A privileged container has every capability, all host devices and no seccomp, AppArmor \
or SELinux confinement: root in it is root on the node (mount the host disk, load kernel modules, \
escape in one command).",
    fix: "Remove `securityContext.privileged: true` (or set it to `false`); grant the one \
capability the process needs instead.",
};

pub static CONTROL: Control = Control {
    id: "privileged",
    level: Level::Baseline,
    versions: &[(0, privileged_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::SetFields {
        to: Scalar::Bool(false),
        caution: Some("the container may need a specific capability instead of full privileges"),
    },
    cel,
};

fn privileged_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        if c.security_context.and_then(|sc| sc.privileged) == Some(true) {
            names.push(c.name);
            fields.push(Pod::container_sc_path(c, &["privileged"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "privileged".into(),
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
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
        "variables.containers.all(c, !(has(c.securityContext) && \
         has(c.securityContext.privileged) && c.securityContext.privileged))"
            .into(),
    )
}

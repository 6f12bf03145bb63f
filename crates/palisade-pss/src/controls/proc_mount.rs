//! `procMount` (baseline, v1.0+; from v1.35 pods in a user namespace are
//! exempt): the default `/proc` masks must stay in place.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy, Scalar};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-proc-mount",
    title: "Unmasked /proc",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/procMount"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "`procMount: Unmasked` removes the masks over sensitive `/proc` paths (`/proc/kcore`, \
`/proc/sysrq-trigger`, …) that protect the node kernel from the container.",
    fix: "Remove `securityContext.procMount` or set it to `Default` (from v1.35 the baseline allows \
`Unmasked` only for pods with `hostUsers: false`).",
};

pub static CONTROL: Control = Control {
    id: "procMount",
    level: Level::Baseline,
    versions: &[(0, proc_mount_1_0), (35, proc_mount_1_35)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::SetFields {
        to: Scalar::Str("Default"),
        caution: None,
    },
    cel,
};

/// Any container that sets a procMount other than `Default` fails.
pub(crate) fn proc_mount_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        if let Some(pm) = c.security_context.and_then(|sc| sc.proc_mount.as_deref())
            && pm != "Default"
        {
            names.push(c.name);
            types.push(pm.to_string());
            fields.push(Pod::container_sc_path(c, &["procMount"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "procMount".into(),
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&sorted_set(types))
        ),
        fields,
    })
}

fn proc_mount_1_35(pod: &Pod<'_>) -> Option<Failure> {
    if pod.in_user_namespace() {
        return None;
    }
    proc_mount_1_0(pod)
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let base = "variables.containers.all(c, !has(c.securityContext) || \
                !has(c.securityContext.procMount) || c.securityContext.procMount == 'Default')";
    Some(if minor >= 35 {
        format!("variables.userns || {base}")
    } else {
        base.to_string()
    })
}

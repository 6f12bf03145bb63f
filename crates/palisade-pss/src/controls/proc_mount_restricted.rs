//! `procMount_restricted` (restricted, v1.35+, overrides `procMount`): the
//! restricted level keeps forbidding unmasked `/proc`, also in user namespaces.

use crate::{Control, Level, Remedy, Scalar};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-proc-mount-restricted",
    title: "Unmasked /proc (restricted, also in user namespaces)",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/procMount_restricted"),
        Framework::Nsa("pod-security"),
    ],
    risk: "Even in a user namespace an unmasked `/proc` exposes kernel interfaces the restricted \
profile keeps masked.",
    fix: "Remove `securityContext.procMount` or set it to `Default`.",
};

pub static CONTROL: Control = Control {
    id: "procMount_restricted",
    level: Level::Restricted,
    versions: &[(35, super::proc_mount::proc_mount_1_0)],
    overrides: &["procMount"],
    meta: &META,
    remedy: Remedy::SetFields {
        to: Scalar::Str("Default"),
        caution: None,
    },
    cel,
};

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor < 35 {
        return None;
    }
    Some(
        "variables.containers.all(c, !has(c.securityContext) || \
         !has(c.securityContext.procMount) || c.securityContext.procMount == 'Default')"
            .into(),
    )
}

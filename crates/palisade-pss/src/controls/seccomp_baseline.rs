//! `seccompProfile_baseline` (baseline): seccomp must not be explicitly set
//! to `Unconfined` — through the alpha annotations before v1.19, through the
//! `seccompProfile` fields from v1.19.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-seccomp-baseline",
    title: "Seccomp explicitly disabled (Unconfined)",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/seccompProfile_baseline"),
        Framework::Cis("5.7.2"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1562.001"),
    ],
    risk: "`Unconfined` gives the container the full kernel system-call surface, including calls \
used by most kernel exploits and escapes (`unshare`, `keyctl`, `bpf`, …).",
    fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost`) instead of \
`Unconfined`.",
};

pub static CONTROL: Control = Control {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    versions: &[(0, seccomp_baseline_1_0), (19, seccomp_baseline_1_19)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::SeccompRuntimeDefault,
    cel,
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn seccomp_baseline_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for (k, v) in pod.annotations().into_iter().flatten() {
        if (k == POD_ANNOTATION || k.starts_with(CONTAINER_PREFIX)) && v == "unconfined" {
            bad.push(format!("{k}={v:?}"));
            fields.push(Pod::annotation_path(k));
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "seccompProfile".into(),
        detail: format!("forbidden {}", bad.join(", ")),
        fields,
    })
}

fn seccomp_baseline_1_19(pod: &Pod<'_>) -> Option<Failure> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut fields = Vec::new();
    if let Some(p) = pod
        .security_context()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        && p.type_ == "Unconfined"
    {
        setters.push("pod".to_string());
        values.push(p.type_.clone());
        fields.push(Pod::pod_sc_path(&["seccompProfile", "type"]));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(p) = c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
            && p.type_ == "Unconfined"
        {
            names.push(c.name);
            values.push(p.type_.clone());
            fields.push(Pod::container_sc_path(c, &["seccompProfile", "type"]));
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "seccompProfile".into(),
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted_set(values))
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor >= 19 {
        let allowed = |sc: &str| {
            format!(
                "(!has({sc}.seccompProfile) || !has({sc}.seccompProfile.type) || \
                 {sc}.seccompProfile.type != 'Unconfined')"
            )
        };
        Some(format!(
            "{} && variables.containers.all(c, !has(c.securityContext) || {})",
            allowed("variables.podSC"),
            allowed("c.securityContext")
        ))
    } else {
        Some(format!(
            "variables.annotations.all(k, !(k == '{POD_ANNOTATION}' || \
             k.startsWith('{CONTAINER_PREFIX}')) || variables.annotations[k] != 'unconfined')"
        ))
    }
}

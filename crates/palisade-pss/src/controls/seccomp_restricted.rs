//! `seccompProfile_restricted` (restricted, v1.19+; Windows pods exempt from
//! v1.25; overrides `seccompProfile_baseline`): seccomp must be explicitly
//! `RuntimeDefault` or `Localhost`, on the pod or on every container.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-seccomp-restricted",
    title: "Seccomp profile not set to RuntimeDefault or Localhost",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/seccompProfile_restricted"),
        Framework::Cis("5.7.2"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1562.001"),
    ],
    risk: "Containers run without a seccomp filter unless one is set: the whole system-call surface \
of the node kernel is reachable, including calls used by kernel exploits.",
    fix: "Set `spec.securityContext.seccompProfile.type: RuntimeDefault` on the pod (or \
`Localhost` with a profile present on the nodes).",
};

pub static CONTROL: Control = Control {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    versions: &[(19, seccomp_restricted_1_19), (25, seccomp_restricted_1_25)],
    overrides: &["seccompProfile_baseline"],
    meta: &META,
    remedy: Remedy::SeccompRuntimeDefault,
    cel,
};

fn valid(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

fn seccomp_restricted_1_19(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_setters = Vec::new();
    let mut bad_values = Vec::new();
    let mut fields = Vec::new();
    let mut pod_set = false;
    if let Some(p) = pod
        .security_context()
        .and_then(|sc| sc.seccomp_profile.as_ref())
    {
        if valid(&p.type_) {
            pod_set = true;
        } else {
            bad_setters.push("pod".to_string());
            bad_values.push(p.type_.clone());
            fields.push(Pod::pod_sc_path(&["seccompProfile", "type"]));
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_fields = Vec::new();
    for c in &pod.containers {
        match c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
        {
            Some(p) => {
                if !valid(&p.type_) {
                    explicit.push(c.name);
                    bad_values.push(p.type_.clone());
                    fields.push(Pod::container_sc_path(c, &["seccompProfile", "type"]));
                }
            }
            None => {
                if !pod_set {
                    implicit.push(c.name);
                    implicit_fields.push(Pod::container_sc_path(c, &["seccompProfile"]));
                }
            }
        }
    }
    if !explicit.is_empty() {
        bad_setters.push(containers_phrase(&explicit));
    }
    if !bad_setters.is_empty() {
        return Some(Failure {
            reason: "seccompProfile".into(),
            detail: format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                bad_setters.join(" and "),
                join_quote(&sorted_set(bad_values))
            ),
            fields,
        });
    }
    if !implicit.is_empty() {
        let mut fields = vec![Pod::pod_sc_path(&["seccompProfile"])];
        fields.extend(implicit_fields);
        return Some(Failure {
            reason: "seccompProfile".into(),
            detail: format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(&implicit)
            ),
            fields,
        });
    }
    None
}

fn seccomp_restricted_1_25(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    seccomp_restricted_1_19(pod)
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor < 19 {
        return None;
    }
    let valid = |sc: &str| {
        format!(
            "(has({sc}.seccompProfile.type) && \
             {sc}.seccompProfile.type in ['RuntimeDefault', 'Localhost'])"
        )
    };
    let base = format!(
        "(!has(variables.podSC.seccompProfile) || {pod}) && \
         variables.containers.all(c, (has(c.securityContext) && has(c.securityContext.seccompProfile)) \
         ? {container} : (has(variables.podSC.seccompProfile) && {pod}))",
        pod = valid("variables.podSC"),
        container = valid("c.securityContext")
    );
    Some(if minor >= 25 {
        format!("variables.windows || ({base})")
    } else {
        base
    })
}

//! `appArmorProfile` (baseline, v1.0+): overriding or disabling the default
//! AppArmor profile must be restricted, through the `appArmorProfile`
//! fields or the deprecated per-container annotations.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use k8s_openapi::api::core::v1::AppArmorProfile;
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-apparmor",
    title: "AppArmor profile disabled",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/appArmorProfile"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1562.001"),
    ],
    risk: "`Unconfined` removes the runtime's AppArmor profile, which blocks writes to `/proc` and \
`/sys`, mounts and other operations used in container escapes.",
    fix: "Use `appArmorProfile.type: RuntimeDefault` (or `Localhost` with a profile loaded on the \
nodes), or drop the `container.apparmor.security.beta.kubernetes.io/*: unconfined` annotation.",
};

pub static CONTROL: Control = Control {
    id: "appArmorProfile",
    level: Level::Baseline,
    versions: &[(0, apparmor_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_profile(p: Option<&AppArmorProfile>) -> bool {
    p.is_none_or(|p| p.type_ == "RuntimeDefault" || p.type_ == "Localhost")
}

fn allowed_annotation(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

fn apparmor_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut fields = Vec::new();
    if let Some(sc) = pod.security_context()
        && !allowed_profile(sc.app_armor_profile.as_ref())
    {
        setters.push("pod".to_string());
        values.push(
            sc.app_armor_profile
                .as_ref()
                .map(|p| p.type_.clone())
                .unwrap_or_default(),
        );
        fields.push(Pod::pod_sc_path(&["appArmorProfile", "type"]));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(sc) = c.security_context
            && !allowed_profile(sc.app_armor_profile.as_ref())
        {
            names.push(c.name);
            values.push(
                sc.app_armor_profile
                    .as_ref()
                    .map(|p| p.type_.clone())
                    .unwrap_or_default(),
            );
            fields.push(Pod::container_sc_path(c, &["appArmorProfile", "type"]));
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let mut bad_annotations = Vec::new();
    for (k, v) in pod.annotations().into_iter().flatten() {
        if k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v) {
            bad_annotations.push(format!("{k}={v:?}"));
            fields.push(Pod::annotation_path(k));
        }
    }
    if setters.is_empty() && bad_annotations.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !setters.is_empty() {
        parts.push(format!(
            "{} must not set securityContext.appArmorProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted_set(values))
        ));
    }
    if !bad_annotations.is_empty() {
        parts.push(format!(
            "forbidden AppArmor {} {}",
            if bad_annotations.len() == 1 {
                "annotation"
            } else {
                "annotations"
            },
            bad_annotations.join(", ")
        ));
    }
    Some(Failure {
        reason: "forbidden AppArmor profile".into(),
        detail: parts.join("; "),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let _ = minor;
    let allowed = |sc: &str| {
        format!(
            "(!has({sc}.appArmorProfile) || (has({sc}.appArmorProfile.type) && \
             {sc}.appArmorProfile.type in ['RuntimeDefault', 'Localhost']))"
        )
    };
    Some(format!(
        "{} && variables.containers.all(c, !has(c.securityContext) || {}) && \
         variables.annotations.all(k, !k.startsWith('{ANNOTATION_PREFIX}') || \
         variables.annotations[k] == '' || variables.annotations[k] == 'runtime/default' || \
         variables.annotations[k].startsWith('localhost/'))",
        allowed("variables.podSC"),
        allowed("c.securityContext")
    ))
}

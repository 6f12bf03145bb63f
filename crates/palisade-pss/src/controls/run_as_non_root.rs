//! `runAsNonRoot` (restricted, v1.0+; pods in a user namespace exempt from
//! v1.35): containers must be required to run as non-root users.

use crate::ctx::containers_phrase;
use crate::{Control, Failure, Level, Pod, Remedy, Scalar};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-run-as-non-root",
    title: "Containers not required to run as non-root",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/runAsNonRoot"),
        Framework::Cis("5.2.7"),
        Framework::Nsa("non-root"),
        Framework::Mitre("T1611"),
    ],
    risk: "Without `runAsNonRoot: true` an image that runs as UID 0 starts as root; root in a \
container is one kernel or runtime bug away from root on the node, and owns every file the \
container can write.",
    fix: "Set `securityContext.runAsNonRoot: true` on the pod (or on every container) and make the \
image run as a non-zero UID (`USER 10001` in the Dockerfile, or `runAsUser`).",
};

pub static CONTROL: Control = Control {
    id: "runAsNonRoot",
    level: Level::Restricted,
    versions: &[(0, run_as_non_root_1_0), (35, run_as_non_root_1_35)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::PodSecurityContext {
        field: "runAsNonRoot",
        to: Scalar::Bool(true),
        caution: Some(
            "the kubelet refuses to start images whose user is root; set runAsUser or a non-root USER in the image",
        ),
    },
    cel,
};

fn run_as_non_root_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_setters = Vec::new();
    let mut fields = Vec::new();
    let mut pod_non_root = false;
    if let Some(v) = pod.security_context().and_then(|sc| sc.run_as_non_root) {
        if v {
            pod_non_root = true;
        } else {
            bad_setters.push("pod".to_string());
            fields.push(Pod::pod_sc_path(&["runAsNonRoot"]));
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_fields = Vec::new();
    for c in &pod.containers {
        match c.security_context.and_then(|sc| sc.run_as_non_root) {
            Some(false) => {
                explicit.push(c.name);
                fields.push(Pod::container_sc_path(c, &["runAsNonRoot"]));
            }
            Some(true) => {}
            None => {
                if !pod_non_root {
                    implicit.push(c.name);
                    implicit_fields.push(Pod::container_sc_path(c, &["runAsNonRoot"]));
                }
            }
        }
    }
    if !explicit.is_empty() {
        bad_setters.push(containers_phrase(&explicit));
    }
    if !bad_setters.is_empty() {
        return Some(Failure {
            reason: "runAsNonRoot != true".into(),
            detail: format!(
                "{} must not set securityContext.runAsNonRoot=false",
                bad_setters.join(" and ")
            ),
            fields,
        });
    }
    if !implicit.is_empty() {
        let mut fields = vec![Pod::pod_sc_path(&["runAsNonRoot"])];
        fields.extend(implicit_fields);
        return Some(Failure {
            reason: "runAsNonRoot != true".into(),
            detail: format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicit)
            ),
            fields,
        });
    }
    None
}

fn run_as_non_root_1_35(pod: &Pod<'_>) -> Option<Failure> {
    if pod.in_user_namespace() {
        return None;
    }
    run_as_non_root_1_0(pod)
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let base = "!(has(variables.podSC.runAsNonRoot) && variables.podSC.runAsNonRoot == false) && \
                variables.containers.all(c, (has(c.securityContext) && \
                has(c.securityContext.runAsNonRoot)) ? c.securityContext.runAsNonRoot : \
                (has(variables.podSC.runAsNonRoot) && variables.podSC.runAsNonRoot))";
    Some(if minor >= 35 {
        format!("variables.userns || ({base})")
    } else {
        base.to_string()
    })
}

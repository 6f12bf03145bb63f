//! `runAsUser` (restricted, v1.23+; pods in a user namespace exempt from
//! v1.35): containers must not set `runAsUser: 0`.

use crate::ctx::containers_phrase;
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-run-as-user",
    title: "Containers set to run as UID 0",
    severity: Severity::High,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/runAsUser"),
        Framework::Cis("5.2.7"),
        Framework::Nsa("non-root"),
        Framework::Mitre("T1611"),
    ],
    risk: "`runAsUser: 0` explicitly runs the process as root, whatever the image says.",
    fix: "Set `runAsUser` to a non-zero UID (10000 or above avoids clashing with node users), or \
remove it and let the image's non-root `USER` apply.",
};

pub static CONTROL: Control = Control {
    id: "runAsUser",
    level: Level::Restricted,
    versions: &[(23, run_as_user_1_23), (35, run_as_user_1_35)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

fn run_as_user_1_23(pod: &Pod<'_>) -> Option<Failure> {
    let mut setters = Vec::new();
    let mut fields = Vec::new();
    if pod.security_context().and_then(|sc| sc.run_as_user) == Some(0) {
        setters.push("pod".to_string());
        fields.push(Pod::pod_sc_path(&["runAsUser"]));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if c.security_context.and_then(|sc| sc.run_as_user) == Some(0) {
            names.push(c.name);
            fields.push(Pod::container_sc_path(c, &["runAsUser"]));
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "runAsUser=0".into(),
        detail: format!("{} must not set runAsUser=0", setters.join(" and ")),
        fields,
    })
}

fn run_as_user_1_35(pod: &Pod<'_>) -> Option<Failure> {
    if pod.in_user_namespace() {
        return None;
    }
    run_as_user_1_23(pod)
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor < 23 {
        return None;
    }
    let base = "!(has(variables.podSC.runAsUser) && variables.podSC.runAsUser == 0) && \
                variables.containers.all(c, !(has(c.securityContext) && \
                has(c.securityContext.runAsUser) && c.securityContext.runAsUser == 0))";
    Some(if minor >= 35 {
        format!("variables.userns || ({base})")
    } else {
        base.to_string()
    })
}

//! `windowsHostProcess` (baseline, v1.0+): Windows HostProcess containers
//! must not be allowed.

use crate::ctx::containers_phrase;
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-windows-host-process",
    title: "Windows HostProcess containers",
    severity: Severity::Critical,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/windowsHostProcess"),
        Framework::Cis("5.2.11"),
        Framework::Mitre("T1611"),
    ],
    risk: "A HostProcess container runs directly on the Windows node as a host process, with the \
node's network and filesystem: it is node administrator access.",
    fix: "Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers.",
};

pub static CONTROL: Control = Control {
    id: "windowsHostProcess",
    level: Level::Baseline,
    versions: &[(0, windows_host_process_1_0)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

fn windows_host_process_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut setters = Vec::new();
    let mut fields = Vec::new();
    if pod
        .security_context()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process)
        == Some(true)
    {
        setters.push("pod".to_string());
        fields.push(Pod::pod_sc_path(&["windowsOptions", "hostProcess"]));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if c.security_context
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|w| w.host_process)
            == Some(true)
        {
            names.push(c.name);
            fields.push(Pod::container_sc_path(
                c,
                &["windowsOptions", "hostProcess"],
            ));
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostProcess".into(),
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
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
            "(!has({sc}.windowsOptions) || !has({sc}.windowsOptions.hostProcess) || \
             !{sc}.windowsOptions.hostProcess)"
        )
    };
    Some(format!(
        "{} && variables.containers.all(c, !has(c.securityContext) || {})",
        allowed("variables.podSC"),
        allowed("c.securityContext")
    ))
}

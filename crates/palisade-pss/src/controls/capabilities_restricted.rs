//! `capabilities_restricted` (restricted, v1.22+; Windows pods exempt from
//! v1.25; overrides `capabilities_baseline`): containers must drop `ALL`
//! and may add back only `NET_BIND_SERVICE`.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-capabilities-restricted",
    title: "Capabilities not dropped",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/capabilities_restricted"),
        Framework::Cis("5.2.9"),
        Framework::Cis("5.2.10"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
    ],
    risk: "The runtime's default capability set (`NET_RAW`, `CHOWN`, `DAC_OVERRIDE`, `SETUID`, …) is \
more than an application needs; `NET_RAW` alone allows ARP and DNS spoofing of neighbouring pods.",
    fix: "Set `securityContext.capabilities.drop: [\"ALL\"]` on every container and add back only \
`NET_BIND_SERVICE` if the process binds a port below 1024.",
};

pub static CONTROL: Control = Control {
    id: "capabilities_restricted",
    level: Level::Restricted,
    versions: &[
        (22, capabilities_restricted_1_22),
        (25, capabilities_restricted_1_25),
    ],
    overrides: &["capabilities_baseline"],
    meta: &META,
    remedy: Remedy::DropAllCapabilities,
    cel,
};

fn capabilities_restricted_1_22(pod: &Pod<'_>) -> Option<Failure> {
    let mut no_drop = Vec::new();
    let mut bad_add = Vec::new();
    let mut bad_caps = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        let caps = c.security_context.and_then(|sc| sc.capabilities.as_ref());
        let drops_all = caps
            .and_then(|c| c.drop.as_deref())
            .is_some_and(|d| d.iter().any(|x| x == "ALL"));
        if !drops_all {
            no_drop.push(c.name);
            fields.push(Pod::container_sc_path(c, &["capabilities", "drop"]));
        }
        let mut found = false;
        for (i, cap) in caps
            .and_then(|c| c.add.as_deref())
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if cap != "NET_BIND_SERVICE" {
                found = true;
                bad_caps.push(cap.clone());
                fields.push(Pod::container_sc_path(c, &["capabilities", "add"]).index(i));
            }
        }
        if found {
            bad_add.push(c.name);
        }
    }
    if no_drop.is_empty() && bad_add.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !no_drop.is_empty() {
        parts.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&no_drop)
        ));
    }
    if !bad_add.is_empty() {
        parts.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_add),
            join_quote(&sorted_set(bad_caps))
        ));
    }
    Some(Failure {
        reason: "unrestricted capabilities".into(),
        detail: parts.join("; "),
        fields,
    })
}

fn capabilities_restricted_1_25(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    capabilities_restricted_1_22(pod)
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor < 22 {
        return None;
    }
    let base = "variables.containers.all(c, has(c.securityContext) && \
                has(c.securityContext.capabilities) && has(c.securityContext.capabilities.drop) && \
                'ALL' in c.securityContext.capabilities.drop && \
                (!has(c.securityContext.capabilities.add) || \
                c.securityContext.capabilities.add.all(a, a == 'NET_BIND_SERVICE')))";
    Some(if minor >= 25 {
        format!("variables.windows || ({base})")
    } else {
        base.to_string()
    })
}

//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probes and lifecycle
//! handlers must not target another host.

use crate::ctx::{containers_phrase, join_quote, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use k8s_openapi::api::core::v1::{HTTPGetAction, TCPSocketAction};
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-host-probes",
    title: "Probes or lifecycle hooks that target another host",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/hostProbesAndHostLifecycle"),
        Framework::Mitre("T1090"),
    ],
    risk: "The kubelet runs HTTP and TCP probes and lifecycle hooks from the node. A `host` field \
lets a pod author make the kubelet connect anywhere the node can reach (cloud metadata, the API \
server, services on the node's localhost): a server-side request forgery with the node's network \
position.",
    fix: "Remove `host` from `httpGet`/`tcpSocket` in probes and lifecycle hooks; the kubelet then \
targets the pod's own IP.",
};

pub static CONTROL: Control = Control {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    versions: &[(34, host_probes_1_34)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

fn host_of<'a>(
    http: Option<&'a HTTPGetAction>,
    tcp: Option<&'a TCPSocketAction>,
) -> [Option<&'a str>; 2] {
    [
        http.and_then(|h| h.host.as_deref())
            .filter(|h| !h.is_empty()),
        tcp.and_then(|t| t.host.as_deref())
            .filter(|h| !h.is_empty()),
    ]
}

fn host_probes_1_34(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut hosts = Vec::new();
    let mut fields = Vec::new();
    for c in &pod.containers {
        let mut found = false;
        let probes = [
            ("livenessProbe", c.liveness_probe),
            ("readinessProbe", c.readiness_probe),
            ("startupProbe", c.startup_probe),
        ];
        for (field, probe) in probes {
            let Some(p) = probe else { continue };
            for (kind, host) in ["httpGet", "tcpSocket"]
                .into_iter()
                .zip(host_of(p.http_get.as_ref(), p.tcp_socket.as_ref()))
            {
                if let Some(h) = host {
                    found = true;
                    hosts.push(h.to_string());
                    fields.push(Pod::container_path(c, &[field, kind, "host"]));
                }
            }
        }
        if let Some(lc) = c.lifecycle {
            for (field, handler) in [("postStart", &lc.post_start), ("preStop", &lc.pre_stop)] {
                let Some(h) = handler else { continue };
                for (kind, host) in ["httpGet", "tcpSocket"]
                    .into_iter()
                    .zip(host_of(h.http_get.as_ref(), h.tcp_socket.as_ref()))
                {
                    if let Some(host) = host {
                        found = true;
                        hosts.push(host.to_string());
                        fields.push(Pod::container_path(c, &["lifecycle", field, kind, "host"]));
                    }
                }
            }
        }
        if found {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "probe or lifecycle host".into(),
        detail: format!(
            "{} uses probe or lifecycle hosts {}",
            containers_phrase(&names),
            join_quote(&sorted_set(hosts))
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    if minor < 34 {
        return None;
    }
    let no_host = |h: &str| {
        format!(
            "(!has({h}) || ((!has({h}.httpGet) || !has({h}.httpGet.host) || {h}.httpGet.host == '') && \
             (!has({h}.tcpSocket) || !has({h}.tcpSocket.host) || {h}.tcpSocket.host == '')))"
        )
    };
    let parts: Vec<String> = ["c.livenessProbe", "c.readinessProbe", "c.startupProbe"]
        .iter()
        .map(|p| no_host(p))
        .chain(std::iter::once(format!(
            "(!has(c.lifecycle) || ({} && {}))",
            no_host("c.lifecycle.postStart"),
            no_host("c.lifecycle.preStop")
        )))
        .collect();
    Some(format!(
        "variables.containers.all(c, {})",
        parts.join(" && ")
    ))
}

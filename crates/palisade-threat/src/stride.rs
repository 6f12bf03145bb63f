//! STRIDE per component: a catalogue of threats, each shown open by the
//! findings of named checks on the component's objects (or by facts of the
//! input), closed by a palisade check or generated artifact.

use crate::components::component_id;
use crate::facts::Facts;
use crate::graph::{Graph, Node, Search};
use crate::{AttackPath, Component, ComponentKind, Evidence, Input, Status, Stride, Threat};
use palisade_audit::policy::{Level, Policy, Request as AuditRequest, ResourceRequest};
use palisade_findings::Finding;
use palisade_rbac::{BindingDef, Request, Subject};
use std::collections::{BTreeSet, HashMap};

/// Which findings of a check count for a component.
#[derive(Clone, Copy)]
enum Scope {
    /// Findings on its workloads, its namespace (and the namespace's
    /// policies and quotas), and bindings that grant to its service accounts.
    Own,
    /// RBAC findings on bindings that grant in its namespace.
    GrantsIn,
    /// Findings anywhere.
    Cluster,
    /// Findings on cluster-wide RBAC objects (ClusterRoles and
    /// ClusterRoleBindings).
    ClusterRbac,
}

#[derive(Clone, Copy, PartialEq)]
enum Applies {
    ControlPlane(&'static str),
    /// Applications and data stores.
    App,
    /// Applications reached from the internet.
    Exposed,
    DataStore,
}

type Facts2 = fn(&Cx<'_, '_, '_>, &Component) -> (Vec<Evidence>, String);

struct Template {
    id: &'static str,
    stride: Stride,
    applies: Applies,
    title: &'static str,
    checks: &'static [&'static str],
    scope: Scope,
    facts: Option<Facts2>,
    mitigation: &'static str,
}

const RBAC_ESCALATION: &[&str] = &[
    "rbac-cluster-admin",
    "rbac-create-workloads",
    "rbac-bind-roles",
    "rbac-escalate-roles",
    "rbac-impersonate",
    "rbac-approve-csrs",
    "rbac-write-secrets",
    "rbac-token-request",
    "rbac-control-webhooks",
    "rbac-modify-pods",
    "rbac-nodes-proxy",
    "rbac-ephemeral-containers",
    "rbac-pods-exec",
    "rbac-steal-pods",
    "rbac-create-persistentvolumes",
    "rbac-modify-namespaces",
];

static CATALOGUE: &[Template] = &[
    // --- control plane -------------------------------------------------------
    Template {
        id: "S1",
        stride: Stride::Spoofing,
        applies: Applies::ControlPlane("api-server"),
        title: "Anonymous requests or every authenticated identity hold permissions",
        checks: &["rbac-anonymous-access"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "bind nothing to system:anonymous, system:unauthenticated or system:authenticated (check rbac-anonymous-access)",
    },
    Template {
        id: "T1",
        stride: Stride::Tampering,
        applies: Applies::ControlPlane("api-server"),
        title: "Admission webhooks can be changed or removed, switching admission control off",
        checks: &["rbac-control-webhooks"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "only the cluster operators may write (Validating|Mutating)WebhookConfigurations (check rbac-control-webhooks); `palisade admission install` with failurePolicy Fail",
    },
    Template {
        id: "R1",
        stride: Stride::Repudiation,
        applies: Applies::ControlPlane("api-server"),
        title: "API requests (exec, Secret reads, RBAC changes) are not recorded",
        checks: &[],
        scope: Scope::Cluster,
        facts: Some(audit_facts),
        mitigation: "an audit Policy that records pods/exec and Secret access (`palisade generate audit-policy`), the API server's audit flags (`palisade audit check-apiserver`) and the audit sink (`palisade audit serve`)",
    },
    Template {
        id: "I1",
        stride: Stride::InformationDisclosure,
        applies: Applies::ControlPlane("api-server"),
        title: "Secrets of every namespace readable through cluster-wide bindings",
        checks: &["rbac-read-secrets"],
        scope: Scope::ClusterRbac,
        facts: None,
        mitigation: "read access to Secrets only per namespace, only for what needs it (check rbac-read-secrets; `palisade rbac generate`)",
    },
    Template {
        id: "E1",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::ControlPlane("api-server"),
        title: "Subjects equivalent to cluster-admin (wildcards, bind, escalate, impersonate, CSR approval)",
        checks: &[
            "rbac-cluster-admin",
            "rbac-bind-roles",
            "rbac-escalate-roles",
            "rbac-impersonate",
            "rbac-approve-csrs",
            "rbac-wildcard",
            "rbac-aggregation-widens",
        ],
        scope: Scope::ClusterRbac,
        facts: None,
        mitigation: "least-privilege roles instead of wildcards (checks rbac-cluster-admin, rbac-wildcard, rbac-bind-roles, rbac-escalate-roles, rbac-impersonate; `palisade rbac generate` from the audit log)",
    },
    Template {
        id: "I1",
        stride: Stride::InformationDisclosure,
        applies: Applies::ControlPlane("etcd"),
        title: "Secret values committed with the manifests (base64 is not encryption)",
        checks: &[],
        scope: Scope::Cluster,
        facts: Some(committed_secrets),
        mitigation: "keep Secret values out of git: Sealed Secrets or External Secrets; encryption at rest for etcd",
    },
    Template {
        id: "T1",
        stride: Stride::Tampering,
        applies: Applies::ControlPlane("etcd"),
        title: "Secrets can be created or overwritten (and service-account tokens minted)",
        checks: &["rbac-write-secrets"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "write access to Secrets only for their owners (check rbac-write-secrets)",
    },
    Template {
        id: "E1",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::ControlPlane("kubelet"),
        title: "A pod escapes to its node and takes over the kubelet's pods, tokens and volumes",
        checks: &[],
        scope: Scope::Cluster,
        facts: Some(escape_facts),
        mitigation: "no privileged pods, runtime sockets or sensitive host paths (checks pss-privileged, container-runtime-socket, sensitive-host-path); Pod Security baseline enforced on every namespace (namespace-no-psa-labels)",
    },
    Template {
        id: "E2",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::ControlPlane("kubelet"),
        title: "The kubelet API is reachable through nodes/proxy (exec in any pod, bypassing audit)",
        checks: &["rbac-nodes-proxy"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "grant nodes/proxy to monitoring only, never with create (check rbac-nodes-proxy)",
    },
    Template {
        id: "S1",
        stride: Stride::Spoofing,
        applies: Applies::ControlPlane("kube-proxy"),
        title: "Service status can be written: traffic for external IPs hijacked (CVE-2020-8554)",
        checks: &["rbac-modify-service-status"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "no write access to services/status (check rbac-modify-service-status); block externalIPs at admission",
    },
    Template {
        id: "I1",
        stride: Stride::InformationDisclosure,
        applies: Applies::ControlPlane("kube-proxy"),
        title: "Pods in the node's network namespace bypass NetworkPolicies",
        checks: &[],
        scope: Scope::Cluster,
        facts: Some(host_network_facts),
        mitigation: "hostNetwork only for node agents, in a namespace that enforces privileged on purpose (check pss-host-namespaces)",
    },
    Template {
        id: "T1",
        stride: Stride::Tampering,
        applies: Applies::ControlPlane("scheduler"),
        title: "Pods can be moved onto nodes of an attacker's choice (evict, cordon, node status)",
        checks: &["rbac-steal-pods", "rbac-modify-node-status"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "no eviction, node update or node status rights outside the operators (checks rbac-steal-pods, rbac-modify-node-status)",
    },
    Template {
        id: "D1",
        stride: Stride::DenialOfService,
        applies: Applies::ControlPlane("scheduler"),
        title: "Namespaces without quotas can fill the nodes",
        checks: &["namespace-no-resourcequota", "resourcequota-unbounded"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "a ResourceQuota bounding cpu, memory and pods in every namespace (`palisade generate quotas`)",
    },
    Template {
        id: "E1",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::ControlPlane("controller-manager"),
        title: "Pods can be created as any service account of a namespace, or tokens requested for it",
        checks: &["rbac-create-workloads", "rbac-token-request"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "workload creation only for deployers, per namespace (checks rbac-create-workloads, rbac-token-request)",
    },
    Template {
        id: "T1",
        stride: Stride::Tampering,
        applies: Applies::ControlPlane("coredns"),
        title: "The Corefile can be rewritten (cluster DNS hijacked)",
        checks: &[],
        scope: Scope::Cluster,
        facts: Some(corefile_facts),
        mitigation: "write access to ConfigMaps of kube-system only for the cluster operators (`palisade rbac who-can update configmaps -n kube-system`)",
    },
    Template {
        id: "D1",
        stride: Stride::DenialOfService,
        applies: Applies::ControlPlane("coredns"),
        title: "Egress policies block DNS",
        checks: &["netpol-egress-blocks-dns"],
        scope: Scope::Cluster,
        facts: None,
        mitigation: "allow UDP/TCP 53 to kube-system/kube-dns in every egress default deny (check netpol-egress-blocks-dns)",
    },
    // --- applications --------------------------------------------------------
    Template {
        id: "S1",
        stride: Stride::Spoofing,
        applies: Applies::App,
        title: "A stolen service-account token acts as the workload against the API server",
        checks: &[
            "automount-service-account-token",
            "default-service-account",
            "rbac-default-service-account-bound",
        ],
        scope: Scope::Own,
        facts: None,
        mitigation: "a dedicated ServiceAccount and automountServiceAccountToken: false unless the API is used (checks automount-service-account-token, default-service-account; `palisade fix`)",
    },
    Template {
        id: "S2",
        stride: Stride::Spoofing,
        applies: Applies::Exposed,
        title: "Clients and their credentials intercepted or spoofed without TLS",
        checks: &[],
        scope: Scope::Own,
        facts: Some(tls_facts),
        mitigation: "spec.tls on every Ingress host (cert-manager), TLS on LoadBalancer Services",
    },
    Template {
        id: "T1",
        stride: Stride::Tampering,
        applies: Applies::App,
        title: "An intruder changes the running container (tools, backdoors)",
        checks: &["readonly-root-filesystem"],
        scope: Scope::Own,
        facts: None,
        mitigation: "readOnlyRootFilesystem: true with emptyDir for scratch space (check readonly-root-filesystem; `palisade fix`)",
    },
    Template {
        id: "T2",
        stride: Stride::Tampering,
        applies: Applies::App,
        title: "The image is replaced under a floating tag (supply chain)",
        checks: &["image-latest-tag", "image-no-digest", "image-pull-policy"],
        scope: Scope::Own,
        facts: None,
        mitigation: "images pinned by digest (checks image-no-digest, image-latest-tag, image-pull-policy), enforced by `palisade admission`",
    },
    Template {
        id: "R1",
        stride: Stride::Repudiation,
        applies: Applies::App,
        title: "Commands run in its pods (kubectl exec) cannot be attributed",
        checks: &[],
        scope: Scope::Own,
        facts: Some(exec_audit_facts),
        mitigation: "an audit Policy recording pods/exec (`palisade generate audit-policy`) and exec rights only for on-call (check rbac-pods-exec)",
    },
    Template {
        id: "I1",
        stride: Stride::InformationDisclosure,
        applies: Applies::App,
        title: "Secret values written into the manifest",
        checks: &["env-literal-secret"],
        scope: Scope::Own,
        facts: None,
        mitigation: "secretKeyRef instead of literal values (check env-literal-secret)",
    },
    Template {
        id: "I2",
        stride: Stride::InformationDisclosure,
        applies: Applies::App,
        title: "A compromised neighbour reaches it, or it reaches anything, over the network",
        checks: &[
            "netpol-workload-not-isolated",
            "netpol-no-default-deny-ingress",
            "netpol-no-default-deny-egress",
            "netpol-allow-all",
        ],
        scope: Scope::Own,
        facts: None,
        mitigation: "default-deny ingress and egress with least-privilege allows (`palisade generate netpol`)",
    },
    Template {
        id: "I3",
        stride: Stride::InformationDisclosure,
        applies: Applies::DataStore,
        title: "The data is reachable from the internet or from every namespace",
        checks: &["netpol-database-open"],
        scope: Scope::Own,
        facts: Some(data_reach_facts),
        mitigation: "ingress to the data store only from its clients, on its port (check netpol-database-open; `palisade generate netpol`); no code execution path from exposed pods",
    },
    Template {
        id: "I4",
        stride: Stride::InformationDisclosure,
        applies: Applies::App,
        title: "Its Secrets are readable through RBAC",
        checks: &["rbac-read-secrets"],
        scope: Scope::GrantsIn,
        facts: None,
        mitigation: "read access to Secrets only for their owners (check rbac-read-secrets)",
    },
    Template {
        id: "D1",
        stride: Stride::DenialOfService,
        applies: Applies::App,
        title: "Resource exhaustion (no requests, limits or quota)",
        checks: &[
            "memory-limit-missing",
            "cpu-limit-missing",
            "resource-requests-missing",
            "namespace-no-resourcequota",
            "namespace-no-limitrange",
            "resourcequota-unbounded",
        ],
        scope: Scope::Own,
        facts: None,
        mitigation: "requests and limits on every container, a ResourceQuota and LimitRange per namespace (`palisade generate quotas`)",
    },
    Template {
        id: "D2",
        stride: Stride::DenialOfService,
        applies: Applies::App,
        title: "Failures are not detected or restarted",
        checks: &["probes-missing"],
        scope: Scope::Own,
        facts: None,
        mitigation: "liveness and readiness probes (check probes-missing)",
    },
    Template {
        id: "E1",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::App,
        title: "A shell in its pods escapes to the node",
        checks: &[
            "pss-privileged",
            "container-runtime-socket",
            "sensitive-host-path",
            "pss-host-path-volumes",
            "pss-host-namespaces",
            "pss-capabilities-baseline",
            "pss-proc-mount",
            "pss-windows-host-process",
        ],
        scope: Scope::Own,
        facts: Some(own_escape_facts),
        mitigation: "no privileged, host namespaces, runtime sockets or host paths; Pod Security baseline enforced on the namespace (namespace-no-psa-labels; `palisade admission`)",
    },
    Template {
        id: "E2",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::App,
        title: "Root and default privileges make exploitation easier",
        checks: &[
            "run-as-root",
            "pss-run-as-non-root",
            "pss-run-as-user",
            "allow-privilege-escalation",
            "pss-allow-privilege-escalation",
            "capabilities-not-dropped",
            "pss-capabilities-restricted",
            "seccomp-profile-missing",
            "pss-seccomp-restricted",
            "pss-seccomp-baseline",
            "image-attack-surface",
        ],
        scope: Scope::Own,
        facts: None,
        mitigation: "runAsNonRoot, allowPrivilegeEscalation: false, drop ALL capabilities, RuntimeDefault seccomp (Pod Security restricted; `palisade fix`)",
    },
    Template {
        id: "E3",
        stride: Stride::ElevationOfPrivilege,
        applies: Applies::App,
        title: "Its service account escalates through RBAC",
        checks: RBAC_ESCALATION,
        scope: Scope::Own,
        facts: None,
        mitigation: "least-privilege Role for the service account (`palisade rbac generate` from the audit log)",
    },
];

/// A finding and, when the team accepted it, the reason.
type Owned<'c> = (&'c Finding, Option<&'c str>);

pub(crate) struct Cx<'c, 'i, 'a> {
    input: &'c Input<'a>,
    facts: &'c Facts<'a>,
    graph: &'c Graph<'i, 'a>,
    search: &'c Search,
    paths: &'c [AttackPath],
    /// Suppressed findings by (check, object): the reason.
    accepted: HashMap<(String, String), String>,
    /// Findings (and suppressed ones, with the reason) by check.
    by_check: HashMap<&'static str, Vec<(&'c Finding, Option<&'c str>)>>,
    /// Component id → its workloads (indices into the facts).
    members: HashMap<String, Vec<usize>>,
    /// Findings by object (`ns/Kind/name`).
    by_object: HashMap<String, Vec<Owned<'c>>>,
    /// Findings on the NetworkPolicies, quotas and LimitRanges of a namespace.
    by_namespace: HashMap<String, Vec<Owned<'c>>>,
    /// Findings on RoleBindings and ClusterRoleBindings.
    on_bindings: Vec<Owned<'c>>,
    /// The subjects of those bindings → positions in `on_bindings`.
    on_subject: HashMap<Subject, Vec<usize>>,
    /// Findings on bindings by (check, the namespace the binding grants
    /// in; `None`: cluster-wide).
    grants: HashMap<(&'static str, Option<String>), Vec<Owned<'c>>>,
    /// The audit Policy of the input, read once.
    audit_policy: Option<(&'c palisade_model::Object, Result<Policy, String>)>,
}

impl<'c> Cx<'c, '_, '_> {
    /// The findings of `check` on bindings that grant in the namespace of
    /// `c` (cluster-wide ones included).
    fn grants_in<'s>(
        &'s self,
        check: &'static str,
        c: &Component,
    ) -> impl Iterator<Item = &'s Owned<'c>> + 's {
        let ns = c.namespace.clone().unwrap_or_default();
        self.grants
            .get(&(check, None))
            .into_iter()
            .chain(self.grants.get(&(check, Some(ns))))
            .flatten()
    }

    /// Whether a finding belongs to the whole cluster's threats of
    /// `scope` (the other scopes are indexed: [`Cx::own_findings`],
    /// [`Cx::grants_in`]).
    fn matches(&self, f: &Finding, scope: Scope) -> bool {
        let o = &f.object;
        match scope {
            Scope::Cluster => true,
            Scope::ClusterRbac => o.namespace.is_none() && o.kind.starts_with("Cluster"),
            Scope::Own | Scope::GrantsIn => unreachable!("indexed per component"),
        }
    }

    /// The findings of [`Scope::Own`]: on its workloads, its namespace and
    /// the namespace's policies and quotas, and bindings that grant to its
    /// service accounts.
    fn own_findings(&self, c: &Component) -> Vec<Owned<'c>> {
        let mut v: Vec<Owned<'c>> = Vec::new();
        for w in &c.workloads {
            v.extend(self.by_object.get(&w.object).into_iter().flatten().copied());
        }
        if let Some(ns) = &c.namespace {
            v.extend(
                self.by_object
                    .get(&format!("Namespace/{ns}"))
                    .into_iter()
                    .flatten()
                    .copied(),
            );
            v.extend(self.by_namespace.get(ns).into_iter().flatten().copied());
            // bindings that grant to its service accounts, directly or
            // through their groups
            let mut at = BTreeSet::new();
            for w in &c.workloads {
                let (wns, sa) = w.service_account.split_once(':').unwrap_or((ns, "default"));
                let me = Subject::ServiceAccount {
                    namespace: wns.to_string(),
                    name: sa.to_string(),
                };
                let groups = me.implicit_groups().into_iter().map(Subject::Group);
                for s in std::iter::once(me.clone()).chain(groups) {
                    at.extend(self.on_subject.get(&s).into_iter().flatten().copied());
                }
            }
            v.extend(at.into_iter().map(|i| self.on_bindings[i]));
        }
        v
    }

    /// Marks evidence the team accepted.
    fn accept(&self, mut e: Evidence) -> Evidence {
        if let Some(c) = &e.check
            && let Some(reason) = self.accepted.get(&(c.clone(), e.object.clone()))
        {
            e.accepted = Some(reason.clone());
        }
        e
    }

    fn component_workloads<'s>(
        &'s self,
        c: &'s Component,
    ) -> impl Iterator<Item = &'s crate::facts::Wl<'s>> + 's {
        self.component_workloads_named(&c.id)
    }
}

pub(crate) fn threats(
    input: &Input<'_>,
    facts: &Facts<'_>,
    components: &[Component],
    graph: &Graph<'_, '_>,
    search: &Search,
    paths: &[AttackPath],
) -> Vec<Threat> {
    let bindings: HashMap<String, &BindingDef> = input
        .rbac
        .bindings
        .iter()
        .map(|b| (b.reference.to_string(), b))
        .collect();
    let accepted = input
        .suppressed
        .iter()
        .map(|s| {
            (
                (s.finding.check.id.to_string(), s.finding.object.to_string()),
                s.reason.clone(),
            )
        })
        .collect();
    let mut by_check: HashMap<&'static str, Vec<(&Finding, Option<&str>)>> = HashMap::new();
    for f in input.findings {
        by_check.entry(f.check.id).or_default().push((f, None));
    }
    for s in input.suppressed {
        by_check
            .entry(s.finding.check.id)
            .or_default()
            .push((&s.finding, Some(s.reason.as_str())));
    }
    let mut by_object: HashMap<String, Vec<Owned<'_>>> = HashMap::new();
    let mut by_namespace: HashMap<String, Vec<Owned<'_>>> = HashMap::new();
    let mut on_bindings = Vec::new();
    for (f, reason) in by_check.values().flatten() {
        let o = &f.object;
        match o.kind.as_str() {
            "NetworkPolicy" | "ResourceQuota" | "LimitRange" => by_namespace
                .entry(o.namespace.clone().unwrap_or_default())
                .or_default()
                .push((f, *reason)),
            "RoleBinding" | "ClusterRoleBinding" => on_bindings.push((*f, *reason)),
            _ => by_object
                .entry(o.to_string())
                .or_default()
                .push((f, *reason)),
        }
    }
    let mut members: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, w) in facts.workloads.iter().enumerate() {
        members.entry(component_id(w)).or_default().push(i);
    }
    let mut on_subject: HashMap<Subject, Vec<usize>> = HashMap::new();
    let mut grants: HashMap<(&'static str, Option<String>), Vec<Owned<'_>>> = HashMap::new();
    for (i, (f, reason)) in on_bindings.iter().enumerate() {
        if let Some(b) = bindings.get(&f.object.to_string()) {
            for s in &b.subjects {
                on_subject.entry(s.subject.clone()).or_default().push(i);
            }
            grants
                .entry((f.check.id, b.scope().map(str::to_string)))
                .or_default()
                .push((*f, *reason));
        }
    }
    let cx = Cx {
        input,
        facts,
        graph,
        search,
        paths,
        accepted,
        by_check,
        members,
        by_object,
        by_namespace,
        on_bindings,
        on_subject,
        grants,
        audit_policy: input
            .model
            .objects()
            .iter()
            .find(|o| o.kind == "Policy" && o.api_version.starts_with("audit.k8s.io/"))
            .map(|o| (o, Policy::from_node(&o.raw).map_err(|e| e.to_string()))),
    };
    // each template's checks, with what implies them, once
    let checks: Vec<Vec<&'static str>> = CATALOGUE.iter().map(|t| with_implied(t.checks)).collect();
    let mut out = Vec::new();
    for c in components {
        let mut own: Option<Vec<Owned<'_>>> = None;
        for (t, checks) in CATALOGUE.iter().zip(&checks) {
            let applies = match (t.applies, c.kind) {
                (Applies::ControlPlane(id), ComponentKind::ControlPlane) => {
                    c.id == format!("control-plane/{id}")
                }
                (Applies::App, ComponentKind::Application | ComponentKind::DataStore) => true,
                (Applies::Exposed, ComponentKind::Application | ComponentKind::DataStore) => {
                    c.internet_exposed
                }
                (Applies::DataStore, ComponentKind::DataStore) => true,
                _ => false,
            };
            if !applies {
                continue;
            }
            if own.is_none() {
                own = Some(cx.own_findings(c));
            }
            out.push(evaluate(
                &cx,
                c,
                t,
                checks,
                own.as_deref().unwrap_or_default(),
            ));
        }
    }
    out
}

/// A template's checks, and `rbac-cluster-admin` when one of them is an
/// RBAC permission class: `scan` reports a `* on *` binding once, as
/// rbac-cluster-admin, and that finding shows every such threat open.
fn with_implied(checks: &[&'static str]) -> Vec<&'static str> {
    const ADMIN: &str = "rbac-cluster-admin";
    let mut v = checks.to_vec();
    let implied = checks.iter().any(|id| {
        palisade_rbac::risks::by_id(id)
            .is_some_and(|r| matches!(r.detect, palisade_rbac::risks::Detect::Permission { .. }))
    });
    if implied && !v.contains(&ADMIN) {
        v.push(ADMIN);
    }
    v
}

fn evaluate(
    cx: &Cx<'_, '_, '_>,
    c: &Component,
    t: &Template,
    checks: &[&'static str],
    own: &[Owned<'_>],
) -> Threat {
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut verified = Vec::new();
    if !t.checks.is_empty() {
        let mut add = |f: &Finding, reason: Option<&str>| {
            let mut e = Evidence::of_finding(f);
            e.accepted = reason.map(str::to_string);
            evidence.push(e);
        };
        match t.scope {
            Scope::Own => {
                for (f, reason) in own {
                    if checks.contains(&f.check.id) {
                        add(f, *reason);
                    }
                }
            }
            Scope::GrantsIn => {
                for check in checks {
                    for (f, reason) in cx.grants_in(check, c) {
                        add(f, *reason);
                    }
                }
            }
            scope => {
                for check in checks {
                    for (f, reason) in cx.by_check.get(check).into_iter().flatten() {
                        if cx.matches(f, scope) {
                            add(f, *reason);
                        }
                    }
                }
            }
        }
        let on = match (t.scope, c.kind) {
            (Scope::Own, _) if !c.workloads.is_empty() => c
                .workloads
                .iter()
                .map(|w| w.object.clone())
                .collect::<Vec<_>>()
                .join(", "),
            (Scope::GrantsIn, _) => format!(
                "the bindings that grant in namespace {}",
                c.namespace.as_deref().unwrap_or_default()
            ),
            _ => "the whole input".to_string(),
        };
        verified.push(format!("no finding of {} on {on}", t.checks.join(", ")));
    }
    if let Some(facts) = t.facts {
        let (ev, ok) = facts(cx, c);
        evidence.extend(ev.into_iter().map(|e| cx.accept(e)));
        verified.push(ok);
    }
    evidence.sort();
    evidence.dedup_by(|a, b| a.check == b.check && a.object == b.object && a.line == b.line);
    let status = if evidence.is_empty() {
        Status::Mitigated
    } else if evidence.iter().all(|e| e.accepted.is_some()) {
        Status::Accepted
    } else {
        Status::Open
    };
    // what is open first, then what was accepted; at most MAX_EVIDENCE
    evidence.sort_by_key(|e| e.accepted.is_some());
    let evidence_more = crate::cap_evidence(&mut evidence);
    evidence.shrink_to_fit();
    Threat {
        evidence_more,
        id: format!("{}#{}", c.id, t.id),
        component: c.id.clone(),
        stride: t.stride,
        title: t.title.to_string(),
        status,
        evidence,
        verified: if status == Status::Mitigated {
            verified.join("; ")
        } else {
            String::new()
        },
        mitigation: t.mitigation.to_string(),
    }
}

/// Whether the input's audit Policy records `req` (at least Metadata);
/// `None` when there is no audit Policy.
fn audit_records(cx: &Cx<'_, '_, '_>, req: &AuditRequest) -> Option<(bool, Evidence)> {
    let (o, policy) = cx.audit_policy.as_ref()?;
    match policy {
        Ok(p) => {
            let d = p.evaluate(req);
            Some((
                d.level >= Level::Metadata,
                Evidence::at(
                    &o.reference,
                    &o.location,
                    format!(
                        "audit Policy {} logs {} {} at level {}",
                        o.name,
                        req.verb,
                        req.resource
                            .as_ref()
                            .map(|r| if r.subresource.is_empty() {
                                r.resource.clone()
                            } else {
                                format!("{}/{}", r.resource, r.subresource)
                            })
                            .unwrap_or_default(),
                        d.level
                    ),
                ),
            ))
        }
        Err(e) => Some((
            false,
            Evidence::at(
                &o.reference,
                &o.location,
                format!("audit Policy {} is invalid: {e}", o.name),
            ),
        )),
    }
}

fn audit_request(verb: &str, resource: &str, sub: &str, ns: &str) -> AuditRequest {
    AuditRequest {
        user: "system:serviceaccount:attacker:x".into(),
        groups: vec!["system:authenticated".into()],
        verb: verb.into(),
        resource: Some(ResourceRequest {
            group: String::new(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: ns.into(),
            name: String::new(),
        }),
        path: String::new(),
    }
}

/// The kube-apiserver Pod of the input and its audit flags.
fn apiserver_audit(cx: &Cx<'_, '_, '_>) -> Option<(bool, Evidence)> {
    cx.component_workloads_named("control-plane/api-server").find_map(|w| {
        let (flags, line) = palisade_audit::apiserver::flags(&w.obj.raw)?;
        let has = |n: &str| flags.iter().any(|f| f.name == n && f.value.as_deref().is_some_and(|v| !v.is_empty()));
        let ok = has("audit-policy-file") && (has("audit-log-path") || has("audit-webhook-config-file"));
        let mut loc = w.obj.location.clone();
        loc.line = line;
        Some((
            ok,
            Evidence::at(
                &w.obj.reference,
                &loc,
                if ok {
                    "kube-apiserver runs with --audit-policy-file and an audit backend".to_string()
                } else {
                    "kube-apiserver runs without --audit-policy-file and an audit backend (--audit-log-path or --audit-webhook-config-file)".to_string()
                },
            ),
        ))
    })
}

impl Cx<'_, '_, '_> {
    fn component_workloads_named<'s>(
        &'s self,
        id: &'s str,
    ) -> impl Iterator<Item = &'s crate::facts::Wl<'s>> + 's {
        self.members
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.facts.workloads[i])
    }
}

fn audit_facts(cx: &Cx<'_, '_, '_>, _c: &Component) -> (Vec<Evidence>, String) {
    let mut gaps = Vec::new();
    let mut ok = Vec::new();
    for (verb, res, sub) in [("create", "pods", "exec"), ("get", "secrets", "")] {
        match audit_records(cx, &audit_request(verb, res, sub, "default")) {
            Some((true, e)) => ok.push(e.detail),
            Some((false, e)) => gaps.push(e),
            None => {}
        }
    }
    let policy_seen = cx.audit_policy.is_some();
    match apiserver_audit(cx) {
        Some((true, e)) => ok.push(e.detail),
        Some((false, e)) => gaps.push(e),
        None if !policy_seen => gaps.push(Evidence::absent(
            "neither an audit Policy nor the kube-apiserver manifest is in the input: nothing shows API requests are recorded",
        )),
        None => {}
    }
    (gaps, ok.join("; "))
}

fn exec_audit_facts(cx: &Cx<'_, '_, '_>, c: &Component) -> (Vec<Evidence>, String) {
    let ns = c.namespace.as_deref().unwrap_or_default();
    let exec: Vec<Evidence> = with_implied(&["rbac-pods-exec", "rbac-ephemeral-containers"])
        .iter()
        .flat_map(|id| cx.grants_in(id, c))
        .filter(|(_, reason)| reason.is_none())
        .map(|(f, _)| Evidence::of_finding(f))
        .collect();
    if exec.is_empty() {
        return (
            Vec::new(),
            format!("no binding of the input lets anyone exec into pods of {ns}"),
        );
    }
    match audit_records(cx, &audit_request("create", "pods", "exec", ns)) {
        Some((true, e)) => (Vec::new(), e.detail),
        Some((false, e)) => {
            let mut v = exec;
            v.push(e);
            (v, String::new())
        }
        None => {
            let mut v = exec;
            v.push(Evidence::absent(
                "no audit Policy in the input records pods/exec",
            ));
            (v, String::new())
        }
    }
}

fn committed_secrets(cx: &Cx<'_, '_, '_>, _c: &Component) -> (Vec<Evidence>, String) {
    let mut v = Vec::new();
    for o in cx.input.model.of_kind("Secret") {
        if o.location.file.starts_with("cluster:") {
            continue;
        }
        let palisade_model::Typed::Secret(s) = &o.typed else {
            continue;
        };
        let keys: BTreeSet<&String> = s
            .data
            .iter()
            .flat_map(|d| d.keys())
            .chain(s.string_data.iter().flat_map(|d| d.keys()))
            .collect();
        if keys.is_empty() {
            continue;
        }
        v.push(Evidence::at(
            &o.reference,
            &o.location,
            format!(
                "Secret {} holds {} value(s) in the manifest ({})",
                o.display_name(),
                keys.len(),
                keys.into_iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    (v, "no Secret with values is in the manifests".into())
}

fn escape_facts(cx: &Cx<'_, '_, '_>, _c: &Component) -> (Vec<Evidence>, String) {
    let v = cx
        .facts
        .workloads
        .iter()
        .flat_map(|w| w.escape.iter().cloned())
        .collect();
    (v, "no workload of the input can escape to its node".into())
}

fn own_escape_facts(cx: &Cx<'_, '_, '_>, c: &Component) -> (Vec<Evidence>, String) {
    let v = cx
        .component_workloads(c)
        .flat_map(|w| w.escape.iter().cloned())
        .collect();
    (
        v,
        "no container of it is privileged or mounts the runtime socket or a sensitive host path"
            .into(),
    )
}

fn host_network_facts(cx: &Cx<'_, '_, '_>, _c: &Component) -> (Vec<Evidence>, String) {
    let v = cx
        .facts
        .workloads
        .iter()
        .flat_map(|w| {
            w.host
                .iter()
                .filter(|e| e.detail.starts_with("hostNetwork"))
                .cloned()
        })
        .collect();
    (v, "no workload uses hostNetwork".into())
}

fn corefile_facts(cx: &Cx<'_, '_, '_>, _c: &Component) -> (Vec<Evidence>, String) {
    let req = Request::Resource {
        verb: "update".into(),
        group: String::new(),
        resource: "configmaps".into(),
        subresource: String::new(),
        namespace: Some("kube-system".into()),
        name: Some("coredns".into()),
    };
    let mut v: Vec<Evidence> = cx
        .input
        .rbac
        .who_can(&req, false)
        .into_iter()
        .filter(|g| !matches!(g.subject, Subject::User(u) if u.starts_with("system:")))
        .filter(|g| !matches!(g.subject, Subject::Group(x) if x == "system:masters"))
        .map(|g| {
            Evidence::at(
                &g.binding.reference,
                &g.binding.location,
                format!(
                    "{} can update ConfigMap kube-system/coredns via {} → {}",
                    g.subject,
                    g.binding.display(),
                    g.role.display()
                ),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    (
        v,
        "nobody outside the control plane can update ConfigMaps of kube-system".into(),
    )
}

fn tls_facts(cx: &Cx<'_, '_, '_>, c: &Component) -> (Vec<Evidence>, String) {
    let mine: BTreeSet<usize> = cx
        .members
        .get(&c.id)
        .into_iter()
        .flatten()
        .copied()
        .collect();
    let mut v = Vec::new();
    for e in &cx.facts.entries {
        for r in &e.routes {
            if r.allowed && mine.contains(&r.workload) && r.tls == Some(false) {
                let mut ev = r.written.clone();
                ev.detail = format!("{}: the host has no TLS entry", ev.detail);
                v.push(ev);
            }
        }
    }
    (v, "every Ingress route to it has TLS".into())
}

fn data_reach_facts(cx: &Cx<'_, '_, '_>, c: &Component) -> (Vec<Evidence>, String) {
    let mut v = Vec::new();
    for &i in cx.members.get(&c.id).into_iter().flatten() {
        let w = &cx.facts.workloads[i];
        if w.data_store.is_none() {
            continue;
        }
        let Some(n) = cx.graph.index_of(&Node::Data(i)) else {
            continue;
        };
        // the shortest path from the internet, as the data's target tree has it
        let steps = cx.search.internet_dist[n];
        if steps == u32::MAX {
            continue;
        }
        let target = cx.graph.label(n);
        let path = cx
            .paths
            .iter()
            .find(|p| p.profile == crate::ProfileId::EndUser && p.target == target);
        v.push(w.here(format!(
            "the data of {} is reached from the internet in {} steps{}",
            w.name,
            steps,
            path.map(|p| format!(" ({}: {})", p.id, p.one_line())).unwrap_or_default()
        )));
    }
    (
        v,
        "no attack path from the internet reaches its data".into(),
    )
}

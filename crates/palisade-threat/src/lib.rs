//! `palisade threat-model`: a STRIDE threat model derived
//! from the cluster itself.
//!
//! * **Components**: the control plane (api-server, etcd, kubelet,
//!   kube-proxy, scheduler, controller-manager, CoreDNS) and every
//!   application of the inventory, grouped by `app` label and namespace,
//!   with data stores (StatefulSets with volume claims, known database
//!   images) and exposure (Ingress, LoadBalancer, NodePort, host ports).
//! * **Trust boundaries**: internet ↔ ingress, namespace ↔ namespace (as
//!   the NetworkPolicies allow), pod ↔ node (privileged, hostPath, host
//!   namespaces, capabilities), workload ↔ API server (mounted tokens and
//!   what RBAC grants them).
//! * **Attacker profiles** (three of them): the end user outside the
//!   cluster, the internal attacker with a shell in a pod, the privileged
//!   attacker with API access; for each, the assets it reaches.
//! * **Attack paths**: an attack graph built from the evidence (exposed
//!   entry → selected pods → connections the NetworkPolicies allow → data
//!   stores; pod → node escape → every pod and token on the node; token →
//!   RBAC → secrets, pods, nodes, cluster-admin), searched breadth-first
//!   for the shortest path from every start to every target, ranked by
//!   impact and length.
//! * **STRIDE per component**: each threat tied to the findings and
//!   objects (file and line) that show it open, and to the palisade check or
//!   generated artifact that closes it.
//!
//! Pure and deterministic: the same input gives byte-identical output, so a
//! team can keep the model in git and review its diff.

/// Evidence items a threat or a boundary crossing keeps; the rest are
/// counted (`evidenceMore`). A service account bound through
/// `system:serviceaccounts` can carry hundreds of RBAC findings, and every
/// application's threats would repeat them: `palisade scan` lists them all.
pub const MAX_EVIDENCE: usize = 12;

/// Keeps the first [`MAX_EVIDENCE`] items; returns how many were dropped.
pub(crate) fn cap_evidence(v: &mut Vec<Evidence>) -> usize {
    let more = v.len().saturating_sub(MAX_EVIDENCE);
    v.truncate(MAX_EVIDENCE);
    more
}

mod boundaries;
mod components;
mod facts;
mod graph;
mod html;
mod markdown;
mod stride;

#[cfg(test)]
mod tests;

pub use html::{PathArrow, PathBox, PathSvg, html};
pub use markdown::{dataflow_mermaid, markdown, paths_mermaid};

use palisade_checks::Suppressed;
use palisade_findings::Finding;
use palisade_inventory::Inventory;
use palisade_model::{Location, Model, ObjectRef};
use palisade_netpol::Network;
use palisade_rbac::Rbac;
use serde::Serialize;
use std::fmt;

/// What the threat model is built from: the model and the analyzers'
/// results on it.
pub struct Input<'a> {
    pub model: &'a Model,
    /// Findings of the check catalogue (`palisade scan`), unsuppressed.
    pub findings: &'a [Finding],
    /// Findings the team accepted (`palisade.dev/ignore`, configuration).
    pub suppressed: &'a [Suppressed],
    pub network: &'a Network,
    pub rbac: &'a Rbac,
    pub inventory: &'a Inventory,
}

/// Settings of the analysis.
#[derive(Debug, Clone)]
pub struct Options {
    /// What was read (`examples/demo`, `cluster prod`), for the title.
    pub source: String,
    /// The namespace of the ingress controller (whose pods forward
    /// Ingress traffic to the backends).
    pub ingress_controller_namespace: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            source: "input".into(),
            ingress_controller_namespace: "ingress-nginx".into(),
        }
    }
}

/// The threat model.
#[derive(Debug, Clone, Serialize)]
pub struct ThreatModel {
    pub source: String,
    pub summary: Summary,
    pub components: Vec<Component>,
    pub boundaries: Vec<Boundary>,
    pub profiles: Vec<Profile>,
    /// Ranked: highest impact first, then shortest.
    pub paths: Vec<AttackPath>,
    pub threats: Vec<Threat>,
    /// The connections the manifests declare (inventory), for the
    /// data-flow diagram.
    pub connections: Vec<Connection>,
    /// What the analysis assumed where the input cannot tell.
    pub assumptions: Vec<String>,
}

/// A connection a workload declares (`palisade inventory`).
#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub from: String,
    pub to: String,
    pub port: u16,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub objects: usize,
    pub workloads: usize,
    #[serde(rename = "controlPlaneComponents")]
    pub control_plane: usize,
    pub applications: usize,
    #[serde(rename = "dataStores")]
    pub data_stores: usize,
    #[serde(rename = "openBoundaries")]
    pub open_boundaries: usize,
    pub boundaries: usize,
    #[serde(rename = "attackPaths")]
    pub attack_paths: usize,
    #[serde(rename = "pathsToClusterAdmin")]
    pub paths_to_cluster_admin: usize,
    #[serde(rename = "threatsOpen")]
    pub threats_open: usize,
    #[serde(rename = "threatsAccepted")]
    pub threats_accepted: usize,
    #[serde(rename = "threatsMitigated")]
    pub threats_mitigated: usize,
}

impl Summary {
    /// "N components (…), B trust boundaries (O open), P attack paths (C to
    /// cluster-admin)": the sentence every rendering of the model opens with.
    pub fn shape(&self) -> String {
        format!(
            "{} components ({} control plane, {} applications, {} data store{}), {} trust boundaries ({} open), {} attack paths ({} to cluster-admin)",
            self.control_plane + self.applications,
            self.control_plane,
            self.applications,
            self.data_stores,
            if self.data_stores == 1 { "" } else { "s" },
            self.boundaries,
            self.open_boundaries,
            self.attack_paths,
            self.paths_to_cluster_admin,
        )
    }
}

/// A fact of the input that shows something: a finding of a check, or a
/// field of an object, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// `ns/Kind/name` or `Kind/name`; empty when the evidence is an absence.
    pub object: String,
    pub file: String,
    /// 1-based; 0 when unknown or absent.
    pub line: u32,
    /// The check that reports it, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    pub detail: String,
    /// The team accepted it (`palisade.dev/ignore`), with this reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

impl Evidence {
    pub(crate) fn at(object: &ObjectRef, location: &Location, detail: impl Into<String>) -> Self {
        Evidence {
            object: object.to_string(),
            file: location.file.to_string(),
            line: location.line,
            check: None,
            detail: detail.into(),
            accepted: None,
        }
    }

    /// Evidence of something the input lacks.
    pub(crate) fn absent(detail: impl Into<String>) -> Self {
        Evidence {
            object: String::new(),
            file: String::new(),
            line: 0,
            check: None,
            detail: detail.into(),
            accepted: None,
        }
    }

    pub(crate) fn check(mut self, id: &str) -> Self {
        self.check = Some(id.to_string());
        self
    }

    pub(crate) fn of_finding(f: &Finding) -> Self {
        Evidence::at(&f.object, &f.location, f.message.clone()).check(f.check.id)
    }

    /// `file:line`, or the file, or nothing.
    pub fn place(&self) -> String {
        match (self.file.is_empty(), self.line) {
            (true, _) => String::new(),
            (false, 0) => self.file.clone(),
            (false, l) => format!("{}:{l}", self.file),
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = &self.check {
            write!(f, "[{c}] ")?;
        }
        if !self.object.is_empty() {
            write!(f, "{} ", self.object)?;
        }
        let place = self.place();
        if !place.is_empty() {
            write!(f, "({place}) ")?;
        }
        f.write_str(&self.detail)?;
        if let Some(r) = &self.accepted {
            write!(f, " — accepted: {r}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    ControlPlane,
    Application,
    DataStore,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::ControlPlane => "control plane",
            ComponentKind::Application => "application",
            ComponentKind::DataStore => "data store",
        }
    }
}

/// A workload of a component.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadInfo {
    /// `ns/Kind/name`.
    pub object: String,
    pub file: String,
    pub line: u32,
    #[serde(rename = "serviceAccount")]
    pub service_account: String,
    /// Whether its pods mount the service-account token.
    #[serde(rename = "tokenMounted")]
    pub token_mounted: bool,
    pub images: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    /// `control-plane/api-server`, `app/shop/frontend`.
    pub id: String,
    pub name: String,
    pub kind: ComponentKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub description: String,
    /// Control plane: whether the input has its objects (a live cluster
    /// dump of kube-system); applications: always true.
    pub observed: bool,
    pub workloads: Vec<WorkloadInfo>,
    /// How it is reached from outside its pods (inventory exposure).
    pub exposure: Vec<String>,
    /// Reached from the internet (Ingress, LoadBalancer, NodePort, host port).
    #[serde(rename = "internetExposed")]
    pub internet_exposed: bool,
    /// Why it counts as a data store.
    #[serde(rename = "dataStore", skip_serializing_if = "Option::is_none")]
    pub data_store: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BoundaryKind {
    InternetIngress,
    NamespaceNamespace,
    PodNode,
    WorkloadApiServer,
}

impl BoundaryKind {
    pub fn title(self) -> &'static str {
        match self {
            BoundaryKind::InternetIngress => "internet ↔ ingress",
            BoundaryKind::NamespaceNamespace => "namespace ↔ namespace",
            BoundaryKind::PodNode => "pod ↔ node",
            BoundaryKind::WorkloadApiServer => "workload ↔ API server",
        }
    }
}

/// Whether a boundary holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BoundaryStatus {
    /// Something crosses it that nothing guards.
    Open,
    /// Every crossing is guarded (TLS, NetworkPolicy, no host access, no
    /// token or no permissions).
    Enforced,
}

/// One way across a boundary.
#[derive(Debug, Clone, Serialize)]
pub struct Crossing {
    pub description: String,
    /// The workload it reaches (`ns/name`), for entry points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether a control guards it.
    pub guarded: bool,
    pub evidence: Vec<Evidence>,
    /// Evidence items left out after the first [`MAX_EVIDENCE`].
    #[serde(rename = "evidenceMore", skip_serializing_if = "is_zero")]
    pub evidence_more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Boundary {
    pub id: String,
    pub kind: BoundaryKind,
    pub name: String,
    pub status: BoundaryStatus,
    pub crossings: Vec<Crossing>,
}

/// The three attacker profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileId {
    /// An end user connecting from outside the cluster to an entry point.
    EndUser,
    /// An internal attacker with a shell in a pod (not necessarily root).
    Internal,
    /// A privileged attacker with access to the API server (kubectl).
    Privileged,
}

impl ProfileId {
    pub const ALL: [ProfileId; 3] = [
        ProfileId::EndUser,
        ProfileId::Internal,
        ProfileId::Privileged,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ProfileId::EndUser => "End user (outside the cluster)",
            ProfileId::Internal => "Internal attacker (shell in a pod)",
            ProfileId::Privileged => "Privileged attacker (API access)",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ProfileId::EndUser => {
                "Connects from the internet to what the cluster exposes (Ingress, LoadBalancer and NodePort Services, host ports) and is assumed to find a remote-code-execution flaw in the application behind it."
            }
            ProfileId::Internal => {
                "Has a shell in one pod (a compromised application or dependency, a malicious image), with that pod's user, capabilities, network position and mounted service-account token."
            }
            ProfileId::Privileged => {
                "Holds credentials of a user or group bound by RBAC (a leaked kubeconfig, a CI pipeline, an over-privileged operator) and talks to the API server."
            }
        }
    }
}

/// What one start reaches, by target.
#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    pub target: String,
    pub impact: Impact,
    pub steps: usize,
    /// The attack path listed for it, when it is listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StartReach {
    pub start: String,
    /// The highest-impact, nearest targets.
    pub reaches: Vec<Reach>,
    /// Targets beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub more: usize,
}

/// The assets a profile reaches (from any of its starts).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Assets {
    #[serde(rename = "clusterAdmin")]
    pub cluster_admin: bool,
    pub nodes: Vec<String>,
    #[serde(rename = "dataStores")]
    pub data_stores: Vec<String>,
    /// `namespace/*` for every Secret of a namespace, `namespace/name` for
    /// the Secrets compromised pods mount.
    pub secrets: Vec<String>,
    #[serde(rename = "serviceAccounts")]
    pub service_accounts: Vec<String>,
    /// Workloads whose pods it runs code in.
    pub pods: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub id: ProfileId,
    pub name: String,
    pub description: String,
    pub starts: Vec<String>,
    pub assets: Assets,
    #[serde(rename = "byStart")]
    pub by_start: Vec<StartReach>,
}

/// How bad reaching a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// Code execution in an application pod.
    Medium,
    /// Every Secret of a namespace.
    High,
    /// Root on a node, or the data of a data store.
    Severe,
    /// Cluster-admin.
    Critical,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Medium => "medium",
            Impact::High => "high",
            Impact::Severe => "severe",
            Impact::Critical => "critical",
        }
    }
}

/// One step of an attack path.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    /// What the attacker does.
    pub action: String,
    /// Why it is possible.
    pub evidence: Vec<Evidence>,
    /// What closes it.
    pub mitigation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttackPath {
    /// `AP-01`, in rank order.
    pub id: String,
    pub profile: ProfileId,
    pub start: String,
    pub target: String,
    pub impact: Impact,
    pub length: usize,
    pub steps: Vec<Step>,
    /// What holding the target gives, from the graph (the pods, tokens and
    /// volumes on a node; the Secrets of a namespace).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub yields: Vec<String>,
    /// Other starts of the profile that reach the same target (listed in
    /// the profile's table, not as paths).
    #[serde(rename = "moreStarts", skip_serializing_if = "is_zero")]
    pub more_starts: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl AttackPath {
    /// `A → B → C`.
    pub fn one_line(&self) -> String {
        let mut s = self.start.clone();
        for st in &self.steps {
            s.push_str(" → ");
            s.push_str(&st.to);
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Stride {
    Spoofing,
    Tampering,
    Repudiation,
    #[serde(rename = "Information disclosure")]
    InformationDisclosure,
    #[serde(rename = "Denial of service")]
    DenialOfService,
    #[serde(rename = "Elevation of privilege")]
    ElevationOfPrivilege,
}

impl Stride {
    pub fn letter(self) -> char {
        match self {
            Stride::Spoofing => 'S',
            Stride::Tampering => 'T',
            Stride::Repudiation => 'R',
            Stride::InformationDisclosure => 'I',
            Stride::DenialOfService => 'D',
            Stride::ElevationOfPrivilege => 'E',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stride::Spoofing => "Spoofing",
            Stride::Tampering => "Tampering",
            Stride::Repudiation => "Repudiation",
            Stride::InformationDisclosure => "Information disclosure",
            Stride::DenialOfService => "Denial of service",
            Stride::ElevationOfPrivilege => "Elevation of privilege",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Evidence in the input shows it.
    Open,
    /// Every piece of evidence was accepted by the team (with a reason).
    Accepted,
    /// The checks that would show it pass.
    Mitigated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Accepted => "accepted",
            Status::Mitigated => "mitigated",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Threat {
    /// `<component id>#<threat id>`.
    pub id: String,
    pub component: String,
    pub stride: Stride,
    pub title: String,
    pub status: Status,
    /// What shows it open (or accepted); empty when mitigated.
    pub evidence: Vec<Evidence>,
    /// Evidence items left out after the first [`MAX_EVIDENCE`].
    #[serde(rename = "evidenceMore", skip_serializing_if = "is_zero")]
    pub evidence_more: usize,
    /// What was verified when it is mitigated.
    pub verified: String,
    /// The palisade check or generated artifact that closes it.
    pub mitigation: String,
}

/// Builds the threat model.
pub fn analyze(input: &Input<'_>, options: &Options) -> ThreatModel {
    let facts = facts::Facts::build(input, options);
    let components = components::components(input, &facts);
    let graph = graph::Graph::build(input, &facts);
    let search = graph.search();
    let (paths, profiles) = graph.paths_and_profiles(&search);
    let mut boundaries = boundaries::boundaries(input, &facts, &graph.risks);
    let threats = stride::threats(input, &facts, &components, &graph, &search, &paths);
    for c in boundaries.iter_mut().flat_map(|b| b.crossings.iter_mut()) {
        c.evidence_more += cap_evidence(&mut c.evidence);
    }
    let mut summary = Summary {
        objects: input.model.len(),
        workloads: facts.workloads.len(),
        ..Summary::default()
    };
    for c in &components {
        match c.kind {
            ComponentKind::ControlPlane => summary.control_plane += 1,
            ComponentKind::Application => summary.applications += 1,
            ComponentKind::DataStore => {
                summary.applications += 1;
                summary.data_stores += 1;
            }
        }
    }
    summary.boundaries = boundaries.len();
    summary.open_boundaries = boundaries
        .iter()
        .filter(|b| b.status == BoundaryStatus::Open)
        .count();
    summary.attack_paths = paths.len();
    summary.paths_to_cluster_admin = paths
        .iter()
        .filter(|p| p.impact == Impact::Critical)
        .count();
    for t in &threats {
        match t.status {
            Status::Open => summary.threats_open += 1,
            Status::Accepted => summary.threats_accepted += 1,
            Status::Mitigated => summary.threats_mitigated += 1,
        }
    }
    ThreatModel {
        source: options.source.clone(),
        summary,
        components,
        boundaries,
        profiles,
        paths,
        threats,
        connections: input
            .inventory
            .edges
            .iter()
            .map(|e| Connection {
                from: e.from.clone(),
                to: e.to.clone(),
                port: e.port,
                reason: e.reason.clone(),
            })
            .collect(),
        assumptions: facts.assumptions(options),
    }
}

/// The model as pretty JSON (with a final newline).
pub fn json(tm: &ThreatModel) -> String {
    let mut v = Vec::new();
    write_json(tm, &mut v).expect("the threat model serializes");
    String::from_utf8(v).expect("serde_json writes UTF-8")
}

/// [`json`], streamed: a large cluster's model need not be held twice.
pub fn write_json(tm: &ThreatModel, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, tm)?;
    w.write_all(b"\n")
}

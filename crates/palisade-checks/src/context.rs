//! What checks know about the cluster beyond one object: the Pod Security
//! level of each namespace, which service accounts RBAC binds, LimitRange
//! defaults, which pods Services select.

use palisade_model::k8s_openapi::api::core::v1::PodSpec;
use palisade_model::{ContainerRef, Model, Object, PodTemplate, Typed, selector};
use palisade_pss::{Level, LevelVersion, Violation};
use palisade_value::Path;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Shared, precomputed facts about the model.
pub struct Context<'a> {
    pub model: &'a Model,
    /// Level for namespaces without a `pod-security.kubernetes.io/enforce` label.
    pub default_pss: LevelVersion,
    ns_pss: HashMap<String, LevelVersion>,
    /// `(namespace, name)` of service accounts that some binding grants rights to.
    bound_service_accounts: HashSet<(String, String)>,
    /// Namespaces whose every service account is bound through a group.
    bound_namespaces: HashSet<String>,
    all_service_accounts_bound: bool,
    /// Whether the input has any RoleBinding/ClusterRoleBinding at all.
    pub has_rbac: bool,
    limit_defaults: HashMap<String, LimitDefaults>,
    /// The RBAC model (roles with aggregation resolved, bindings).
    pub rbac: palisade_rbac::Rbac,
    /// Bindings that grant `* on *`: reported once, as rbac-cluster-admin.
    pub rbac_admin_bindings: HashSet<usize>,
    /// The network as NetworkPolicies see it.
    pub netpol: palisade_netpol::Network,
    /// Facts about the images (`scan --images`); empty by default.
    pub images: std::sync::Arc<crate::images::Images>,
    /// Service selectors by namespace.
    service_selectors: HashMap<String, Vec<&'a BTreeMap<String, String>>>,
    /// The checks this run runs (`--check`, `--skip`, the configuration);
    /// `None`: all of them.
    pub enabled_checks: Option<HashSet<&'static str>>,
    /// The Kubernetes minor version targeted; `None`: the newest.
    pub kubernetes_minor: Option<u32>,
}

/// Container defaults a namespace's LimitRanges apply.
#[derive(Debug, Default, Clone, Copy)]
pub struct LimitDefaults {
    pub cpu_limit: bool,
    pub memory_limit: bool,
    pub cpu_request: bool,
    pub memory_request: bool,
}

impl<'a> Context<'a> {
    /// Whether check `id` runs in this scan.
    pub fn check_enabled(&self, id: &str) -> bool {
        self.enabled_checks.as_ref().is_none_or(|s| s.contains(id))
    }

    pub fn new(model: &'a Model, default_pss: LevelVersion) -> Self {
        let mut ns_pss = HashMap::new();
        for ns in model.of_kind("Namespace") {
            if let Ok(Some(lv)) = palisade_pss::namespace_policy(&ns.labels, "enforce") {
                ns_pss.insert(ns.name.clone(), lv);
            }
        }
        let mut cx = Context {
            model,
            default_pss,
            ns_pss,
            bound_service_accounts: HashSet::new(),
            bound_namespaces: HashSet::new(),
            all_service_accounts_bound: false,
            has_rbac: false,
            limit_defaults: HashMap::new(),
            service_selectors: HashMap::new(),
            enabled_checks: None,
            kubernetes_minor: None,
            images: Default::default(),
            rbac: palisade_rbac::Rbac::build(model),
            rbac_admin_bindings: HashSet::new(),
            netpol: palisade_netpol::Network::build(model),
        };
        cx.rbac_admin_bindings = palisade_rbac::risks::admin_bindings(&cx.rbac);
        for o in model.of_kind("Service") {
            if let (Typed::Service(svc), Some(ns)) = (&o.typed, &o.namespace)
                && let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref())
                && !sel.is_empty()
            {
                cx.service_selectors
                    .entry(ns.clone())
                    .or_default()
                    .push(sel);
            }
        }
        cx.index_bindings();
        cx.index_limit_ranges();
        cx
    }

    fn index_bindings(&mut self) {
        for o in self.model.objects() {
            let (subjects, binding_ns) = match &o.typed {
                Typed::RoleBinding(b) => (b.subjects.as_deref(), o.namespace.as_deref()),
                Typed::ClusterRoleBinding(b) => (b.subjects.as_deref(), None),
                _ => continue,
            };
            self.has_rbac = true;
            for s in subjects.unwrap_or(&[]) {
                match s.kind.as_str() {
                    "ServiceAccount" => {
                        let ns = s.namespace.as_deref().or(binding_ns).unwrap_or("default");
                        self.bound_service_accounts
                            .insert((ns.to_string(), s.name.clone()));
                    }
                    // The API server binds every service account to its
                    // discovery roles (service-account issuer discovery,
                    // basic user): a token that only grants that has no use.
                    "Group" if s.name == "system:serviceaccounts" && !o.is_bootstrap_rbac() => {
                        self.all_service_accounts_bound = true;
                    }
                    "Group" => {
                        if let Some(ns) = s.name.strip_prefix("system:serviceaccounts:") {
                            self.bound_namespaces.insert(ns.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn index_limit_ranges(&mut self) {
        for o in self.model.of_kind("LimitRange") {
            let Typed::LimitRange(lr) = &o.typed else {
                continue;
            };
            let Some(ns) = &o.namespace else { continue };
            let d = self.limit_defaults.entry(ns.clone()).or_default();
            for item in lr.spec.iter().flat_map(|s| s.limits.iter()) {
                if item.type_ != "Container" {
                    continue;
                }
                // as the API server stores it: max and min fill the defaults
                let item = palisade_model::defaults::limit_range_item(item);
                let has = |m: &Option<BTreeMap<String, _>>, k: &str| {
                    m.as_ref().is_some_and(|m| m.contains_key(k))
                };
                d.cpu_limit |= has(&item.default, "cpu");
                d.memory_limit |= has(&item.default, "memory");
                d.cpu_request |= has(&item.default_request, "cpu");
                d.memory_request |= has(&item.default_request, "memory");
            }
        }
    }

    /// The Pod Security level `scan` holds a namespace to: its
    /// `pod-security.kubernetes.io/enforce` label, else the default.
    pub fn pss_policy(&self, namespace: Option<&str>) -> (LevelVersion, bool) {
        match namespace.and_then(|ns| self.ns_pss.get(ns)) {
            Some(lv) => (*lv, true),
            None => (self.default_pss, false),
        }
    }

    /// Whether some RoleBinding/ClusterRoleBinding in the input grants the
    /// service account anything.
    pub fn service_account_is_bound(&self, namespace: &str, name: &str) -> bool {
        self.all_service_accounts_bound
            || self.bound_namespaces.contains(namespace)
            || self
                .bound_service_accounts
                .contains(&(namespace.to_string(), name.to_string()))
    }

    pub fn limit_defaults(&self, namespace: Option<&str>) -> LimitDefaults {
        namespace
            .and_then(|ns| self.limit_defaults.get(ns))
            .copied()
            .unwrap_or_default()
    }

    /// Whether a Service in the workload's namespace selects its pods.
    pub fn selected_by_service(&self, w: &Workload<'_>) -> bool {
        let Some(labels) = w.template.labels() else {
            return false;
        };
        let Some(ns) = &w.object.namespace else {
            return false;
        };
        self.service_selectors
            .get(ns)
            .is_some_and(|sels| sels.iter().any(|sel| selector::matches_map(sel, labels)))
    }

    /// Builds the workload view, evaluating Pod Security once.
    pub fn workload(&self, object: &'a Object, template: PodTemplate<'a>) -> Workload<'a> {
        let (pss_policy, pss_explicit) = self.pss_policy(object.namespace.as_deref());
        let pss = palisade_pss::evaluate(pss_policy, template.meta, template.spec);
        Workload {
            object,
            template,
            containers: template.containers(),
            pss_policy,
            pss_explicit,
            pss,
        }
    }
}

/// A workload under analysis: the object, its pod template, and the Pod
/// Security evaluation at its namespace's level.
pub struct Workload<'a> {
    pub object: &'a Object,
    pub template: PodTemplate<'a>,
    pub containers: Vec<ContainerRef<'a>>,
    pub pss_policy: LevelVersion,
    /// Whether the level comes from the namespace's label (not the default).
    pub pss_explicit: bool,
    pub pss: Vec<Violation>,
}

impl Workload<'_> {
    pub fn spec(&self) -> &PodSpec {
        self.template.spec
    }

    /// Path of the pod spec inside the object.
    pub fn spec_path(&self) -> Path {
        self.template.spec_field()
    }

    /// Path of a container inside the object.
    pub fn container_path(&self, c: &ContainerRef<'_>) -> Path {
        self.spec_path().join(&c.path())
    }

    /// Path of a container's `securityContext.<field…>` inside the object.
    pub fn container_sc_path(&self, c: &ContainerRef<'_>, fields: &[&str]) -> Path {
        let mut p = self.container_path(c).key("securityContext");
        for f in fields {
            p = p.key(*f);
        }
        p
    }

    /// Path of the pod's `securityContext.<field…>` inside the object.
    pub fn pod_sc_path(&self, fields: &[&str]) -> Path {
        let mut p = self.spec_path().key("securityContext");
        for f in fields {
            p = p.key(*f);
        }
        p
    }

    /// Maps a path in pod coordinates (`spec.…`, `metadata.…`, as the Pod
    /// Security checks report them) into the object.
    pub fn pod_path(&self, p: &Path) -> Path {
        use palisade_value::Seg;
        let segs = p.segments();
        let (root, rest) = match segs.first() {
            Some(Seg::Key(k)) if k == "spec" => (self.template.spec_field(), &segs[1..]),
            Some(Seg::Key(k)) if k == "metadata" => (self.template.meta_field(), &segs[1..]),
            _ => (Path::root(), segs),
        };
        root.join(&Path::from(rest.to_vec()))
    }

    /// Whether Pod Security (at the namespace's level) already reported one
    /// of these upstream checks for this workload.
    pub fn pss_reported(&self, ids: &[&str]) -> bool {
        self.pss
            .iter()
            .any(|v| v.overridden_by.is_none() && ids.contains(&v.check))
    }

    /// Whether the namespace is explicitly labelled `enforce: privileged`.
    pub fn privileged_namespace(&self) -> bool {
        self.pss_explicit && self.pss_policy.level == Level::Privileged
    }

    /// A hardening check that restates a Pod Security control stays quiet
    /// when the control already reported the workload, and in namespaces
    /// explicitly labelled privileged.
    pub fn covered_by_pss(&self, ids: &[&str]) -> bool {
        self.privileged_namespace() || self.pss_reported(ids)
    }

    pub fn namespace(&self) -> Option<&str> {
        self.object.namespace.as_deref()
    }

    /// `spec.serviceAccountName` (`default` when unset).
    pub fn service_account(&self) -> &str {
        self.template
            .spec
            .service_account_name
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }
}

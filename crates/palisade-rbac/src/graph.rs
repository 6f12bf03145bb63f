//! The RBAC model of a cluster: roles with their effective (aggregated)
//! rules, bindings resolved to roles and subjects.

use crate::rule::Rule;
use crate::subject::Subject;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use palisade_model::{Location, Model, Object, ObjectRef, Typed, selector};
use palisade_value::Path;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, LazyLock};

/// Namespaces whose service accounts and secrets control the cluster.
pub const PRIVILEGED_NAMESPACES: &[&str] = &["kube-system"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// Where a role came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The input (a file or the cluster).
    Input,
    /// The default roles every cluster has (not in the input).
    Bootstrap,
}

/// A rule as a role holds it, and which role wrote it.
#[derive(Debug, Clone)]
pub struct EffectiveRule {
    pub rule: Rule,
    /// Index of the role whose `rules` list holds it (itself, or an
    /// aggregated ClusterRole).
    pub source: usize,
    /// Position in the source's `rules`.
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct RoleDef {
    pub kind: RoleKind,
    pub namespace: Option<String>,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub origin: Origin,
    pub reference: Arc<ObjectRef>,
    pub location: Location,
    /// Rules as written, with the location of each.
    pub own_rules: Vec<(Rule, Location)>,
    /// The `rules` list as written (for the line of a field of a rule).
    rules_node: Option<palisade_value::Node>,
    pub aggregation: Option<Vec<LabelSelector>>,
    /// Effective rules (aggregated for ClusterRoles with an aggregationRule).
    pub rules: Vec<EffectiveRule>,
}

impl RoleDef {
    /// The location of a field of rule `i` (`verbs`, `resources`, …), or of
    /// the rule when the field is absent.
    pub fn rule_field(&self, i: usize, field: &str) -> Location {
        let fallback = self
            .own_rules
            .get(i)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| self.location.clone());
        match self
            .rules_node
            .as_ref()
            .and_then(|n| n.at(&Path::root().index(i).key(field)))
        {
            Some(n) if n.line > 0 => Location::new(self.location.file.clone(), n.line, n.column),
            _ => fallback,
        }
    }

    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("Role {ns}/{}", self.name),
            None => format!("ClusterRole {}", self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindingKind {
    RoleBinding,
    ClusterRoleBinding,
}

/// A binding with its role resolved.
#[derive(Debug, Clone)]
pub struct BindingDef {
    pub kind: BindingKind,
    /// The namespace of a RoleBinding (where it grants).
    pub namespace: Option<String>,
    pub name: String,
    pub role_kind: String,
    pub role_name: String,
    /// Index into [`Rbac::roles`]; `None` when the role is missing.
    pub role: Option<usize>,
    pub subjects: Vec<BoundSubject>,
    pub reference: Arc<ObjectRef>,
    pub location: Location,
    /// The `roleRef` line.
    pub role_ref_location: Location,
}

impl BindingDef {
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("RoleBinding {ns}/{}", self.name),
            None => format!("ClusterRoleBinding {}", self.name),
        }
    }

    /// Where the binding grants: `None` = every namespace and the cluster.
    pub fn scope(&self) -> Option<&str> {
        match self.kind {
            BindingKind::ClusterRoleBinding => None,
            BindingKind::RoleBinding => self.namespace.as_deref(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BoundSubject {
    pub subject: Subject,
    pub location: Location,
    /// A service-account subject written without a namespace.
    pub namespace_missing: bool,
}

/// A problem found while building the graph.
#[derive(Debug, Clone)]
pub struct GraphProblem {
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub path: Path,
    pub message: String,
}

/// The RBAC model.
#[derive(Debug, Default)]
pub struct Rbac {
    pub roles: Vec<RoleDef>,
    pub bindings: Vec<BindingDef>,
    role_index: HashMap<(RoleKind, Option<String>, String), usize>,
    pub problems: Vec<GraphProblem>,
}

static BOOTSTRAP: LazyLock<Vec<Object>> = LazyLock::new(|| {
    let text = include_str!("bootstrap.yaml");
    let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    let file: Arc<str> = Arc::from("<kubernetes default roles>");
    stream
        .documents
        .into_iter()
        .flat_map(|d| palisade_model::objects_from_document(d.root, &file, &Default::default()))
        .map(|r| r.expect("bootstrap roles are valid"))
        .collect()
});

fn rules_of(
    o: &Object,
    rules: Option<&Vec<k8s_openapi::api::rbac::v1::PolicyRule>>,
) -> Vec<(Rule, Location)> {
    rules
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| (Rule::from(r), o.locate(&Path::root().key("rules").index(i))))
        .collect()
}

impl Rbac {
    /// Builds the RBAC model of `model`, adding the default ClusterRoles the
    /// input does not define, and computes aggregation to a fixpoint.
    pub fn build(model: &Model) -> Rbac {
        let mut rbac = Rbac::default();
        let add_role = |o: &Object, origin: Origin, rbac: &mut Rbac| {
            let (kind, rules, aggregation) = match &o.typed {
                Typed::Role(r) => (RoleKind::Role, rules_of(o, r.rules.as_ref()), None),
                Typed::ClusterRole(r) => (
                    RoleKind::ClusterRole,
                    rules_of(o, r.rules.as_ref()),
                    r.aggregation_rule
                        .as_ref()
                        .map(|a| a.cluster_role_selectors.clone().unwrap_or_default()),
                ),
                _ => return,
            };
            let key = (kind, o.namespace.clone(), o.name.clone());
            if rbac.role_index.contains_key(&key) {
                return;
            }
            rbac.role_index.insert(key, rbac.roles.len());
            rbac.roles.push(RoleDef {
                kind,
                namespace: o.namespace.clone(),
                name: o.name.clone(),
                labels: o.labels.clone(),
                origin,
                reference: o.reference.clone(),
                location: o.location.clone(),
                own_rules: rules,
                rules_node: o.raw.get("rules").cloned(),
                aggregation,
                rules: Vec::new(),
            });
        };
        for o in model.of_kind("Role").chain(model.of_kind("ClusterRole")) {
            add_role(o, Origin::Input, &mut rbac);
        }
        for o in BOOTSTRAP.iter() {
            add_role(o, Origin::Bootstrap, &mut rbac);
        }
        rbac.aggregate();
        for o in model
            .of_kind("RoleBinding")
            .chain(model.of_kind("ClusterRoleBinding"))
        {
            rbac.add_binding(o);
        }
        rbac
    }

    fn aggregate(&mut self) {
        for (i, r) in self.roles.iter_mut().enumerate() {
            if r.aggregation.is_none() {
                r.rules = r
                    .own_rules
                    .iter()
                    .enumerate()
                    .map(|(k, (rule, _))| EffectiveRule {
                        rule: rule.clone(),
                        source: i,
                        index: k,
                    })
                    .collect();
            }
        }
        // the aggregation controller reconciles until nothing changes
        for _ in 0..=self.roles.len() {
            let mut changed = false;
            for i in 0..self.roles.len() {
                let Some(selectors) = self.roles[i].aggregation.clone() else {
                    continue;
                };
                let mut seen: HashSet<(usize, usize)> = self.roles[i]
                    .rules
                    .iter()
                    .map(|r| (r.source, r.index))
                    .collect();
                let mut add = Vec::new();
                for (j, other) in self.roles.iter().enumerate() {
                    if j == i || other.kind != RoleKind::ClusterRole {
                        continue;
                    }
                    if selectors
                        .iter()
                        .any(|s| selector::matches(s, &other.labels))
                    {
                        for r in &other.rules {
                            if seen.insert((r.source, r.index)) {
                                add.push(r.clone());
                            }
                        }
                    }
                }
                if !add.is_empty() {
                    changed = true;
                    self.roles[i].rules.extend(add);
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn add_binding(&mut self, o: &Object) {
        let (kind, role_ref, subjects) = match &o.typed {
            Typed::RoleBinding(b) => (BindingKind::RoleBinding, &b.role_ref, b.subjects.as_deref()),
            Typed::ClusterRoleBinding(b) => (
                BindingKind::ClusterRoleBinding,
                &b.role_ref,
                b.subjects.as_deref(),
            ),
            _ => return,
        };
        let namespace = match kind {
            BindingKind::RoleBinding => o.namespace.clone(),
            BindingKind::ClusterRoleBinding => None,
        };
        let role_ref_path = Path::root().key("roleRef");
        let role = match role_ref.kind.as_str() {
            "ClusterRole" => self
                .role_index
                .get(&(RoleKind::ClusterRole, None, role_ref.name.clone()))
                .copied(),
            "Role" if kind == BindingKind::RoleBinding => self
                .role_index
                .get(&(RoleKind::Role, namespace.clone(), role_ref.name.clone()))
                .copied(),
            other => {
                self.problems.push(GraphProblem {
                    object: o.reference.clone(),
                    location: o.locate(&role_ref_path.clone().key("kind")),
                    path: role_ref_path.clone().key("kind"),
                    message: format!(
                        "{} {} refers to a {other:?}; a {} can only refer to {}",
                        o.kind,
                        o.display_name(),
                        o.kind,
                        if kind == BindingKind::RoleBinding {
                            "a Role or a ClusterRole"
                        } else {
                            "a ClusterRole"
                        }
                    ),
                });
                None
            }
        };
        let mut bound = Vec::new();
        for (i, s) in subjects.unwrap_or(&[]).iter().enumerate() {
            let location = o.locate(&Path::root().key("subjects").index(i));
            let (subject, namespace_missing) = match s.kind.as_str() {
                "User" => (Subject::User(s.name.clone()), false),
                "Group" => (Subject::Group(s.name.clone()), false),
                "ServiceAccount" => {
                    let written = s.namespace.clone().filter(|n| !n.is_empty());
                    let missing = written.is_none();
                    let ns = written.or_else(|| namespace.clone()).unwrap_or_default();
                    (
                        Subject::ServiceAccount {
                            namespace: ns,
                            name: s.name.clone(),
                        },
                        missing,
                    )
                }
                other => {
                    self.problems.push(GraphProblem {
                        object: o.reference.clone(),
                        location: location.clone(),
                        path: Path::root().key("subjects").index(i).key("kind"),
                        message: format!(
                            "subject kind {other:?} is not User, Group or ServiceAccount"
                        ),
                    });
                    continue;
                }
            };
            bound.push(BoundSubject {
                subject,
                location,
                namespace_missing,
            });
        }
        self.bindings.push(BindingDef {
            kind,
            namespace,
            name: o.name.clone(),
            role_kind: role_ref.kind.clone(),
            role_name: role_ref.name.clone(),
            role,
            subjects: bound,
            reference: o.reference.clone(),
            location: o.location.clone(),
            role_ref_location: o.locate(&role_ref_path),
        });
    }

    pub fn role(&self, kind: RoleKind, namespace: Option<&str>, name: &str) -> Option<&RoleDef> {
        self.role_index
            .get(&(kind, namespace.map(str::to_string), name.to_string()))
            .map(|&i| &self.roles[i])
    }

    /// Whether the binding's role is missing from the input (and is not a
    /// built-in `system:` role palisade does not model).
    pub fn is_missing(&self, b: &BindingDef) -> bool {
        b.role.is_none()
            && !b.role_name.starts_with("system:")
            && matches!(b.role_kind.as_str(), "Role" | "ClusterRole")
    }

    /// The role a binding grants, when it exists.
    pub fn role_of(&self, b: &BindingDef) -> Option<&RoleDef> {
        b.role.map(|i| &self.roles[i])
    }

    /// Where an effective rule is written: the role that holds it, and its location.
    pub fn rule_source(&self, r: &EffectiveRule) -> (&RoleDef, Option<&Location>) {
        let src = &self.roles[r.source];
        (src, src.own_rules.get(r.index).map(|(_, l)| l))
    }

    /// The identities the bindings name: user names (service accounts as
    /// `system:serviceaccount:NS:NAME`) and groups, each once, sorted.
    pub fn named_identities(&self) -> (Vec<String>, Vec<String>) {
        let (mut users, mut groups) = (Vec::new(), Vec::new());
        for s in self.subjects() {
            match s {
                Subject::Group(g) => groups.push(g.clone()),
                other => users.extend(other.username()),
            }
        }
        (users, groups)
    }

    /// Every distinct subject of every binding.
    pub fn subjects(&self) -> Vec<&Subject> {
        let mut v: Vec<&Subject> = self
            .bindings
            .iter()
            .flat_map(|b| b.subjects.iter().map(|s| &s.subject))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

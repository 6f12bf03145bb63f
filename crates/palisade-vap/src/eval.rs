//! Policies evaluated offline, as the API server evaluates them on create:
//! the binding's and policy's match (resource rules, namespace and object
//! selectors, match conditions), the parameters, the variables in order,
//! then every validation. A validation that is false, or cannot be
//! evaluated under `failurePolicy: Fail`, is a [`Decision`] with the
//! binding's actions.

use crate::cost;
use crate::expr::{Scope, as_message};
use crate::policy::{
    Action, Binding, FailurePolicy, Match, Policy, PolicySet, ResourceRule, Validation,
};
use palisade_findings::{CheckMeta, Finding, Severity};
use palisade_model::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use palisade_model::selector::matches;
use palisade_model::{Location, Model, Object};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the API server is asked to admit.
#[derive(Debug, Clone)]
pub struct Review {
    pub object: Json,
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural resource (`pods`, `deployments`).
    pub resource: String,
    pub name: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The labels of the object's Namespace.
    pub namespace_labels: BTreeMap<String, String>,
    /// The Namespace object, when known.
    pub namespace_object: Option<Json>,
}

impl Review {
    /// A create of `object` (JSON with `apiVersion`, `kind`, `metadata`).
    pub fn create(object: Json, namespace_labels: BTreeMap<String, String>) -> Review {
        let api_version = object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or("");
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let kind = object
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let meta = object.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Json::as_str)
            .map(str::to_string);
        Review {
            resource: resource_of(&kind),
            object,
            group,
            version,
            kind,
            name,
            namespace,
            namespace_labels,
            namespace_object: None,
        }
    }
}

/// The plural resource of a kind (`NetworkPolicy` → `networkpolicies`):
/// kubectl's name for a built-in kind, else the kind made plural as
/// kubectl would a custom resource.
pub fn resource_of(kind: &str) -> String {
    if let Some(r) = palisade_rbac::resources::resolve(kind) {
        return r.to_string();
    }
    let k = kind.to_ascii_lowercase();
    if let Some(stem) = k
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if k.ends_with('s') || k.ends_with("ch") || k.ends_with('x') {
        format!("{k}es")
    } else {
        format!("{k}s")
    }
}

/// One failed validation of one binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub policy: String,
    pub binding: String,
    /// Index of the validation in the policy.
    pub validation: usize,
    pub actions: Vec<Action>,
    pub message: String,
    /// Where the validation's expression is written.
    pub location: Location,
}

/// Finds parameter objects: `(apiVersion, kind, namespace, name, selector)`.
pub type Params<'a> =
    dyn Fn(&str, &str, Option<&str>, Option<&str>, Option<&LabelSelector>) -> Vec<Json> + 'a;

/// Whether `o` is the parameter a `paramRef` names: of `(api_version,
/// kind)`, in `ns` (any when `None`), named `name` or matching `selector`.
fn is_param(
    o: &Object,
    api_version: &str,
    ns: Option<&str>,
    name: Option<&str>,
    selector: Option<&LabelSelector>,
) -> bool {
    o.api_version == api_version
        && (ns.is_none() || o.namespace.as_deref() == ns)
        && name.is_none_or(|n| o.name == n)
        && selector.is_none_or(|s| matches(s, &o.labels))
}

/// Parameters looked up among `objects` (a policy file, a test's objects).
pub fn params_among(
    objects: &[Object],
) -> impl Fn(&str, &str, Option<&str>, Option<&str>, Option<&LabelSelector>) -> Vec<Json> + '_ {
    move |api_version, kind, ns, name, selector| {
        objects
            .iter()
            .filter(|o| o.kind == kind && is_param(o, api_version, ns, name, selector))
            .map(Object::admitted_json)
            .collect()
    }
}

fn rule_matches(r: &ResourceRule, review: &Review, operation: &str) -> bool {
    let any = |list: &[String], v: &str| list.iter().any(|x| x == "*" || x == v);
    any(&r.api_groups, &review.group)
        && any(&r.api_versions, &review.version)
        && r.resources
            .iter()
            .any(|x| x == "*" || x == "*/*" || *x == review.resource)
        && any(&r.operations, operation)
        && (r.resource_names.is_empty() || r.resource_names.contains(&review.name))
}

fn match_applies(
    m: &Match,
    review: &Review,
    labels: &BTreeMap<String, String>,
    rules_required: bool,
) -> bool {
    if (rules_required || !m.rules.is_empty())
        && !m.rules.iter().any(|r| rule_matches(r, review, "CREATE"))
    {
        return false;
    }
    if m.exclude.iter().any(|r| rule_matches(r, review, "CREATE")) {
        return false;
    }
    if review.namespace.is_some()
        && let Some(s) = &m.namespace_selector
        && !matches(s, &review.namespace_labels)
    {
        return false;
    }
    if let Some(s) = &m.object_selector
        && !matches(s, labels)
    {
        return false;
    }
    true
}

fn labels_of(object: &Json) -> BTreeMap<String, String> {
    object
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

impl PolicySet {
    /// Every decision on `review`.
    pub fn review(&self, review: &Review, params: &Params<'_>) -> Vec<Decision> {
        let labels = labels_of(&review.object);
        let mut out = Vec::new();
        for b in &self.bindings {
            let Some(p) = self.policies.iter().find(|p| p.name == b.policy) else {
                continue;
            };
            if !match_applies(&p.constraints, review, &labels, true) {
                continue;
            }
            if let Some(m) = &b.resources
                && !match_applies(m, review, &labels, false)
            {
                continue;
            }
            out.extend(evaluate_binding(p, b, review, params));
        }
        out
    }
}

fn evaluate_binding(
    p: &Policy,
    b: &Binding,
    review: &Review,
    params: &Params<'_>,
) -> Vec<Decision> {
    let decision = |validation: usize, message: String, location: &Location| Decision {
        policy: p.name.clone(),
        binding: b.name.clone(),
        validation,
        actions: b.actions.clone(),
        message,
        location: location.clone(),
    };
    // parameters: one evaluation per parameter object
    let param_objects: Vec<Json> = match (&p.param_kind, &b.param_ref) {
        (Some((api_version, kind)), Some(r)) => {
            let ns = r.namespace.as_deref().or(review.namespace.as_deref());
            let found = params(
                api_version,
                kind,
                ns,
                r.name.as_deref(),
                r.selector.as_ref(),
            );
            if found.is_empty() {
                if r.allow_if_missing {
                    return Vec::new();
                }
                return vec![decision(
                    0,
                    format!(
                        "failed to configure binding: no params found for {kind} {}",
                        r.name.as_deref().unwrap_or("(selector)")
                    ),
                    &p.location,
                )];
            }
            found
        }
        _ => vec![Json::Null],
    };
    let mut out = Vec::new();
    for param in &param_objects {
        let mut scope = Scope::default();
        scope.set("object", &review.object);
        scope.set("oldObject", &Json::Null);
        scope.set("params", param);
        scope.set(
            "namespaceObject",
            review.namespace_object.as_ref().unwrap_or(&match &review.namespace {
                Some(ns) => json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": review.namespace_labels}}),
                None => Json::Null,
            }),
        );
        scope.set(
            "request",
            &json!({
                "operation": "CREATE",
                "kind": {"group": review.group, "version": review.version, "kind": review.kind},
                "resource": {"group": review.group, "version": review.version, "resource": review.resource},
                "name": review.name,
                "namespace": review.namespace.clone().unwrap_or_default(),
                "userInfo": {},
                "dryRun": false,
            }),
        );
        let fail = p.failure_policy == FailurePolicy::Fail;
        // match conditions: all true, or the policy does not apply
        let mut applies = true;
        for c in &p.conditions {
            match c.expr.eval_bool(&scope) {
                Ok(true) => {}
                Ok(false) => {
                    applies = false;
                    break;
                }
                Err(e) => {
                    if fail {
                        out.push(decision(
                            0,
                            format!("matchCondition {:?}: {e}", c.name),
                            &p.location,
                        ));
                    }
                    applies = false;
                    break;
                }
            }
        }
        if !applies {
            continue;
        }
        let vars = Variables::evaluate(p, &mut scope);
        let mut spent = 0u64;
        let mut charged: HashSet<&str> = HashSet::new();
        for (i, v) in p.validations.iter().enumerate() {
            let (result, c, added) = vars.validate(v, &scope, &mut charged);
            spent = spent.saturating_add(added);
            if spent > cost::BUDGET {
                if fail {
                    out.push(decision(
                        i,
                        format!(
                            "{} (on this object the validations cost over the API server's budget of {} per binding)",
                            cost::OUT_OF_BUDGET,
                            cost::BUDGET
                        ),
                        &v.location,
                    ));
                }
                break;
            }
            let result = result.and_then(|value| match value {
                cel::Value::Bool(b) => Ok(b),
                _ => Err("expected a bool".to_string()),
            });
            match result {
                Ok(true) => {}
                Ok(false) => {
                    let message = v
                        .message_expression
                        .as_ref()
                        .and_then(|m| m.eval(&scope).ok())
                        .as_ref()
                        .and_then(as_message)
                        .filter(|m| !m.trim().is_empty())
                        .or_else(|| v.message.clone())
                        .unwrap_or_else(|| format!("failed expression: {}", v.expr.source));
                    out.push(decision(i, message, &v.location));
                }
                Err(e) => {
                    if fail {
                        let why = vars
                            .broken
                            .iter()
                            .find(|(name, _)| v.expr.source.contains(&format!("variables.{name}")))
                            .map(|(name, err)| format!("variable {name:?}: {err}"))
                            .unwrap_or(e);
                        let why = if c.exceeded {
                            format!(
                                "{why} (on this object it costs over the API server's limit of {} per expression: iterate over fewer elements, e.g. look a key up instead of nesting all())",
                                cost::PER_CALL_LIMIT
                            )
                        } else {
                            why
                        };
                        out.push(decision(
                            i,
                            format!("expression could not be evaluated: {why}"),
                            &v.location,
                        ));
                    }
                }
            }
        }
    }
    out
}

/// A policy's variables evaluated on one object: their values go into the
/// scope; their costs are charged when an expression first reads them.
struct Variables<'p> {
    types: HashMap<String, cost::Ty>,
    costs: HashMap<&'p str, cost::Cost>,
    /// Variables that could not be evaluated, with the error.
    broken: HashMap<&'p str, String>,
}

impl<'p> Variables<'p> {
    fn evaluate(p: &'p Policy, scope: &mut Scope) -> Variables<'p> {
        let mut vars = Variables {
            types: HashMap::new(),
            costs: HashMap::new(),
            broken: HashMap::new(),
        };
        for v in &p.variables {
            let (value, c) = v.expr.eval_costed(scope, &vars.types);
            vars.types
                .insert(v.name.clone(), v.expr.type_of(&vars.types));
            match value {
                Ok(value) => scope.set_variable(&v.name, value),
                Err(e) => {
                    vars.broken.insert(&v.name, e);
                }
            }
            vars.costs.insert(&v.name, c);
        }
        vars
    }

    /// Evaluates one validation: its result, its cost, and what it adds to
    /// the binding's spending (its own cost and the variables it reads
    /// first).
    fn validate(
        &self,
        v: &Validation,
        scope: &Scope,
        charged: &mut HashSet<&'p str>,
    ) -> (Result<cel::Value, String>, cost::Cost, u64) {
        let (result, c) = v.expr.eval_costed(scope, &self.types);
        let added = c.own.saturating_add(self.charge(&c.variables, charged));
        (result, c, added)
    }

    /// The cost of the variables in `read` not yet `charged` (and of those
    /// they read), marking them charged: each costs once per evaluation.
    fn charge(&self, read: &[String], charged: &mut HashSet<&'p str>) -> u64 {
        let mut total = 0u64;
        for name in read {
            let Some((key, c)) = self.costs.get_key_value(name.as_str()) else {
                continue;
            };
            if charged.insert(key) {
                total = total
                    .saturating_add(c.own)
                    .saturating_add(self.charge(&c.variables, charged));
            }
        }
        total
    }
}

/// What one evaluation of a policy's validations costs the API server.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyCost {
    /// All the validations and the variables they read, as one binding's
    /// evaluation is charged against [`cost::BUDGET`].
    pub total: u64,
    /// Each validation evaluated by itself (with the variables it reads).
    pub alone: Vec<u64>,
    /// Whether any expression went over [`cost::PER_CALL_LIMIT`].
    pub exceeded: bool,
}

impl Policy {
    /// What evaluating the validations on `object` with `params` costs the
    /// API server (the binding's match conditions not included).
    pub fn cost(&self, object: &Json, params: &Json) -> PolicyCost {
        let mut scope = Scope::default();
        scope.set("object", object);
        scope.set("oldObject", &Json::Null);
        scope.set("params", params);
        let vars = Variables::evaluate(self, &mut scope);
        let mut exceeded = vars.costs.values().any(|c| c.exceeded);
        let mut total = 0u64;
        let mut charged = HashSet::new();
        let mut alone = Vec::new();
        for v in &self.validations {
            let (_, c, added) = vars.validate(v, &scope, &mut charged);
            exceeded |= c.exceeded;
            total = total.saturating_add(added);
            alone.push(
                c.own
                    .saturating_add(vars.charge(&c.variables, &mut HashSet::new())),
            );
        }
        PolicyCost {
            total,
            alone,
            exceeded,
        }
    }
}

/// The rule a policy's decisions are reported under: `vap/<policy>`,
/// severity from the strongest action (Deny high, Warn medium, Audit low).
fn meta(policy: &str, action: Action) -> &'static CheckMeta {
    palisade_findings::runtime_meta(format!("vap/{policy}/{}", action.as_str()), |leak| {
        CheckMeta {
            id: leak(format!("vap/{policy}")),
            title: leak(format!(
                "ValidatingAdmissionPolicy {policy:?} ({})",
                action.as_str()
            )),
            severity: match action {
                Action::Deny => Severity::High,
                Action::Warn => Severity::Medium,
                Action::Audit => Severity::Low,
            },
            action: 9,
            category: "admission",
            frameworks: &[],
            risk: leak(format!(
                "The API server evaluates the ValidatingAdmissionPolicy {policy:?} on this object; with a {} binding, applying it would be refused (Deny), warned about (Warn) or recorded (Audit).",
                action.as_str()
            )),
            fix: "Change the object as the validation's message says, or exclude it in the binding's `matchResources`.",
        }
    })
}

/// The objects of `model` reviewed as creates against `set` (policies,
/// bindings and their parameters come from the model too), as findings.
pub fn findings(set: &PolicySet, model: &Model) -> Vec<Finding> {
    findings_where(set, model, &|_| true)
}

/// `set` (read from `policy_objects`, which also hold its parameters)
/// evaluated on `objects`, as findings on those objects.
pub fn apply(set: &PolicySet, policy_objects: &[Object], objects: &[Object]) -> Vec<Finding> {
    if set.is_empty() {
        return Vec::new();
    }
    let policy_files: std::collections::HashSet<&str> =
        policy_objects.iter().map(|o| &*o.location.file).collect();
    let mut all = objects.to_vec();
    all.extend(policy_objects.iter().cloned());
    let model = Model::new(all);
    findings_where(set, &model, &|o| !policy_files.contains(&*o.location.file))
}

/// [`findings`] on the objects `include` picks.
pub fn findings_where(
    set: &PolicySet,
    model: &Model,
    include: &dyn Fn(&Object) -> bool,
) -> Vec<Finding> {
    let params = |api_version: &str,
                  kind: &str,
                  ns: Option<&str>,
                  name: Option<&str>,
                  sel: Option<&LabelSelector>|
     -> Vec<Json> {
        model
            .of_kind(kind)
            .filter(|o| is_param(o, api_version, ns, name, sel))
            .map(Object::admitted_json)
            .collect()
    };
    let mut out = Vec::new();
    for o in model.objects().iter().filter(|o| include(o)) {
        if o.group() == crate::policy::GROUP && o.kind.starts_with("ValidatingAdmissionPolicy") {
            continue;
        }
        let mut review = Review::create(o.admitted_json(), BTreeMap::new());
        if let Some(ns) = &o.namespace {
            match model.namespace_object(ns) {
                Some(n) => {
                    review.namespace_labels = n.labels.clone();
                    review.namespace_object = Some(n.admitted_json());
                }
                None => {
                    review
                        .namespace_labels
                        .insert("kubernetes.io/metadata.name".into(), ns.clone());
                }
            }
            review
                .namespace_labels
                .entry("kubernetes.io/metadata.name".into())
                .or_insert_with(|| ns.clone());
        }
        for d in set.review(&review, &params) {
            let strongest = d.actions.iter().min().copied().unwrap_or(Action::Audit);
            let check = meta(&d.policy, strongest);
            out.push(Finding {
                check,
                severity: check.severity,
                object: o.reference.clone(),
                location: o.location.clone(),
                path: None,
                message: format!(
                    "{} (binding {}, {})",
                    d.message,
                    d.binding,
                    actions(&d.actions)
                ),
                fix: check.fix.into(),
                autofix: None,
                cause: None,
                related: Vec::new(),
            });
        }
    }
    out
}

fn actions(a: &[Action]) -> String {
    a.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
}

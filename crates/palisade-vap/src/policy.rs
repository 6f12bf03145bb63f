//! ValidatingAdmissionPolicies and ValidatingAdmissionPolicyBindings
//! (`admissionregistration.k8s.io/v1`) read from manifests, every
//! expression compiled. A policy with an expression that does not compile
//! is an input error naming the file and line of that expression; the
//! other policies are still read.

use crate::cost::Ty;
use crate::expr::Expr;
use palisade_findings::InputError;
use palisade_model::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use palisade_model::{Location, Object, ObjectRef};
use palisade_value::Path;
use serde_json::Value as Json;
use std::sync::Arc;

pub const GROUP: &str = "admissionregistration.k8s.io";

/// What happens when an expression cannot be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    Fail,
    Ignore,
}

/// A binding's `validationActions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Deny,
    Warn,
    Audit,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "Deny",
            Action::Warn => "Warn",
            Action::Audit => "Audit",
        }
    }
}

/// One `resourceRules` entry.
#[derive(Debug, Clone, Default)]
pub struct ResourceRule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<String>,
    pub resource_names: Vec<String>,
}

/// `matchConstraints` / `matchResources`.
#[derive(Debug, Clone, Default)]
pub struct Match {
    pub namespace_selector: Option<LabelSelector>,
    pub object_selector: Option<LabelSelector>,
    pub rules: Vec<ResourceRule>,
    pub exclude: Vec<ResourceRule>,
}

/// A named expression (`matchConditions`, `variables`).
#[derive(Debug)]
pub struct Named {
    pub name: String,
    pub expr: Expr,
}

/// One validation.
#[derive(Debug)]
pub struct Validation {
    pub expr: Expr,
    pub message: Option<String>,
    pub message_expression: Option<Expr>,
    pub reason: Option<String>,
    /// Where the expression is written.
    pub location: Location,
}

/// A ValidatingAdmissionPolicy.
#[derive(Debug)]
pub struct Policy {
    pub name: String,
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub failure_policy: FailurePolicy,
    /// `(apiVersion, kind)` of its parameters.
    pub param_kind: Option<(String, String)>,
    pub constraints: Match,
    pub conditions: Vec<Named>,
    pub variables: Vec<Named>,
    pub validations: Vec<Validation>,
}

/// `paramRef`.
#[derive(Debug, Clone)]
pub struct ParamRef {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub selector: Option<LabelSelector>,
    /// `parameterNotFoundAction: Allow` (default `Deny`).
    pub allow_if_missing: bool,
}

/// A ValidatingAdmissionPolicyBinding.
#[derive(Debug)]
pub struct Binding {
    pub name: String,
    pub policy: String,
    pub param_ref: Option<ParamRef>,
    pub resources: Option<Match>,
    pub actions: Vec<Action>,
}

/// Policies and bindings of a set of objects.
#[derive(Debug, Default)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    pub bindings: Vec<Binding>,
}

impl PolicySet {
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Reads the policies and bindings among `objects`; the errors name the
    /// file and line of what could not be read.
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a Object>,
    ) -> (PolicySet, Vec<InputError>) {
        let mut set = PolicySet::default();
        let mut errors = Vec::new();
        for o in objects {
            if o.group() != GROUP {
                continue;
            }
            match o.kind.as_str() {
                "ValidatingAdmissionPolicy" => match read_policy(o) {
                    Ok(p) => set.policies.push(p),
                    Err(e) => errors.extend(e),
                },
                "ValidatingAdmissionPolicyBinding" => match read_binding(o) {
                    Ok(b) => set.bindings.push(b),
                    Err(e) => errors.push(e),
                },
                _ => {}
            }
        }
        (set, errors)
    }
}

fn error(o: &Object, path: &Path, message: String) -> InputError {
    let at = o.locate(path);
    InputError {
        file: o.location.file.to_string(),
        line: at.line,
        column: at.column,
        message: format!("{} {}: {message}", o.kind, o.name),
    }
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn selector(v: Option<&Json>) -> Option<LabelSelector> {
    v.and_then(|s| serde_json::from_value(s.clone()).ok())
}

fn rules(v: Option<&Json>) -> Vec<ResourceRule> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .map(|r| ResourceRule {
                    api_groups: strings(r.get("apiGroups")),
                    api_versions: strings(r.get("apiVersions")),
                    resources: strings(r.get("resources")),
                    operations: strings(r.get("operations")),
                    resource_names: strings(r.get("resourceNames")),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn matcher(v: &Json) -> Match {
    Match {
        namespace_selector: selector(v.get("namespaceSelector")),
        object_selector: selector(v.get("objectSelector")),
        rules: rules(v.get("resourceRules")),
        exclude: rules(v.get("excludeResourceRules")),
    }
}

fn read_policy(o: &Object) -> Result<Policy, Vec<InputError>> {
    let raw = o.raw.to_json();
    let spec = raw.get("spec").cloned().unwrap_or(Json::Null);
    let at = |parts: &[&str], i: usize, field: &str| -> Path {
        let mut p = Path::root().key("spec");
        for s in parts {
            p = p.key(*s);
        }
        p.index(i).key(field)
    };
    let mut errors = Vec::new();
    let mut named = |list: &str| -> Vec<Named> {
        let mut out = Vec::new();
        for (i, v) in spec
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = v
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            let source = v.get("expression").and_then(Json::as_str).unwrap_or("");
            match Expr::compile(source) {
                Ok(expr) => out.push(Named { name, expr }),
                Err(e) => errors.push(error(
                    o,
                    &at(&[list], i, "expression"),
                    format!("{list}[{i}] {name:?}: CEL: {e}"),
                )),
            }
        }
        out
    };
    let conditions = named("matchConditions");
    let variables = named("variables");
    // the types the API server's checker gives the variables, in order
    let mut types = std::collections::HashMap::new();
    for v in &variables {
        types.insert(v.name.clone(), v.expr.type_of(&types));
    }
    for (i, c) in conditions.iter().enumerate() {
        if let Some(t) = not_of(&c.expr, &types, &Ty::Bool) {
            errors.push(error(
                o,
                &at(&["matchConditions"], i, "expression"),
                format!(
                    "matchConditions[{i}] {:?}: CEL: must evaluate to bool but got {t}",
                    c.name
                ),
            ));
        }
    }
    let mut validations = Vec::new();
    for (i, v) in spec
        .get("validations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let source = v.get("expression").and_then(Json::as_str).unwrap_or("");
        let path = at(&["validations"], i, "expression");
        let expr = match Expr::compile(source) {
            Ok(e) => e,
            Err(e) => {
                errors.push(error(o, &path, format!("validations[{i}]: CEL: {e}")));
                continue;
            }
        };
        if let Some(t) = not_of(&expr, &types, &Ty::Bool) {
            errors.push(error(
                o,
                &path,
                format!("validations[{i}]: CEL: must evaluate to bool but got {t}"),
            ));
            continue;
        }
        let message_expression = match v.get("messageExpression").and_then(Json::as_str) {
            Some(m) => match Expr::compile(m) {
                Ok(e) if not_of(&e, &types, &Ty::String).is_some() => {
                    errors.push(error(
                        o,
                        &at(&["validations"], i, "messageExpression"),
                        format!(
                            "validations[{i}].messageExpression: CEL: must evaluate to string but got {}",
                            not_of(&e, &types, &Ty::String).unwrap_or_default()
                        ),
                    ));
                    None
                }
                Ok(e) => Some(e),
                Err(e) => {
                    errors.push(error(
                        o,
                        &at(&["validations"], i, "messageExpression"),
                        format!("validations[{i}].messageExpression: CEL: {e}"),
                    ));
                    None
                }
            },
            None => None,
        };
        validations.push(Validation {
            expr,
            message: v.get("message").and_then(Json::as_str).map(str::to_string),
            message_expression,
            reason: v.get("reason").and_then(Json::as_str).map(str::to_string),
            location: o.locate(&path),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if validations.is_empty() {
        return Err(vec![error(
            o,
            &Path::root().key("spec"),
            "no validations: the policy checks nothing".into(),
        )]);
    }
    let param_kind = spec.get("paramKind").map(|p| {
        (
            p.get("apiVersion")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            p.get("kind")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
        )
    });
    Ok(Policy {
        name: o.name.clone(),
        object: o.reference.clone(),
        location: o.location.clone(),
        failure_policy: match spec.get("failurePolicy").and_then(Json::as_str) {
            Some("Ignore") => FailurePolicy::Ignore,
            _ => FailurePolicy::Fail,
        },
        param_kind,
        constraints: spec
            .get("matchConstraints")
            .map(matcher)
            .unwrap_or_default(),
        conditions,
        variables,
        validations,
    })
}

fn read_binding(o: &Object) -> Result<Binding, InputError> {
    let raw = o.raw.to_json();
    let spec = raw.get("spec").cloned().unwrap_or(Json::Null);
    let Some(policy) = spec.get("policyName").and_then(Json::as_str) else {
        return Err(error(
            o,
            &Path::root().key("spec"),
            "no spec.policyName: the binding binds nothing".into(),
        ));
    };
    let mut actions = Vec::new();
    for (i, a) in strings(spec.get("validationActions")).iter().enumerate() {
        actions.push(match a.as_str() {
            "Deny" => Action::Deny,
            "Warn" => Action::Warn,
            "Audit" => Action::Audit,
            other => {
                return Err(error(
                    o,
                    &Path::root().key("spec").key("validationActions").index(i),
                    format!("unknown validation action {other:?} (Deny, Warn or Audit)"),
                ));
            }
        });
    }
    if actions.is_empty() {
        return Err(error(
            o,
            &Path::root().key("spec"),
            "no spec.validationActions (the API server requires Deny, Warn or Audit)".into(),
        ));
    }
    let param_ref = spec.get("paramRef").map(|p| ParamRef {
        name: p.get("name").and_then(Json::as_str).map(str::to_string),
        namespace: p
            .get("namespace")
            .and_then(Json::as_str)
            .map(str::to_string),
        selector: selector(p.get("selector")),
        allow_if_missing: p.get("parameterNotFoundAction").and_then(Json::as_str) == Some("Allow"),
    });
    Ok(Binding {
        name: o.name.clone(),
        policy: policy.to_string(),
        param_ref,
        resources: spec.get("matchResources").map(matcher),
        actions,
    })
}
/// The type `e` has when the API server's checker refuses it where `want`
/// is required: a literal, an arithmetic or string result, a list or map,
/// or `dyn` (a field of `object` or `params` alone: the API server wants
/// `bool` itself, not a value that may be one). A type palisade does not
/// know (a function outside its typing, the typed `request`) is never
/// refused.
fn not_of(e: &Expr, types: &std::collections::HashMap<String, Ty>, want: &Ty) -> Option<String> {
    let t = e.type_of(types);
    (t != *want && t != Ty::Unknown).then(|| t.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::{ObjectOptions, objects_from_document};

    fn read(text: &str) -> (PolicySet, Vec<InputError>) {
        let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        let file: Arc<str> = Arc::from("policy.yaml");
        let objects: Vec<Object> = stream
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .map(|o| o.unwrap())
            .collect();
        PolicySet::from_objects(&objects)
    }

    fn policy(validation: &str, message_expression: &str) -> String {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: p}}\nspec:\n  variables:\n  - {{name: count, expression: \"size(object.spec.containers)\"}}\n  validations:\n  - expression: {validation:?}\n    messageExpression: {message_expression:?}\n"
        )
    }

    /// As the API server's compiler says of a validation, a match
    /// condition or a message expression of a type it cannot have.
    #[test]
    fn expressions_of_the_wrong_type_are_refused_with_their_line() {
        let (set, errors) = read(&policy(
            "variables.count <= 3",
            "'too many: ' + string(variables.count)",
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(set.policies.len(), 1);
        // what palisade does not type is left to run time
        let (_, errors) = read(&policy("isQuantity(object.spec.x)", "request.name"));
        assert!(errors.is_empty(), "{errors:?}");
        for (validation, message, want, line) in [
            (
                "variables.count + 1",
                "'x'",
                "validations[0]: CEL: must evaluate to bool but got int",
                8,
            ),
            (
                "object.metadata.name.lowerAscii()",
                "'x'",
                "must evaluate to bool but got string",
                8,
            ),
            (
                "object.spec.containers.map(c, c.name)",
                "'x'",
                "but got list(dyn)",
                8,
            ),
            (
                "true",
                "variables.count",
                "messageExpression: CEL: must evaluate to string but got int",
                9,
            ),
        ] {
            let (set, errors) = read(&policy(validation, message));
            assert!(set.policies.is_empty(), "{validation}");
            assert_eq!(errors.len(), 1, "{validation}: {errors:?}");
            assert!(errors[0].message.contains(want), "{}", errors[0].message);
            assert_eq!(errors[0].line, line, "{:?}", errors[0]);
        }
    }
}

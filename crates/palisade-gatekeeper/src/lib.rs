//! OPA Gatekeeper policies, unchanged, evaluated in-process with regorus.
//!
//! A [`PolicySet`] holds ConstraintTemplates (compiled once) and their
//! Constraints; [`PolicySet::review`] applies every constraint whose
//! `spec.match` selects the object and returns the violations with the
//! constraint's enforcement action. `data.inventory` (for referential
//! templates such as unique Ingress hosts) comes from an [`Inventory`].
//! [`suite`] runs `gator verify` Suite files.

mod builtins;
pub mod constraint;
pub mod evaluate;
pub mod findings;
pub mod rego_compat;
pub mod review;
mod sprintf;
pub mod suite;
pub mod template;

pub use constraint::{Action, Constraint, Match, Target};
pub use review::{Inventory, Review};
pub use template::{Template, TemplateError};

use palisade_findings::InputError;
use palisade_model::{Location, Object};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The API group of ConstraintTemplates.
pub const TEMPLATE_GROUP: &str = "templates.gatekeeper.sh";
/// The API group of Constraints.
pub const CONSTRAINT_GROUP: &str = "constraints.gatekeeper.sh";

/// A constraint and where it was written.
#[derive(Debug, Clone)]
pub struct LoadedConstraint {
    pub constraint: Constraint,
    pub location: Location,
    parameters: regorus::Value,
}

/// One violated constraint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Violation {
    /// The constraint's kind (the template's `names.kind`).
    pub kind: String,
    /// The constraint's name.
    pub constraint: String,
    pub action: Action,
    pub message: String,
    #[serde(skip_serializing_if = "Json::is_null")]
    pub details: Json,
    /// Where the constraint is written.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// A constraint that could not be evaluated (a Rego runtime error).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyError {
    pub kind: String,
    pub constraint: String,
    pub action: Action,
    pub message: String,
}

/// What a review found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub violations: Vec<Violation>,
    pub errors: Vec<PolicyError>,
    /// How many constraints matched the object.
    pub matched: usize,
}

/// Templates and constraints, ready to review objects.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// By constraint kind.
    templates: BTreeMap<String, Arc<Template>>,
    constraints: Vec<LoadedConstraint>,
    inventory: Inventory,
}

fn is_group(api_version: &str, group: &str) -> bool {
    api_version.split_once('/').is_some_and(|(g, _)| g == group)
}

fn error_at(location: &Location, message: String) -> InputError {
    InputError {
        file: location.file.to_string(),
        line: location.line,
        column: location.column,
        message,
    }
}

impl PolicySet {
    /// Picks the ConstraintTemplates and Constraints out of `objects`
    /// (other objects are ignored). A template that does not compile, a
    /// constraint without its template, or a malformed constraint is an
    /// error naming its file and line; the rest still loads.
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a Object>,
    ) -> (PolicySet, Vec<InputError>) {
        let mut set = PolicySet::default();
        let mut errors = Vec::new();
        let mut constraints = Vec::new();
        for o in objects {
            if is_group(&o.api_version, TEMPLATE_GROUP) && o.kind == "ConstraintTemplate" {
                match Template::from_json(&o.raw.to_json()) {
                    Ok(t) => {
                        if set.templates.contains_key(&t.kind) {
                            errors.push(error_at(
                                &o.location,
                                format!("a second ConstraintTemplate defines kind {}", t.kind),
                            ));
                        } else {
                            set.templates.insert(t.kind.clone(), Arc::new(t));
                        }
                    }
                    Err(e) => errors.push(error_at(&o.location, e.0)),
                }
            } else if is_group(&o.api_version, CONSTRAINT_GROUP) {
                constraints.push(o);
            }
        }
        for o in constraints {
            match Constraint::from_json(&o.raw.to_json()) {
                Ok(c) if set.templates.contains_key(&c.kind) => set.push(c, o.location.clone()),
                Ok(c) => errors.push(error_at(
                    &o.location,
                    format!(
                        "{} {:?}: no ConstraintTemplate defines kind {}",
                        c.kind, c.name, c.kind
                    ),
                )),
                Err(e) => errors.push(error_at(&o.location, e)),
            }
        }
        (set, errors)
    }

    /// Adds a compiled template (replacing one of the same kind).
    pub fn add_template(&mut self, t: Template) {
        self.templates.insert(t.kind.clone(), Arc::new(t));
    }

    /// Adds a constraint; its template must already be there.
    pub fn add_constraint(&mut self, c: Constraint, location: Location) -> Result<(), String> {
        if !self.templates.contains_key(&c.kind) {
            return Err(format!("no ConstraintTemplate defines kind {}", c.kind));
        }
        self.push(c, location);
        Ok(())
    }

    fn push(&mut self, c: Constraint, location: Location) {
        let parameters = regorus::Value::from(c.parameters.clone());
        self.constraints.push(LoadedConstraint {
            constraint: c,
            location,
            parameters,
        });
    }

    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        self.templates.values().map(|t| &**t)
    }

    pub fn constraints(&self) -> &[LoadedConstraint] {
        &self.constraints
    }

    pub fn is_empty(&self) -> bool {
        self.constraints.is_empty()
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// Sets `data.inventory` for every template (recompiling them).
    pub fn set_inventory(&mut self, inventory: Inventory) -> Result<(), TemplateError> {
        let value = inventory.to_value();
        for t in self.templates.values_mut() {
            Arc::make_mut(t).set_inventory(&value)?;
        }
        self.inventory = inventory;
        Ok(())
    }

    /// Applies every matching constraint to the review.
    pub fn review(&self, review: &Review) -> Outcome {
        let labels = review.labels();
        let ns_labels = review.namespace_labels.as_ref().or_else(|| {
            let ns = if review.group.is_empty() && review.kind == "Namespace" {
                &review.name
            } else {
                &review.namespace
            };
            self.inventory.namespace_labels(ns)
        });
        let target = Target {
            group: &review.group,
            kind: &review.kind,
            name: &review.name,
            namespace: (!review.namespace.is_empty()).then_some(review.namespace.as_str()),
            labels: &labels,
            namespace_labels: ns_labels,
        };
        let mut out = Outcome::default();
        let mut review_value: Option<regorus::Value> = None;
        for lc in &self.constraints {
            let c = &lc.constraint;
            if !c.matches(&target) {
                continue;
            }
            out.matched += 1;
            let Some(t) = self.templates.get(&c.kind) else {
                continue;
            };
            let rv = review_value
                .get_or_insert_with(|| regorus::Value::from(review.to_json()))
                .clone();
            let mut input = BTreeMap::new();
            input.insert(regorus::Value::from("review"), rv);
            input.insert(regorus::Value::from("parameters"), lc.parameters.clone());
            match t.violations(regorus::Value::from(input)) {
                Ok(vs) => out
                    .violations
                    .extend(vs.into_iter().map(|(message, details)| Violation {
                        kind: c.kind.clone(),
                        constraint: c.name.clone(),
                        action: c.action,
                        message,
                        details,
                        location: Some(lc.location.clone()),
                    })),
                Err(message) => out.errors.push(PolicyError {
                    kind: c.kind.clone(),
                    constraint: c.name.clone(),
                    action: c.action,
                    message,
                }),
            }
        }
        out
    }
}

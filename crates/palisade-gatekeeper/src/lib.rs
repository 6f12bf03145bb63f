//! OPA Gatekeeper policies, unchanged, evaluated in-process with regorus.
//!
//! A [`PolicySet`] holds ConstraintTemplates (compiled once) and their
//! Constraints; [`PolicySet::review`] applies every constraint whose
//! `spec.match` selects the object and returns the violations with the
//! constraint's enforcement action. `data.inventory` (for referential
//! templates such as unique Ingress hosts) comes from an [`Inventory`].
//! [`suite`] runs `gator verify` Suite files.

mod builtins;
pub mod cache;
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
    /// Outcomes of reviews already answered, by content.
    cache: cache::ReviewCache,
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
        self.cache = self.cache.clone();
    }

    /// Adds a constraint; its template must already be there.
    pub fn add_constraint(&mut self, c: Constraint, location: Location) -> Result<(), String> {
        if !self.templates.contains_key(&c.kind) {
            return Err(format!("no ConstraintTemplate defines kind {}", c.kind));
        }
        self.push(c, location);
        self.cache = self.cache.clone();
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

    /// The same set with only the constraint `kind`/`name` (for profiles).
    pub fn only(&self, name: &str, kind: &str) -> PolicySet {
        PolicySet {
            templates: self.templates.clone(),
            constraints: self
                .constraints
                .iter()
                .filter(|lc| lc.constraint.name == name && lc.constraint.kind == kind)
                .cloned()
                .collect(),
            inventory: self.inventory.clone(),
            cache: self.cache.clone(),
        }
    }

    /// Keeps the outcomes of up to `bytes` of reviews (by content) and
    /// answers a review seen before from them; 0 turns that off. The
    /// default is [`cache::DEFAULT_BYTES`]. Empties the cache.
    pub fn set_cache_bytes(&mut self, bytes: usize) {
        self.cache = cache::ReviewCache::new(bytes);
    }

    /// The cache of outcomes (for its statistics).
    pub fn cache(&self) -> &cache::ReviewCache {
        &self.cache
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
        self.cache = self.cache.clone();
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
        let matching: Vec<&LoadedConstraint> = self
            .constraints
            .iter()
            .filter(|lc| lc.constraint.matches(&target))
            .collect();
        if matching.is_empty() {
            return Outcome::default();
        }
        // what Rego and the match read: input.review and the namespace's labels
        let review_json = review.to_json();
        let key = (self.cache.budget() > 0)
            .then(|| serde_json::to_vec(&(&review_json, ns_labels)).ok())
            .flatten();
        if let Some(hit) = key.as_deref().and_then(|k| self.cache.get(k)) {
            return (*hit).clone();
        }
        let out = self.evaluate(&matching, regorus::Value::from(review_json));
        if let Some(k) = key {
            let out = Arc::new(out);
            self.cache.put(&k, out.clone());
            return Arc::unwrap_or_clone(out);
        }
        out
    }

    /// Evaluates the constraints that matched on `input.review`.
    fn evaluate(&self, matching: &[&LoadedConstraint], review: regorus::Value) -> Outcome {
        let mut out = Outcome {
            matched: matching.len(),
            ..Outcome::default()
        };
        for lc in matching {
            let c = &lc.constraint;
            let Some(t) = self.templates.get(&c.kind) else {
                continue;
            };
            let mut input = BTreeMap::new();
            input.insert(regorus::Value::from("review"), review.clone());
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(cache_bytes: usize) -> PolicySet {
        let mut set = PolicySet::default();
        set.set_cache_bytes(cache_bytes);
        set.add_template(
            Template::from_json(&json!({
                "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
                "metadata": {"name": "k8sdisallowedtags"},
                "spec": {"crd": {"spec": {"names": {"kind": "K8sDisallowedTags"}}},
                    "targets": [{"target": template::TARGET, "rego": r#"
package k8sdisallowedtags
violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  tag := input.parameters.tags[_]
  endswith(c.image, concat(":", ["", tag]))
  msg := sprintf("container <%v> uses tag <%v>", [c.name, tag])
}
"#}]}
            }))
            .unwrap(),
        );
        let c = Constraint::from_json(&json!({
            "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDisallowedTags",
            "metadata": {"name": "no-latest"},
            "spec": {"match": {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
                "namespaceSelector": {"matchLabels": {"team": "a"}}},
                "parameters": {"tags": ["latest"]}}
        }))
        .unwrap();
        set.add_constraint(c, Location::new("test.yaml".into(), 1, 1))
            .unwrap();
        set
    }

    fn pod(image: &str) -> Review {
        let mut r = Review::create(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": image}]}
        }));
        r.namespace_labels = Some([("team".to_string(), "a".to_string())].into());
        r
    }

    fn messages(o: &Outcome) -> Vec<String> {
        o.violations.iter().map(|v| v.message.clone()).collect()
    }

    #[test]
    fn a_cached_outcome_equals_an_uncached_one() {
        let cached = set(cache::DEFAULT_BYTES);
        let uncached = set(0);
        for image in ["nginx:latest", "nginx:1.27", "nginx:latest"] {
            let (a, b) = (cached.review(&pod(image)), uncached.review(&pod(image)));
            assert_eq!(messages(&a), messages(&b), "{image}");
            assert_eq!(a.matched, b.matched);
        }
        assert_eq!(
            messages(&cached.review(&pod("nginx:latest"))),
            ["container <app> uses tag <latest>"]
        );
        // two of the four reviews of nginx:latest came from the cache
        let (hits, misses, entries) = cached.cache().stats();
        assert_eq!((hits, misses, entries), (2, 2, 2));
        assert_eq!(uncached.cache().stats(), (0, 0, 0));
    }

    #[test]
    fn a_changed_object_or_namespace_misses() {
        let set = set(cache::DEFAULT_BYTES);
        assert_eq!(set.review(&pod("nginx:latest")).violations.len(), 1);
        // the same object with another image: evaluated again, not served
        assert!(set.review(&pod("nginx:1.27")).violations.is_empty());
        // the namespace's labels no longer select it: not matched at all
        let mut other = pod("nginx:latest");
        other.namespace_labels = Some([("team".to_string(), "b".to_string())].into());
        assert_eq!(set.review(&other).matched, 0);
        // another operation is another review
        let mut update = pod("nginx:latest");
        update.operation = "UPDATE".into();
        assert_eq!(set.review(&update).violations.len(), 1);
        let (hits, misses, _) = set.cache().stats();
        assert_eq!((hits, misses), (0, 3));
        // a new constraint empties the cache
        let mut set = set;
        set.review(&pod("nginx:latest"));
        assert_eq!(set.cache().stats().0, 1);
        let c = set.constraints()[0].constraint.clone();
        set.add_constraint(c, Location::new("test.yaml".into(), 1, 1))
            .unwrap();
        assert_eq!(set.review(&pod("nginx:latest")).violations.len(), 2);
        assert_eq!(set.cache().stats(), (0, 1, 1));
    }
}

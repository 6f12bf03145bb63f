//! Gatekeeper constraints applied to manifests before they reach a cluster
//! (`palisade policy eval`), reported as ordinary findings so every `scan`
//! format (table, JSON, SARIF, …) carries them.
//!
//! Each constraint is a rule of its own: id `gatekeeper/<Kind>/<name>`,
//! severity from its enforcement action (deny → high, warn → medium,
//! dryrun → low), in the admission control area.

use crate::{Action, PolicySet, Review};
use palisade_findings::{CheckMeta, Finding, Severity};
use palisade_model::Object;

/// Rule metadata lives as long as the process; one per constraint.
fn meta(kind: &str, name: &str, action: Action) -> &'static CheckMeta {
    let key = format!("gatekeeper/{kind}/{name}/{}", action.as_str());
    palisade_findings::runtime_meta(key, |leak| CheckMeta {
        id: leak(format!("gatekeeper/{kind}/{name}")),
        title: leak(format!(
            "Gatekeeper constraint {kind} {name:?} ({})",
            action.as_str()
        )),
        severity: match action {
            Action::Deny => Severity::High,
            Action::Warn => Severity::Medium,
            Action::Dryrun => Severity::Low,
        },
        action: 9,
        category: "admission",
        frameworks: &[],
        risk: leak(format!(
            "The {kind} constraint {name:?} ({}) rejects this object at admission; applying it would fail (or warn) in the cluster.",
            action.as_str()
        )),
        fix: "Change the object as the violation message says, or exempt it in the constraint's `spec.match`.",
    })
}

/// Reviews every object (as a CREATE in its effective namespace) against
/// the policies; ConstraintTemplates and Constraints themselves are skipped.
pub fn findings<'a>(
    set: &PolicySet,
    objects: impl IntoIterator<Item = &'a Object>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for o in objects {
        let group = o.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        if group == crate::TEMPLATE_GROUP || group == crate::CONSTRAINT_GROUP {
            continue;
        }
        let review = Review::create(o.admitted_json());
        let result = set.review(&review);
        let mut push = |kind: &str,
                        constraint: &str,
                        action: Action,
                        message: String,
                        fix: Option<&'static str>| {
            let check = meta(kind, constraint, action);
            out.push(Finding {
                check,
                severity: check.severity,
                object: o.reference.clone(),
                location: o.location.clone(),
                path: None,
                message,
                fix: fix.unwrap_or(check.fix).into(),
                autofix: None,
                cause: None,
                related: Vec::new(),
            });
        };
        for v in result.violations {
            push(&v.kind, &v.constraint, v.action, v.message, None);
        }
        for e in result.errors {
            push(
                &e.kind,
                &e.constraint,
                e.action,
                format!("the policy could not be evaluated: {}", e.message),
                Some("Fix the ConstraintTemplate's Rego or the constraint's parameters."),
            );
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

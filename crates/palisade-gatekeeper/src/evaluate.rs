//! Policies applied to objects as `scan --policies` and `policy eval` apply
//! them: Constraints (with their ConstraintTemplates) loaded from files, the
//! objects (and any extra inventory files) as `data.inventory`.

use crate::PolicySet;
use crate::review::Inventory;
use palisade_findings::{CheckMeta, Finding, InputError};
use palisade_model::Object;
use std::path::{Path, PathBuf};

/// The error when the policy files hold nothing Gatekeeper evaluates.
pub const NO_POLICY: &str = "no Constraint (with its ConstraintTemplate) found";

/// Loads the policies and applies them to `objects`, with `objects` (and
/// the `inventory` files) as `data.inventory`.
pub fn evaluate(
    policies: &[PathBuf],
    inventory: &[PathBuf],
    objects: &[Object],
) -> (Vec<Finding>, Vec<InputError>) {
    let opts = palisade_source::LoadOptions::default();
    let loaded = palisade_source::load(policies, &opts);
    let mut errors = loaded.errors;
    let (mut set, more) = PolicySet::from_objects(&loaded.objects);
    errors.extend(more);
    if set.is_empty() && errors.is_empty() {
        errors.push(InputError {
            file: policies
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            line: 0,
            column: 0,
            message: NO_POLICY.into(),
        });
    }
    let mut inv = Inventory::default();
    for o in objects {
        inv.add_object(o);
    }
    if !inventory.is_empty() {
        let extra = palisade_source::load(inventory, &opts);
        errors.extend(extra.errors);
        for o in &extra.objects {
            inv.add_object(o);
        }
    }
    if let Err(e) = set.set_inventory(inv) {
        errors.push(InputError {
            file: "inventory".into(),
            line: 0,
            column: 0,
            message: e.0,
        });
    }
    (crate::findings::findings(&set, objects), errors)
}

/// The rule metadata of the constraints that produced findings.
pub fn rules_of(findings: &[Finding]) -> Vec<&'static CheckMeta> {
    let mut v: Vec<&'static CheckMeta> = Vec::new();
    for f in findings {
        if !v.iter().any(|m| std::ptr::eq(*m, f.check)) {
            v.push(f.check);
        }
    }
    v
}

/// The `suite.yaml` files at or below `p`, in path order.
pub fn find_suites(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                find_suites(&e, out);
            } else if e.file_name().is_some_and(|n| n == "suite.yaml") {
                out.push(e);
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
}

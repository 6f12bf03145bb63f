//! Policies applied to objects as `scan --policies` and `policy eval` apply
//! them: Constraints (with their ConstraintTemplates) loaded from files, the
//! objects (and any extra inventory files) as `data.inventory`.

use crate::PolicySet;
use crate::review::Inventory;
use palisade_findings::{Finding, InputError};
use palisade_model::Object;
use std::path::{Path, PathBuf};

/// Loads the policies and applies them to `objects`, with `objects` (and
/// the `inventory` files) as `data.inventory`.
pub fn evaluate(
    policies: &[PathBuf],
    inventory: &[PathBuf],
    objects: &[Object],
) -> (Vec<Finding>, Vec<InputError>) {
    let loaded = palisade_source::load(policies, &Default::default());
    let mut errors = loaded.errors;
    let (set, more) = PolicySet::from_objects(&loaded.objects);
    errors.extend(more);
    if set.is_empty() && errors.is_empty() {
        errors.push(InputError::about_files(
            policies,
            "no Constraint (with its ConstraintTemplate) found",
        ));
    }
    let (findings, more) = apply(set, inventory, objects);
    errors.extend(more);
    (findings, errors)
}

/// Applies a policy set to `objects`, with `objects` (and the `inventory`
/// files) as `data.inventory`; the inventory files' errors.
pub fn apply(
    mut set: PolicySet,
    inventory: &[PathBuf],
    objects: &[Object],
) -> (Vec<Finding>, Vec<InputError>) {
    let mut errors = Vec::new();
    let mut inv = Inventory::default();
    for o in objects {
        inv.add_object(o);
    }
    if !inventory.is_empty() {
        let extra = palisade_source::load(inventory, &Default::default());
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

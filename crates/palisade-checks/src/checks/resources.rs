//! Shared helpers for the resource checks.

use palisade_findings::{Cause, Finding};
use palisade_model::ContainerRef;

/// Whether the container sets `resources.<which>.<resource>`.
pub fn sets(c: &ContainerRef<'_>, which: &str, resource: &str) -> bool {
    c.resources
        .and_then(|r| match which {
            "limits" => r.limits.as_ref(),
            _ => r.requests.as_ref(),
        })
        .is_some_and(|m| m.contains_key(resource))
}

/// The resource findings of one workload are one cause: its containers'
/// missing requests and limits are reported as one finding.
pub fn one_cause(f: &mut Finding) {
    f.cause = Some(Box::new(Cause::new("resources", "", f.message.clone())));
}

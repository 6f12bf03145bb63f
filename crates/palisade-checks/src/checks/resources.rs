//! Shared helpers for the resource checks.

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

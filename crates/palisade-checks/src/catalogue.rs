//! The one list of every check.

use crate::Check;
use crate::checks::*;
use std::sync::LazyLock;

static CATALOGUE: LazyLock<Vec<&'static dyn Check>> = LazyLock::new(|| {
    let mut v: Vec<&'static dyn Check> = Vec::new();
    // Pod Security Standards, one entry per upstream control (palisade-pss)
    v.extend(pss::CHECKS.iter().map(|c| c as &dyn Check));
    // container hardening beyond the standards (action 7)
    v.extend([
        &privilege_escalation::CHECK as &dyn Check,
        &run_as_root::CHECK,
        &root_group::CHECK,
        &low_uid::CHECK,
        &capabilities_not_dropped::CHECK,
        &seccomp_missing::CHECK,
        &readonly_root_filesystem::CHECK,
        &runtime_socket_mount::CHECK,
        &sensitive_host_path::CHECK,
        &share_process_namespace::CHECK,
        &image_floating_tag::CHECK,
        &image_digest::CHECK,
        &image_pull_policy::CHECK,
        &image_attack_surface::CHECK,
        &service_account_token::CHECK,
        &default_service_account::CHECK,
        &memory_limit::CHECK,
        &cpu_limit::CHECK,
        &resource_requests::CHECK,
        &probes_missing::CHECK,
        // security scanning (action 8)
        &env_literal_secret::CHECK,
        &secret_data::CHECK,
        &image_vulnerabilities::CHECK,
        // namespaces and quotas (action 4)
        &default_namespace::CHECK,
        &namespace_quota::CHECK,
        &namespace_limit_range::CHECK,
        &quota_unbounded::CHECK,
        &namespace_psa_labels::CHECK,
        &psa_label_invalid::CHECK,
        // infrastructure as code (action 3)
        &removed_api_version::CHECK,
        &unknown_field::CHECK,
        &unknown_value::CHECK,
    ]);
    // RBAC risk classes (action 5), one file each in palisade-rbac
    v.extend(rbac::CHECKS.iter().map(|c| c as &dyn Check));
    // NetworkPolicy coverage and correctness (action 6), one file each in palisade-netpol
    v.extend(netpol::CHECKS.iter().map(|c| c as &dyn Check));
    v
});

/// Every check, in catalogue order.
pub fn catalogue() -> Vec<&'static dyn Check> {
    CATALOGUE.clone()
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CATALOGUE.iter().copied().find(|c| c.meta().id == id)
}

/// Why `id` names no check: the message for the command line, with the
/// closest id when one is near (`pss-priviliged` → `pss-privileged`).
pub fn unknown_id(id: &str) -> String {
    let ids = CATALOGUE.iter().map(|c| c.meta().id);
    let closest = palisade_findings::suggest::closest(id, ids, |d, c| {
        d <= 3 || c.contains(id) && id.len() >= 4
    });
    match closest {
        Some(c) => {
            format!(
                "unknown check id {id:?} (did you mean {c:?}? `palisade checks list` lists them)"
            )
        }
        None => format!("unknown check id {id:?} (see `palisade checks list`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_metadata_complete() {
        let mut seen = HashSet::new();
        for c in catalogue() {
            let m = c.meta();
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            assert!((1..=11).contains(&m.action), "{}", m.id);
            assert!(
                !m.title.is_empty() && !m.risk.is_empty() && !m.fix.is_empty(),
                "{}",
                m.id
            );
            assert!(
                m.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                m.id
            );
        }
        assert!(find("pss-privileged").is_some());
        assert!(find("nope").is_none());
        assert!(unknown_id("pss-priviliged").contains("did you mean \"pss-privileged\""));
        assert!(!unknown_id("zzzzzzzzzzzz").contains("did you mean"));
    }
}

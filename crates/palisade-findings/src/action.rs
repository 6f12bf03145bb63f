//! The eleven hardening areas every check, finding and report belongs to,
//! named once for the whole program.

/// The areas' names, area 1 first.
pub const ACTIONS: [&str; 11] = [
    "Inventory",
    "Threat model",
    "Infrastructure as code",
    "Namespaces and quotas",
    "RBAC",
    "Network policies",
    "Workload hardening",
    "Scanning",
    "Admission control",
    "Audit logging",
    "Monitoring",
];

/// Area `n`'s name (1–11); "?" for any other number.
pub fn action_name(n: u8) -> &'static str {
    ACTIONS
        .get(usize::from(n).wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_from_one() {
        assert_eq!(action_name(1), "Inventory");
        assert_eq!(action_name(11), "Monitoring");
        assert_eq!(action_name(0), "?");
        assert_eq!(action_name(12), "?");
    }
}

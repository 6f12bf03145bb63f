//! The seed's eleven hardening actions, named once for every report.

/// The actions' names, action 1 first.
pub const ACTIONS: [&str; 11] = [
    "Asset inventory",
    "Threat model",
    "Infrastructure as code",
    "Namespaces and resource quotas",
    "RBAC",
    "Network policies",
    "Container hardening",
    "Security scanning",
    "Admission control",
    "Audit logging",
    "Monitoring",
];

/// Action `n`'s name (1–11); "?" for any other number.
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
        assert_eq!(action_name(1), "Asset inventory");
        assert_eq!(action_name(11), "Monitoring");
        assert_eq!(action_name(0), "?");
        assert_eq!(action_name(12), "?");
    }
}

//! Local knowledge the default pack cannot have on its own, given on the
//! command line and turned into the lists its rules read: the cluster's
//! internal networks (`--internal-cidr`) and the identities its RBAC
//! bindings name (`--known-from`, `--known-from-cluster`). The rules that
//! need it stay off until it is given.

use crate::RuleSet;
use crate::compile::compile_loaded;
use crate::rules::{Diag, Loaded, Loc, Severity};

/// The list of internal networks (CIDRs) the pack reads.
pub const INTERNAL_NETWORKS: &str = "pal_internal_networks";
/// User names (people, service accounts as `system:serviceaccount:NS:NAME`)
/// some binding names.
pub const KNOWN_USERS: &str = "pal_known_users";
/// Groups some binding names.
pub const KNOWN_GROUPS: &str = "pal_known_groups";
/// The rule that needs the internal networks.
pub const OUTSIDE_RULE: &str = "Service Account or System Identity Used From Outside";
/// The rule that needs the known identities.
pub const UNKNOWN_IDENTITY_RULE: &str = "Request by an Identity No Binding Names";

/// Groups every request carries one of; a binding to them names nobody in
/// particular.
pub const EVERYONE_GROUPS: &[&str] = &["system:authenticated", "system:unauthenticated"];

#[derive(Debug, Default, Clone)]
pub struct Knowledge {
    pub internal_networks: Vec<ipnet::IpNet>,
    /// `Some` when the identities were given (even none).
    pub known: Option<Known>,
}

#[derive(Debug, Default, Clone)]
pub struct Known {
    pub users: Vec<String>,
    pub groups: Vec<String>,
    /// Where they came from, for the rules' location.
    pub source: String,
}

impl Knowledge {
    pub fn is_empty(&self) -> bool {
        self.internal_networks.is_empty() && self.known.is_none()
    }

    /// Adds the knowledge to loaded rules and turns on the rules it
    /// serves; a warning when those rules are not loaded (own rules files
    /// without the default pack).
    pub fn apply(&self, loaded: &mut Loaded) {
        let warn = loaded_diag;
        let mut diags = Vec::new();
        if !self.internal_networks.is_empty() {
            let loc = Loc {
                file: "--internal-cidr".into(),
                line: 0,
            };
            loaded.extend_list(
                INTERNAL_NETWORKS,
                self.internal_networks.iter().map(|n| n.to_string()),
                loc.clone(),
            );
            if !loaded.enable_rule(OUTSIDE_RULE) {
                diags.push(warn(
                    loc,
                    format!("no rule '{OUTSIDE_RULE}' is loaded (it is in the default pack): the internal networks go unused except by your rules reading the list {INTERNAL_NETWORKS}"),
                ));
            }
        }
        if let Some(k) = &self.known {
            let loc = Loc {
                file: k.source.clone(),
                line: 0,
            };
            loaded.extend_list(KNOWN_USERS, k.users.iter().cloned(), loc.clone());
            loaded.extend_list(
                KNOWN_GROUPS,
                k.groups
                    .iter()
                    .filter(|g| !EVERYONE_GROUPS.contains(&g.as_str()))
                    .cloned(),
                loc.clone(),
            );
            if !loaded.enable_rule(UNKNOWN_IDENTITY_RULE) {
                diags.push(warn(
                    loc,
                    format!("no rule '{UNKNOWN_IDENTITY_RULE}' is loaded (it is in the default pack): the known identities go unused except by your rules reading {KNOWN_USERS} and {KNOWN_GROUPS}"),
                ));
            }
        }
        loaded.diags.extend(diags);
    }
}

fn loaded_diag(loc: Loc, message: String) -> Diag {
    Diag {
        severity: Severity::Warning,
        loc,
        message,
    }
}

/// Loads rules files, adds the knowledge, compiles.
pub fn compile_with(files: &[(String, String)], k: &Knowledge) -> RuleSet {
    let mut loaded = Loaded::default();
    for (name, text) in files {
        loaded.add_file(name, text);
    }
    k.apply(&mut loaded);
    compile_loaded(loaded)
}

/// `10.0.0.0/8`, `192.168.1.7` (one address) → a network.
pub fn parse_cidr(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| format!("'{s}' is not a CIDR (10.0.0.0/8) or an address"))
}

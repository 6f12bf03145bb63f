//! `rbac-anonymous-access`: bindings that grant something to every caller
//! (`system:anonymous`, `system:unauthenticated`) or to every authenticated
//! identity (`system:authenticated`).

use super::{Detect, Risk, Scope};
use crate::graph::{BindingDef, Rbac};
use crate::subject::Subject;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-anonymous-access",
    title: "Permissions granted to anonymous or all authenticated users",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.1"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1190"),
    ],
    risk: "`system:anonymous` and `system:unauthenticated` are everyone who can reach the API server; \
`system:authenticated` is every user and every service account of every namespace. A binding to them \
gives its role to all of those at once.",
    fix: "Bind the role to the users, groups or service accounts that need it instead.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Binding(detect),
};

fn detect(rbac: &Rbac, b: &BindingDef) -> Option<(Severity, String, &'static str)> {
    let everyone = b.subjects.iter().find_map(|s| match &s.subject {
        Subject::User(u) if u == "system:anonymous" => Some(("anonymous callers", true)),
        Subject::Group(g) if g == "system:unauthenticated" => {
            Some(("unauthenticated callers", true))
        }
        Subject::Group(g) if g == "system:authenticated" => {
            Some(("every authenticated identity", false))
        }
        _ => None,
    })?;
    let role = rbac.role_of(b);
    // discovery-only grants (the defaults system:discovery, system:public-info-viewer) are fine
    let only_urls = role.is_some_and(|r| r.rules.iter().all(|x| x.rule.resources.is_empty()));
    if only_urls || (role.is_none() && b.role_name.starts_with("system:")) {
        return None;
    }
    let severity = match (everyone.1, Scope::of(b)) {
        (true, _) | (false, Scope::Cluster) => Severity::Critical,
        (false, _) => Severity::High,
    };
    Some((
        severity,
        format!(
            "{} grants {} {}/{} {}",
            b.display(),
            everyone.0,
            b.role_kind,
            b.role_name,
            Scope::of(b).describe(b)
        ),
        "subjects",
    ))
}

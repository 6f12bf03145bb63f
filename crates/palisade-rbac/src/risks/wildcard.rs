//! `rbac-wildcard`: roles whose rules use `*` for verbs, resources or API groups.

use super::{Detect, Risk};
use crate::graph::{Rbac, RoleDef};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Location;
use palisade_value::Path;

static META: CheckMeta = CheckMeta {
    id: "rbac-wildcard",
    title: "Wildcard in a role",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.3"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1078"),
    ],
    risk: "`*` grants every current and future verb, resource or API group — including custom resources \
and the special verbs `escalate`, `bind` and `impersonate` — so the role grows silently with every \
CRD installed.",
    fix: "List the API groups, resources and verbs the subject needs.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Role(detect),
};

fn detect(_rbac: &Rbac, r: &RoleDef) -> Option<(Severity, String, Location, Path)> {
    let (i, (rule, _)) = r.own_rules.iter().enumerate().find(|(_, (rule, _))| {
        rule.verbs.iter().any(|v| v == "*")
            || rule.resources.iter().any(|x| x == "*")
            || rule.api_groups.iter().any(|g| g == "*")
    })?;
    let mut wild = Vec::new();
    if rule.api_groups.iter().any(|g| g == "*") {
        wild.push("apiGroups");
    }
    if rule.resources.iter().any(|x| x == "*") {
        wild.push("resources");
    }
    if rule.verbs.iter().any(|v| v == "*") {
        wild.push("verbs");
    }
    let severity = if rule.is_full_wildcard() || rule.verbs.iter().any(|v| v == "*") {
        Severity::High
    } else {
        Severity::Medium
    };
    Some((
        severity,
        format!(
            "{} rule {} uses * for {} ({})",
            r.display(),
            i + 1,
            wild.join(", "),
            rule.describe()
        ),
        r.rule_field(i, wild.last().copied().unwrap_or("verbs")),
        Path::root()
            .key("rules")
            .index(i)
            .key(*wild.last().unwrap_or(&"verbs")),
    ))
}

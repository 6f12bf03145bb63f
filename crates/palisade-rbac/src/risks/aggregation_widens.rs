//! `rbac-aggregation-widens`: ClusterRoles labelled to aggregate into the
//! default `admin`, `edit` or `view` roles, which every namespace admin,
//! editor and viewer then holds.

use super::{Detect, Risk};
use crate::graph::{Rbac, RoleDef};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Location;
use palisade_value::Path;

static META: CheckMeta = CheckMeta {
    id: "rbac-aggregation-widens",
    title: "ClusterRole widens admin/edit/view through aggregation",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1098")],
    risk: "A ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-edit: \"true\"` (or -admin, \
-view) is merged by the aggregation controller into the default role: everyone bound to `edit` in any \
namespace gains its rules, without any binding changing. Anyone who can create labelled ClusterRoles \
can widen `edit` this way.",
    fix: "Remove the aggregation label and bind the role where it is needed, or make sure its rules are \
what every admin/editor/viewer of every namespace should have.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Role(detect),
};

const SENSITIVE: &[(&str, &str)] = &[
    ("", "secrets"),
    ("", "pods/exec"),
    ("", "serviceaccounts/token"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "roles"),
    ("", "nodes/proxy"),
];

fn detect(rbac: &Rbac, r: &RoleDef) -> Option<(Severity, String, Location, Path)> {
    let targets: Vec<&str> = ["admin", "edit", "view"]
        .into_iter()
        .filter(|t| {
            r.labels
                .get(&format!("rbac.authorization.k8s.io/aggregate-to-{t}"))
                .map(String::as_str)
                == Some("true")
        })
        .collect();
    if targets.is_empty() {
        return None;
    }
    // only roles the input adds (the defaults aggregate into each other by design)
    let widened: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| {
            rbac.role(crate::graph::RoleKind::ClusterRole, None, t)
                .is_some()
        })
        .collect();
    // any access to secrets, tokens, exec, roles or the kubelet, or a special verb
    let sensitive = r.own_rules.iter().find(|(rule, _)| {
        let touches = SENSITIVE.iter().any(|(g, res)| {
            let (resource, sub) = res.split_once('/').unwrap_or((res, ""));
            rule.group_matches(g) && rule.resource_matches(resource, sub)
        });
        touches
            || rule
                .verbs
                .iter()
                .any(|v| v == "*" || v == "escalate" || v == "bind" || v == "impersonate")
    });
    let (severity, what, loc) = match sensitive {
        Some((rule, loc)) => (
            Severity::High,
            format!(", including {}", rule.describe()),
            loc.clone(),
        ),
        None => (Severity::Low, String::new(), r.location.clone()),
    };
    Some((
        severity,
        format!(
            "{} aggregates into {} — every subject bound to {} in any namespace gains its rules{what}",
            r.display(),
            widened.join(", "),
            targets.join("/"),
        ),
        loc,
        Path::root().key("metadata").key("labels"),
    ))
}

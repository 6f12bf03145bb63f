//! Constraints (`constraints.gatekeeper.sh`) and Gatekeeper's `spec.match`:
//! kinds, scope, namespaces and excludedNamespaces (with `*` prefix and
//! suffix globs), labelSelector, namespaceSelector and name.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use palisade_model::selector;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// What a violation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Deny,
    Warn,
    Dryrun,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "deny",
            Action::Warn => "warn",
            Action::Dryrun => "dryrun",
        }
    }
}

/// A group/kind pair of `spec.match.kinds`.
#[derive(Debug, Clone, Default)]
pub struct KindMatch {
    pub api_groups: Vec<String>,
    pub kinds: Vec<String>,
}

/// `spec.match`.
#[derive(Debug, Clone, Default)]
pub struct Match {
    pub kinds: Vec<KindMatch>,
    /// `*`, `Cluster` or `Namespaced`.
    pub scope: Option<String>,
    pub namespaces: Option<Vec<String>>,
    pub excluded_namespaces: Vec<String>,
    pub label_selector: Option<LabelSelector>,
    pub namespace_selector: Option<LabelSelector>,
    pub name: Option<String>,
}

/// A constraint: an instance of a template's kind.
#[derive(Debug, Clone)]
pub struct Constraint {
    pub kind: String,
    pub name: String,
    pub matcher: Match,
    /// `spec.parameters` (an empty object when absent).
    pub parameters: Json,
    pub action: Action,
}

/// What match needs to know about the object under review.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<&'a str>,
    pub labels: &'a BTreeMap<String, String>,
    /// The labels of the object's namespace (its own for a Namespace);
    /// `None` when the namespace is not known.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
}

fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    v.and_then(Json::as_array).map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    })
}

/// Gatekeeper's namespace glob: a trailing `*` matches a prefix, a leading
/// `*` a suffix; otherwise the name must be equal.
pub fn glob(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        if let Some(inner) = prefix.strip_prefix('*') {
            return name.contains(inner);
        }
        return name.starts_with(prefix);
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return name.ends_with(suffix);
    }
    pattern == name
}

impl Constraint {
    /// Reads a constraint object; the error names the bad field.
    pub fn from_json(obj: &Json) -> Result<Constraint, String> {
        let kind = obj
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let name = obj
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let spec = obj.get("spec").cloned().unwrap_or(Json::Null);
        let m = spec.get("match").cloned().unwrap_or(Json::Null);
        let selector = |key: &str| -> Result<Option<LabelSelector>, String> {
            match m.get(key) {
                None | Some(Json::Null) => Ok(None),
                Some(v) => serde_json::from_value(v.clone())
                    .map(Some)
                    .map_err(|e| format!("{kind} {name:?}: spec.match.{key}: {e}")),
            }
        };
        let kinds = m
            .get("kinds")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .map(|k| KindMatch {
                        api_groups: strings(k.get("apiGroups")).unwrap_or_default(),
                        kinds: strings(k.get("kinds")).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let action = match spec.get("enforcementAction").and_then(Json::as_str) {
            None | Some("deny") => Action::Deny,
            Some("warn") => Action::Warn,
            Some("dryrun") => Action::Dryrun,
            Some("scoped") => scoped_webhook_action(&spec),
            Some(other) => {
                return Err(format!(
                    "{kind} {name:?}: unknown enforcementAction {other:?} (deny, warn, dryrun or scoped)"
                ));
            }
        };
        Ok(Constraint {
            matcher: Match {
                kinds,
                scope: m.get("scope").and_then(Json::as_str).map(String::from),
                namespaces: strings(m.get("namespaces")),
                excluded_namespaces: strings(m.get("excludedNamespaces")).unwrap_or_default(),
                label_selector: selector("labelSelector")?,
                namespace_selector: selector("namespaceSelector")?,
                name: m.get("name").and_then(Json::as_str).map(String::from),
            },
            parameters: spec
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| Json::Object(Default::default())),
            action,
            kind,
            name,
        })
    }

    /// Whether the constraint applies to the object.
    pub fn matches(&self, t: &Target<'_>) -> bool {
        let m = &self.matcher;
        if !m.kinds.is_empty()
            && !m.kinds.iter().any(|k| {
                (k.api_groups.is_empty() || k.api_groups.iter().any(|g| g == "*" || g == t.group))
                    && (k.kinds.is_empty() || k.kinds.iter().any(|x| x == "*" || x == t.kind))
            })
        {
            return false;
        }
        let is_namespace = t.group.is_empty() && t.kind == "Namespace";
        match m.scope.as_deref() {
            Some("Cluster") if t.namespace.is_some() => return false,
            Some("Namespaced") if t.namespace.is_none() => return false,
            _ => {}
        }
        // the namespace criteria look at the object's namespace, or at the
        // Namespace itself; other cluster-scoped objects pass them
        let ns = if is_namespace {
            Some(t.name)
        } else {
            t.namespace
        };
        if let Some(ns) = ns {
            if let Some(list) = &m.namespaces
                && !list.iter().any(|p| glob(p, ns))
            {
                return false;
            }
            if m.excluded_namespaces.iter().any(|p| glob(p, ns)) {
                return false;
            }
            if let Some(sel) = &m.namespace_selector {
                let labels = if is_namespace {
                    Some(t.labels)
                } else {
                    t.namespace_labels
                };
                match labels {
                    Some(l) if selector::matches(sel, l) => {}
                    _ => return false,
                }
            }
        }
        if let Some(sel) = &m.label_selector
            && !selector::matches(sel, t.labels)
        {
            return false;
        }
        if let Some(n) = &m.name
            && !glob(n, t.name)
        {
            return false;
        }
        true
    }
}

/// `enforcementAction: scoped`: the action of `scopedEnforcementActions`
/// for the validation webhook (or for every enforcement point).
fn scoped_webhook_action(spec: &Json) -> Action {
    let mut best: Option<Action> = None;
    for s in spec
        .get("scopedEnforcementActions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let applies = s
            .get("enforcementPoints")
            .and_then(Json::as_array)
            .is_none_or(|pts| {
                pts.iter().any(|p| {
                    matches!(
                        p.get("name").and_then(Json::as_str),
                        Some("validation.gatekeeper.sh" | "*")
                    )
                })
            });
        let action = match s.get("action").and_then(Json::as_str) {
            Some("deny") => Action::Deny,
            Some("warn") => Action::Warn,
            _ => Action::Dryrun,
        };
        if applies {
            best = Some(best.map_or(action, |b| b.min(action)));
        }
    }
    best.unwrap_or(Action::Dryrun)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target<'a>(ns: Option<&'a str>, labels: &'a BTreeMap<String, String>) -> Target<'a> {
        Target {
            group: "",
            kind: "Pod",
            name: "web",
            namespace: ns,
            labels,
            namespace_labels: None,
        }
    }

    #[test]
    fn globs() {
        assert!(glob("kube-*", "kube-system"));
        assert!(glob("*-system", "kube-system"));
        assert!(!glob("kube-*", "default"));
        assert!(glob("default", "default"));
    }

    #[test]
    fn match_criteria() {
        let c = Constraint::from_json(&json!({
            "kind": "K8sX", "metadata": {"name": "x"},
            "spec": {"match": {
                "kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
                "excludedNamespaces": ["kube-*"],
                "labelSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]}
            }}
        }))
        .unwrap();
        let none = BTreeMap::new();
        let team: BTreeMap<String, String> = [("team".to_string(), "a".to_string())].into();
        assert!(c.matches(&target(Some("default"), &team)));
        assert!(!c.matches(&target(Some("default"), &none)));
        assert!(!c.matches(&target(Some("kube-system"), &team)));
        let mut deploy = target(Some("default"), &team);
        deploy.kind = "Deployment";
        deploy.group = "apps";
        assert!(!c.matches(&deploy));
    }

    #[test]
    fn scoped_action_takes_the_webhook_point() {
        let c = Constraint::from_json(&json!({
            "kind": "K8sX", "metadata": {"name": "x"},
            "spec": {"enforcementAction": "scoped", "scopedEnforcementActions": [
                {"action": "warn", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]},
                {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]}
            ]}
        }))
        .unwrap();
        assert_eq!(c.action, Action::Warn);
    }
}

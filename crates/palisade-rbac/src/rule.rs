//! RBAC policy rules and how the authorizer matches a request against
//! them (`k8s.io/kubernetes/pkg/apis/rbac/v1` evaluation helpers).

use k8s_openapi::api::rbac::v1::PolicyRule;
use serde::Serialize;

/// One rule, normalised (absent lists are empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
    pub verbs: Vec<String>,
}

impl From<&PolicyRule> for Rule {
    fn from(r: &PolicyRule) -> Self {
        Rule {
            api_groups: r.api_groups.clone().unwrap_or_default(),
            resources: r.resources.clone().unwrap_or_default(),
            resource_names: r.resource_names.clone().unwrap_or_default(),
            non_resource_urls: r.non_resource_urls.clone().unwrap_or_default(),
            verbs: r.verbs.clone(),
        }
    }
}

/// What a subject asks to do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    Resource {
        verb: String,
        group: String,
        resource: String,
        subresource: String,
        /// `None` for cluster-scoped resources (and for "any namespace").
        namespace: Option<String>,
        /// `None` matches only rules without resourceNames.
        name: Option<String>,
    },
    NonResource {
        verb: String,
        path: String,
    },
}

impl Request {
    pub fn verb(&self) -> &str {
        match self {
            Request::Resource { verb, .. } | Request::NonResource { verb, .. } => verb,
        }
    }
}

impl Rule {
    /// `verbs` contains `*` or the verb.
    pub fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    /// `apiGroups` contains `*` or the group (`""` is the core group).
    pub fn group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group)
    }

    /// `resources` contains `*`, the resource (`pods`), `res/sub`
    /// (`pods/exec`) or `*/sub`. RBAC has no `pods/*`.
    pub fn resource_matches(&self, resource: &str, subresource: &str) -> bool {
        self.resources.iter().any(|r| {
            if r == "*" {
                return true;
            }
            if subresource.is_empty() {
                return r == resource;
            }
            match r.split_once('/') {
                Some((res, sub)) => (res == resource || res == "*") && sub == subresource,
                None => false,
            }
        })
    }

    /// Empty `resourceNames` matches every name; otherwise the request must
    /// name one of them.
    pub fn name_matches(&self, name: Option<&str>) -> bool {
        self.resource_names.is_empty()
            || name.is_some_and(|n| self.resource_names.iter().any(|r| r == n))
    }

    /// `nonResourceURLs` contains `*`, the path, or a prefix ending in `*`.
    pub fn url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|u| {
            u == "*"
                || u == path
                || u.strip_suffix('*')
                    .is_some_and(|prefix| path.starts_with(prefix))
        })
    }

    /// Whether this rule allows the request (scope is the caller's job).
    pub fn allows(&self, req: &Request) -> bool {
        match req {
            Request::Resource {
                verb,
                group,
                resource,
                subresource,
                name,
                ..
            } => {
                !self.resources.is_empty()
                    && self.verb_matches(verb)
                    && self.group_matches(group)
                    && self.resource_matches(resource, subresource)
                    && self.name_matches(name.as_deref())
            }
            Request::NonResource { verb, path } => {
                !self.non_resource_urls.is_empty()
                    && self.verb_matches(verb)
                    && self.url_matches(path)
            }
        }
    }

    /// Whether some request on `group`/`resource[/sub]` with one of `verbs`
    /// is allowed, for any object name (rules limited to resourceNames count:
    /// they still grant the verb on those objects).
    pub fn grants_any(
        &self,
        verbs: &[&str],
        group: &str,
        resource: &str,
        subresource: &str,
    ) -> bool {
        !self.resources.is_empty()
            && verbs.iter().any(|v| self.verb_matches(v))
            && self.group_matches(group)
            && self.resource_matches(resource, subresource)
    }

    /// `apiGroups`, `resources` and `verbs` all `*`.
    pub fn is_full_wildcard(&self) -> bool {
        self.api_groups.iter().any(|g| g == "*")
            && self.resources.iter().any(|r| r == "*")
            && self.verbs.iter().any(|v| v == "*")
            && self.resource_names.is_empty()
    }

    /// `group/resource: verbs` for messages.
    pub fn describe(&self) -> String {
        if !self.non_resource_urls.is_empty() {
            return format!(
                "{} on {}",
                self.verbs.join(","),
                self.non_resource_urls.join(",")
            );
        }
        let groups: Vec<&str> = self
            .api_groups
            .iter()
            .map(|g| if g.is_empty() { "core" } else { g.as_str() })
            .collect();
        let none = |v: &[String], what: &'static str| {
            if v.is_empty() {
                what.to_string()
            } else {
                v.join(",")
            }
        };
        let mut s = format!(
            "{} on {} ({})",
            none(&self.verbs, "no verbs"),
            none(&self.resources, "no resources"),
            if groups.is_empty() {
                "no API groups".to_string()
            } else {
                groups.join(",")
            }
        );
        if !self.resource_names.is_empty() {
            s.push_str(&format!(" named {}", self.resource_names.join(",")));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Rule {
        Rule {
            api_groups: groups.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            resource_names: vec![],
            non_resource_urls: vec![],
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn req(verb: &str, group: &str, resource: &str, sub: &str, name: Option<&str>) -> Request {
        Request::Resource {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: Some("ns".into()),
            name: name.map(str::to_string),
        }
    }

    #[test]
    fn resources_and_subresources() {
        let r = rule(&[""], &["pods"], &["get"]);
        assert!(r.allows(&req("get", "", "pods", "", None)));
        assert!(
            !r.allows(&req("get", "", "pods", "log", None)),
            "pods does not cover pods/log"
        );
        let sub = rule(&[""], &["pods/log"], &["get"]);
        assert!(sub.allows(&req("get", "", "pods", "log", None)));
        assert!(!sub.allows(&req("get", "", "pods", "", None)));
        let any_sub = rule(&[""], &["*/scale"], &["update"]);
        assert!(any_sub.allows(&req("update", "", "replicationcontrollers", "scale", None)));
        assert!(!any_sub.allows(&req("update", "", "replicationcontrollers", "status", None)));
        let star = rule(&["*"], &["*"], &["*"]);
        assert!(star.allows(&req(
            "escalate",
            "rbac.authorization.k8s.io",
            "roles",
            "",
            None
        )));
        assert!(
            star.allows(&req("get", "", "pods", "exec", None)),
            "* covers subresources"
        );
        // RBAC has no pods/* form
        let no_glob = rule(&[""], &["pods/*"], &["get"]);
        assert!(!no_glob.allows(&req("get", "", "pods", "log", None)));
    }

    #[test]
    fn groups_verbs_and_names() {
        let r = rule(&["apps"], &["deployments"], &["get", "list"]);
        assert!(
            !r.allows(&req("get", "", "deployments", "", None)),
            "group must match exactly"
        );
        assert!(!r.allows(&req("delete", "apps", "deployments", "", None)));
        let mut named = rule(&[""], &["configmaps"], &["get"]);
        named.resource_names = vec!["app-config".into()];
        assert!(named.allows(&req("get", "", "configmaps", "", Some("app-config"))));
        assert!(!named.allows(&req("get", "", "configmaps", "", Some("other"))));
        assert!(
            !named.allows(&req("get", "", "configmaps", "", None)),
            "list of all names is not allowed"
        );
        assert!(named.grants_any(&["get"], "", "configmaps", ""));
    }

    #[test]
    fn non_resource_urls() {
        let mut r = rule(&[], &[], &["get"]);
        r.non_resource_urls = vec!["/healthz".into(), "/metrics*".into()];
        let nr = |p: &str| Request::NonResource {
            verb: "get".into(),
            path: p.into(),
        };
        assert!(r.allows(&nr("/healthz")));
        assert!(!r.allows(&nr("/healthz/ready")));
        assert!(r.allows(&nr("/metrics/cadvisor")));
        assert!(
            !r.allows(&req("get", "", "pods", "", None)),
            "URL rules do not grant resources"
        );
        let rr = rule(&["*"], &["*"], &["*"]);
        assert!(
            !rr.allows(&nr("/healthz")),
            "resource rules do not grant URLs"
        );
    }
}

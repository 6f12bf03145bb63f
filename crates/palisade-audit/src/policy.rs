//! The audit Policy (`audit.k8s.io/v1`) and the API server's checker
//! (`k8s.io/apiserver/pkg/audit/policy/checker.go`), bit for bit: rules in
//! order, the first that matches decides, none matching means `None`;
//! policy and rule `omitStages` are unioned; a rule's `omitManagedFields`
//! overrides the policy's.

use palisade_value::Node;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How much of a request is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        })
    }
}

/// `resources[]` of a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GroupResources {
    pub group: String,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

/// One rule, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub level: Level,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub user_groups: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default)]
    pub resources: Vec<GroupResources>,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
    #[serde(default)]
    pub omit_stages: Vec<String>,
    #[serde(default)]
    pub omit_managed_fields: Option<bool>,
    #[serde(skip)]
    pub line: u32,
}

/// A Policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub omit_stages: Vec<String>,
    #[serde(default)]
    pub omit_managed_fields: bool,
}

/// A request, as the checker sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub user: String,
    pub groups: Vec<String>,
    pub verb: String,
    /// `Some` for resource requests.
    pub resource: Option<ResourceRequest>,
    /// The URL path of a non-resource request.
    pub path: String,
}

/// The resource part of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceRequest {
    pub group: String,
    pub resource: String,
    pub subresource: String,
    /// Empty for cluster-scoped requests.
    pub namespace: String,
    pub name: String,
}

/// What the policy decides for a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub level: Level,
    #[serde(rename = "omitStages")]
    pub omit_stages: Vec<String>,
    #[serde(rename = "omitManagedFields")]
    pub omit_managed_fields: bool,
    /// The index of the deciding rule; `None` when no rule matched.
    pub rule: Option<usize>,
}

/// A policy that cannot be read, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: u32,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

const STAGES: &[&str] = &[
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];

impl Policy {
    /// Reads a Policy document (YAML or JSON), checking it as the API
    /// server's policy reader would.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        if let Some(e) = stream.errors.first() {
            return Err(PolicyError {
                line: e.line,
                message: e.message.clone(),
            });
        }
        let doc = stream.documents.into_iter().next().ok_or(PolicyError {
            line: 1,
            message: "empty document".into(),
        })?;
        Self::from_node(&doc.root)
    }

    pub fn from_node(root: &Node) -> Result<Policy, PolicyError> {
        let kind = root.get_str("kind").unwrap_or("");
        let api_version = root.get_str("apiVersion").unwrap_or("");
        if kind != "Policy" || !api_version.starts_with("audit.k8s.io/") {
            return Err(PolicyError {
                line: root.line,
                message: format!(
                    "not an audit Policy (apiVersion audit.k8s.io/v1, kind Policy): found {api_version} {kind}"
                ),
            });
        }
        let mut p: Policy = palisade_value::from_node(root).map_err(|e| PolicyError {
            line: e.line,
            message: e.message,
        })?;
        let rule_nodes = root.get("rules").and_then(Node::as_seq).unwrap_or(&[]);
        for (r, n) in p.rules.iter_mut().zip(rule_nodes) {
            r.line = n.line;
        }
        for s in &p.omit_stages {
            if !STAGES.contains(&s.as_str()) {
                return Err(PolicyError {
                    line: root.get("omitStages").map_or(root.line, |n| n.line),
                    message: format!("unknown stage {s:?} (one of {})", STAGES.join(", ")),
                });
            }
        }
        for (i, r) in p.rules.iter().enumerate() {
            let bad = |m: String| PolicyError {
                line: r.line,
                message: format!("rules[{i}]: {m}"),
            };
            if (!r.resources.is_empty() || !r.namespaces.is_empty())
                && !r.non_resource_urls.is_empty()
            {
                return Err(bad(
                    "resources/namespaces and nonResourceURLs cannot be combined".into(),
                ));
            }
            for s in &r.omit_stages {
                if !STAGES.contains(&s.as_str()) {
                    return Err(bad(format!("unknown stage {s:?}")));
                }
            }
            for u in &r.non_resource_urls {
                if let Some(pos) = u.find('*')
                    && pos != u.len() - 1
                {
                    return Err(bad(format!(
                        "nonResourceURLs {u:?}: `*` is allowed only at the end"
                    )));
                }
            }
            for g in &r.resources {
                if !g.resource_names.is_empty() && g.resources.is_empty() {
                    return Err(bad("resourceNames require resources".into()));
                }
            }
        }
        Ok(p)
    }

    /// The first-match decision.
    pub fn evaluate(&self, req: &Request) -> Decision {
        for (i, r) in self.rules.iter().enumerate() {
            if r.matches(req) {
                let mut omit = self.omit_stages.clone();
                for s in &r.omit_stages {
                    if !omit.contains(s) {
                        omit.push(s.clone());
                    }
                }
                return Decision {
                    level: r.level,
                    omit_stages: omit,
                    omit_managed_fields: r.omit_managed_fields.unwrap_or(self.omit_managed_fields),
                    rule: Some(i),
                };
            }
        }
        Decision {
            level: Level::None,
            omit_stages: self.omit_stages.clone(),
            omit_managed_fields: self.omit_managed_fields,
            rule: None,
        }
    }
}

/// `spec` of `nonResourceURLs` against a path: `*`, equal, or a prefix
/// ending in `*`.
pub fn path_matches(path: &str, spec: &str) -> bool {
    spec == "*"
        || spec == path
        || (spec.ends_with('*') && path.starts_with(spec.trim_end_matches('*')))
}

impl Rule {
    /// Whether the rule matches (every field that is set must).
    pub fn matches(&self, req: &Request) -> bool {
        if !self.users.is_empty() && !self.users.contains(&req.user) {
            return false;
        }
        if !self.user_groups.is_empty() && !req.groups.iter().any(|g| self.user_groups.contains(g))
        {
            return false;
        }
        if !self.verbs.is_empty() && !self.verbs.contains(&req.verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            return self.matches_resource(req);
        }
        if !self.non_resource_urls.is_empty() {
            return req.resource.is_none()
                && self
                    .non_resource_urls
                    .iter()
                    .any(|u| path_matches(&req.path, u));
        }
        true
    }

    fn matches_resource(&self, req: &Request) -> bool {
        let Some(r) = &req.resource else {
            return false;
        };
        if !self.namespaces.is_empty() && !self.namespaces.contains(&r.namespace) {
            return false;
        }
        if self.resources.is_empty() {
            return true;
        }
        let combined = if r.subresource.is_empty() {
            r.resource.clone()
        } else {
            format!("{}/{}", r.resource, r.subresource)
        };
        for gr in &self.resources {
            if gr.group != r.group {
                continue;
            }
            if gr.resources.is_empty() {
                return true;
            }
            for res in &gr.resources {
                if !gr.resource_names.is_empty() && !gr.resource_names.contains(&r.name) {
                    continue;
                }
                if *res == combined || res == "*" {
                    return true;
                }
                // `*/sub`: Go's TrimLeft with the cutset "*/"
                if !r.subresource.is_empty()
                    && res.starts_with("*/")
                    && r.subresource == res.trim_start_matches(['*', '/'])
                {
                    return true;
                }
                // `res/*`: Go's TrimRight with the cutset "/*"; compares the
                // parent resource only, so `pods/*` also matches `pods`
                if res.ends_with("/*") && r.resource == res.trim_end_matches(['/', '*']) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether the rule has no condition at all (matches every request).
    pub fn is_catch_all(&self) -> bool {
        self.users.is_empty()
            && self.user_groups.is_empty()
            && self.verbs.is_empty()
            && self.resources.is_empty()
            && self.namespaces.is_empty()
            && self.non_resource_urls.is_empty()
    }
}

/// Parses `[GROUP/]RESOURCE[/SUB]` as `explain` takes it: `pods`,
/// `pods/exec`, `apps/deployments`, `apps/deployments/scale`. A first part
/// with a dot, or one of the core-less built-in groups, is a group.
pub fn parse_resource(spec: &str) -> (String, String, String) {
    let parts: Vec<&str> = spec.split('/').collect();
    let is_group = |s: &str| s.contains('.') || crate::known::is_builtin_group(s);
    match parts.as_slice() {
        [res] => (String::new(), res.to_string(), String::new()),
        [a, b] if is_group(a) => (a.to_string(), b.to_string(), String::new()),
        [a, b] => (String::new(), a.to_string(), b.to_string()),
        [g, r, s, ..] => (g.to_string(), r.to_string(), s.to_string()),
        [] => Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(verb: &str, group: &str, res: &str, sub: &str, ns: &str) -> Request {
        Request {
            user: "alice".into(),
            groups: vec!["system:authenticated".into()],
            verb: verb.into(),
            resource: Some(ResourceRequest {
                group: group.into(),
                resource: res.into(),
                subresource: sub.into(),
                namespace: ns.into(),
                name: String::new(),
            }),
            path: String::new(),
        }
    }

    fn rule(yaml: &str) -> Rule {
        let p = Policy::parse(&format!(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n{yaml}"
        ))
        .unwrap();
        p.rules[0].clone()
    }

    #[test]
    fn checker_quirks() {
        let pods_star =
            rule("- level: Metadata\n  resources: [{group: \"\", resources: [\"pods/*\"]}]\n");
        assert!(
            pods_star.matches(&req("get", "", "pods", "", "a")),
            "pods/* also matches pods"
        );
        assert!(pods_star.matches(&req("create", "", "pods", "exec", "a")));
        assert!(!pods_star.matches(&req("get", "", "services", "", "a")));
        let star_status =
            rule("- level: Metadata\n  resources: [{group: \"\", resources: [\"*/status\"]}]\n");
        assert!(star_status.matches(&req("update", "", "pods", "status", "a")));
        assert!(!star_status.matches(&req("update", "", "pods", "", "a")));
        let star = rule("- level: Metadata\n  resources: [{group: \"\", resources: [\"*\"]}]\n");
        assert!(
            star.matches(&req("get", "", "pods", "log", "a")),
            "* includes subresources"
        );
        assert!(
            !star.matches(&req("get", "apps", "deployments", "", "a")),
            "group is exact"
        );
        let cluster = rule("- level: Metadata\n  namespaces: [\"\"]\n");
        assert!(cluster.matches(&req("get", "", "nodes", "", "")));
        assert!(!cluster.matches(&req("get", "", "pods", "", "a")));
        let mut nr = req("get", "", "", "", "");
        nr.resource = None;
        nr.path = "/healthz/ready".into();
        assert!(
            !cluster.matches(&nr),
            "namespaces only match resource requests"
        );
        let urls = rule("- level: None\n  nonResourceURLs: [\"/healthz*\"]\n");
        assert!(urls.matches(&nr));
        assert!(!urls.matches(&req("get", "", "pods", "", "a")));
    }

    #[test]
    fn first_match_and_stages() {
        let p = Policy::parse(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n  users: [\"system:kube-proxy\"]\n- level: RequestResponse\n  resources: [{group: \"\", resources: [secrets]}]\n  omitStages: [ResponseStarted]\n- level: Metadata\n",
        )
        .unwrap();
        let d = p.evaluate(&req("get", "", "secrets", "", "a"));
        assert_eq!(d.level, Level::RequestResponse);
        assert_eq!(d.rule, Some(1));
        assert_eq!(d.omit_stages, ["RequestReceived", "ResponseStarted"]);
        assert_eq!(p.rules[1].line, 7);
        let mut kp = req("get", "", "secrets", "", "a");
        kp.user = "system:kube-proxy".into();
        assert_eq!(p.evaluate(&kp).level, Level::None);
        let empty = Policy::parse("apiVersion: audit.k8s.io/v1\nkind: Policy\n").unwrap();
        assert_eq!(empty.evaluate(&kp).level, Level::None);
        assert_eq!(empty.evaluate(&kp).rule, None);
    }

    #[test]
    fn invalid_policies_are_located() {
        let e = Policy::parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  nonResourceURLs: [\"/a*/b\"]\n").unwrap_err();
        assert_eq!(e.line, 4);
        let e = Policy::parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n")
            .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(Policy::parse("apiVersion: v1\nkind: Pod\n").is_err());
    }

    #[test]
    fn resource_specs() {
        assert_eq!(
            parse_resource("pods"),
            ("".into(), "pods".into(), "".into())
        );
        assert_eq!(
            parse_resource("pods/exec"),
            ("".into(), "pods".into(), "exec".into())
        );
        assert_eq!(
            parse_resource("apps/deployments"),
            ("apps".into(), "deployments".into(), "".into())
        );
        assert_eq!(
            parse_resource("rbac.authorization.k8s.io/clusterroles"),
            (
                "rbac.authorization.k8s.io".into(),
                "clusterroles".into(),
                "".into()
            )
        );
        assert_eq!(
            parse_resource("apps/deployments/scale"),
            ("apps".into(), "deployments".into(), "scale".into())
        );
    }
}

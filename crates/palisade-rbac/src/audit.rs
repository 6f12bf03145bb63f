//! Least-privilege roles from an audit log: the Roles/ClusterRoles and
//! bindings that allow exactly what a subject was seen doing.

use crate::subject::Subject;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// A line of the audit log that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    verb: String,
    #[serde(default, rename = "requestURI")]
    request_uri: String,
    #[serde(default)]
    user: UserInfo,
    #[serde(default)]
    impersonated_user: Option<UserInfo>,
    #[serde(default)]
    object_ref: Option<ObjectReference>,
}

#[derive(Debug, Default, Deserialize)]
struct UserInfo {
    #[serde(default)]
    username: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectReference {
    #[serde(default)]
    resource: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    api_group: Option<String>,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    subresource: Option<String>,
}

/// What the subject did, reduced to what a rule needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Access {
    /// `None` = cluster scope.
    namespace: Option<String>,
    group: String,
    /// `res` or `res/sub`; for non-resource requests the URL path.
    resource: String,
    non_resource: bool,
    verb: String,
    name: Option<String>,
}

/// Options for [`generate`].
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Grant get, list and watch when any of them was used (as audit2rbac
    /// does: a client that lists usually also gets and watches).
    pub expand_read_verbs: bool,
    /// Name of the generated roles and bindings.
    pub name: String,
}

/// The generated policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Per namespace (`None` = cluster scope): rules as
    /// `(apiGroups, resources, resourceNames, nonResourceURLs, verbs)`.
    pub scopes: BTreeMap<Option<String>, Vec<GeneratedRule>>,
    pub events_used: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GeneratedRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
    pub verbs: Vec<String>,
}

/// Reads a JSON-lines audit log; broken lines are reported and skipped.
fn parse(log: &str) -> (Vec<(usize, Event)>, Vec<LineError>) {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in log.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Event>(line) {
            Ok(e) => events.push((i + 1, e)),
            Err(e) => errors.push(LineError {
                line: i + 1,
                message: format!("not an audit event: {e}"),
            }),
        }
    }
    (events, errors)
}

fn access(e: &Event) -> Option<Access> {
    if let Some(o) = &e.object_ref {
        if o.resource.is_empty() {
            return None;
        }
        let group = o.api_group.clone().unwrap_or_else(|| {
            o.api_version
                .as_deref()
                .and_then(|v| v.split_once('/').map(|(g, _)| g.to_string()))
                .unwrap_or_default()
        });
        let resource = match o.subresource.as_deref().filter(|s| !s.is_empty()) {
            Some(sub) => format!("{}/{sub}", o.resource),
            None => o.resource.clone(),
        };
        Some(Access {
            namespace: o.namespace.clone().filter(|n| !n.is_empty()),
            group,
            resource,
            non_resource: false,
            verb: e.verb.clone(),
            name: o.name.clone().filter(|n| !n.is_empty()),
        })
    } else {
        let path = e
            .request_uri
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        if path.is_empty() {
            return None;
        }
        Some(Access {
            namespace: None,
            group: String::new(),
            resource: path,
            non_resource: true,
            verb: e.verb.clone(),
            name: None,
        })
    }
}

/// Builds the least-privilege policy for `subject` from `log`.
pub fn generate(log: &str, subject: &Subject, opts: &GenerateOptions) -> (Policy, Vec<LineError>) {
    let (events, errors) = parse(log);
    let username = subject.username();
    let mut seen: BTreeSet<Access> = BTreeSet::new();
    let mut used = 0;
    for (_, e) in &events {
        // one decision per request: the completed stage
        if e.stage.as_deref().is_some_and(|s| s != "ResponseComplete") {
            continue;
        }
        let who = e.impersonated_user.as_ref().unwrap_or(&e.user);
        let matches = match subject {
            Subject::Group(_) => false,
            _ => username.as_deref() == Some(who.username.as_str()),
        };
        if !matches {
            continue;
        }
        if let Some(a) = access(e) {
            used += 1;
            seen.insert(a);
        }
    }
    let mut policy = Policy {
        events_used: used,
        ..Default::default()
    };
    // (scope, group, resource) → verbs, names
    type Key = (Option<String>, String, String, bool);
    let mut grouped: BTreeMap<Key, (BTreeSet<String>, BTreeSet<Option<String>>)> = BTreeMap::new();
    for a in seen {
        let e = grouped
            .entry((a.namespace, a.group, a.resource, a.non_resource))
            .or_default();
        e.0.insert(a.verb);
        e.1.insert(a.name);
    }
    // per scope: merge resources that get the same verbs
    // (API group, verbs, resource names, non-resource) → resources
    type Shape = (String, Vec<String>, Vec<String>, bool);
    let mut merged: BTreeMap<Option<String>, BTreeMap<Shape, BTreeSet<String>>> = BTreeMap::new();
    for ((scope, group, resource, non_resource), (mut verbs, names)) in grouped {
        if opts.expand_read_verbs
            && !non_resource
            && ["get", "list", "watch"].iter().any(|v| verbs.contains(*v))
        {
            verbs.extend(["get", "list", "watch"].map(String::from));
        }
        let listing = verbs
            .iter()
            .any(|v| matches!(v.as_str(), "list" | "watch" | "create" | "deletecollection"));
        let resource_names: Vec<String> = if !non_resource && !listing && names.len() == 1 {
            names.into_iter().flatten().collect()
        } else {
            Vec::new()
        };
        merged
            .entry(scope)
            .or_default()
            .entry((
                group,
                verbs.into_iter().collect(),
                resource_names,
                non_resource,
            ))
            .or_default()
            .insert(resource);
    }
    for (scope, rules) in merged {
        let out = policy.scopes.entry(scope).or_default();
        for ((group, verbs, names, non_resource), resources) in rules {
            let resources: Vec<String> = resources.into_iter().collect();
            out.push(if non_resource {
                GeneratedRule {
                    api_groups: vec![],
                    resources: vec![],
                    resource_names: vec![],
                    non_resource_urls: resources,
                    verbs,
                }
            } else {
                GeneratedRule {
                    api_groups: vec![group],
                    resources,
                    resource_names: names,
                    non_resource_urls: vec![],
                    verbs,
                }
            });
        }
        out.sort();
    }
    (policy, errors)
}

/// The policy as Kubernetes YAML (Role/ClusterRole and bindings).
pub fn to_yaml(policy: &Policy, subject: &Subject, opts: &GenerateOptions) -> String {
    use k8s_openapi::api::rbac::v1 as rbac;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    const GROUP: &str = "rbac.authorization.k8s.io";
    let some = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
    let who = subject.to_string();
    let subject = match subject {
        Subject::User(u) => rbac::Subject {
            api_group: Some(GROUP.into()),
            kind: "User".into(),
            name: u.clone(),
            namespace: None,
        },
        Subject::Group(g) => rbac::Subject {
            api_group: Some(GROUP.into()),
            kind: "Group".into(),
            name: g.clone(),
            namespace: None,
        },
        Subject::ServiceAccount { namespace, name } => rbac::Subject {
            api_group: None,
            kind: "ServiceAccount".into(),
            name: name.clone(),
            namespace: Some(namespace.clone()),
        },
    };
    let mut s = String::new();
    for (scope, rules) in &policy.scopes {
        let metadata = ObjectMeta {
            name: Some(opts.name.clone()),
            namespace: scope.clone(),
            labels: Some(BTreeMap::from([(
                "palisade.dev/generated".to_string(),
                "true".to_string(),
            )])),
            annotations: Some(BTreeMap::from([(
                "palisade.dev/generated-for".to_string(),
                who.clone(),
            )])),
            ..Default::default()
        };
        let rules: Vec<rbac::PolicyRule> = rules
            .iter()
            .map(|r| rbac::PolicyRule {
                api_groups: (r.non_resource_urls.is_empty()).then(|| r.api_groups.clone()),
                resources: (r.non_resource_urls.is_empty()).then(|| r.resources.clone()),
                resource_names: some(&r.resource_names),
                non_resource_urls: some(&r.non_resource_urls),
                verbs: r.verbs.clone(),
            })
            .collect();
        let role_ref = |kind: &str| rbac::RoleRef {
            api_group: Some(GROUP.into()),
            kind: kind.into(),
            name: opts.name.clone(),
        };
        let (role, binding) = if scope.is_some() {
            (
                palisade_emit::yaml::to_string(&rbac::Role {
                    metadata: metadata.clone(),
                    rules: Some(rules),
                }),
                palisade_emit::yaml::to_string(&rbac::RoleBinding {
                    metadata,
                    role_ref: role_ref("Role"),
                    subjects: Some(vec![subject.clone()]),
                }),
            )
        } else {
            (
                palisade_emit::yaml::to_string(&rbac::ClusterRole {
                    metadata: metadata.clone(),
                    rules: Some(rules),
                    aggregation_rule: None,
                }),
                palisade_emit::yaml::to_string(&rbac::ClusterRoleBinding {
                    metadata,
                    role_ref: role_ref("ClusterRole"),
                    subjects: Some(vec![subject.clone()]),
                }),
            )
        };
        for doc in [role, binding] {
            s.push_str("---\n");
            s.push_str(&doc);
        }
    }
    s
}

fn tf_ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The policy as Terraform (`kubernetes_role_v1`, `kubernetes_role_binding_v1`,
/// and their cluster counterparts), ready to paste into the user's IaC.
pub fn to_terraform(policy: &Policy, subject: &Subject, opts: &GenerateOptions) -> String {
    use palisade_emit::terraform::{Block, Expression, expression, resource, string_map};
    let list = |v: &[String]| Expression::Array(v.iter().map(|x| x.as_str().into()).collect());
    let subject_block = {
        let b = Block::builder("subject");
        match subject {
            Subject::User(u) => b
                .add_attribute(("api_group", "rbac.authorization.k8s.io"))
                .add_attribute(("kind", "User"))
                .add_attribute(("name", u.as_str())),
            Subject::Group(g) => b
                .add_attribute(("api_group", "rbac.authorization.k8s.io"))
                .add_attribute(("kind", "Group"))
                .add_attribute(("name", g.as_str())),
            Subject::ServiceAccount { namespace, name } => b
                .add_attribute(("kind", "ServiceAccount"))
                .add_attribute(("name", name.as_str()))
                .add_attribute(("namespace", namespace.as_str())),
        }
        .build()
    };
    let mut blocks = Vec::new();
    for (scope, rules) in &policy.scopes {
        let (role_res, binding_res, kind) = match scope {
            Some(_) => ("kubernetes_role_v1", "kubernetes_role_binding_v1", "Role"),
            None => (
                "kubernetes_cluster_role_v1",
                "kubernetes_cluster_role_binding_v1",
                "ClusterRole",
            ),
        };
        let ident = tf_ident(&format!(
            "{}_{}",
            opts.name,
            scope.as_deref().unwrap_or("cluster")
        ));
        let metadata = |labelled: bool| {
            let mut m = Block::builder("metadata").add_attribute(("name", opts.name.as_str()));
            if let Some(ns) = scope {
                m = m.add_attribute(("namespace", ns.as_str()));
            }
            if labelled {
                m = m.add_attribute(("labels", string_map([("palisade.dev/generated", "true")])));
            }
            m.build()
        };
        let mut role = resource(role_res, &ident).add_block(metadata(true));
        for r in rules {
            let mut rule = Block::builder("rule");
            if r.non_resource_urls.is_empty() {
                rule = rule
                    .add_attribute(("api_groups", list(&r.api_groups)))
                    .add_attribute(("resources", list(&r.resources)));
                if !r.resource_names.is_empty() {
                    rule = rule.add_attribute(("resource_names", list(&r.resource_names)));
                }
            } else {
                rule = rule.add_attribute(("non_resource_urls", list(&r.non_resource_urls)));
            }
            role = role.add_block(rule.add_attribute(("verbs", list(&r.verbs))).build());
        }
        let binding = resource(binding_res, &ident)
            .add_block(metadata(false))
            .add_block(
                Block::builder("role_ref")
                    .add_attribute(("api_group", "rbac.authorization.k8s.io"))
                    .add_attribute(("kind", kind))
                    .add_attribute((
                        "name",
                        expression(&format!("{role_res}.{ident}.metadata[0].name")),
                    ))
                    .build(),
            )
            .add_block(subject_block.clone())
            .build();
        blocks.push(("", role.build()));
        blocks.push(("", binding));
    }
    palisade_emit::terraform::blocks(blocks)
}

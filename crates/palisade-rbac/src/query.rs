//! Questions asked of the RBAC model: who can do this, can this subject do
//! this, what can this subject do.

use crate::graph::{BindingDef, BindingKind, EffectiveRule, Rbac, RoleDef};
use crate::rule::Request;
use crate::subject::{Identity, Subject};

/// One reason a subject may do something: a binding, its role, the rule.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub subject: &'a Subject,
    pub binding: &'a BindingDef,
    pub role: &'a RoleDef,
    pub rule: &'a EffectiveRule,
}

impl Grant<'_> {
    /// `None` = cluster-wide; else the namespace the binding grants in.
    pub fn scope(&self) -> Option<&str> {
        self.binding.scope()
    }
}

/// Whether a binding of this kind, in this namespace, grants a request.
fn binding_applies(b: &BindingDef, req: &Request, any_namespace: bool) -> bool {
    match (b.kind, req) {
        (BindingKind::ClusterRoleBinding, _) => true,
        (BindingKind::RoleBinding, Request::NonResource { .. }) => false,
        (BindingKind::RoleBinding, Request::Resource { namespace, .. }) => match namespace {
            Some(ns) => b.namespace.as_deref() == Some(ns.as_str()),
            None => any_namespace,
        },
    }
}

impl Rbac {
    /// Every (subject, binding, rule) that allows `req`. For a namespaced
    /// resource asked without a namespace, `any_namespace` also returns the
    /// RoleBindings of every namespace (their scope says where).
    pub fn who_can(&self, req: &Request, any_namespace: bool) -> Vec<Grant<'_>> {
        let mut out = Vec::new();
        // many bindings share a role: match each role's rules once
        let mut matched: Vec<Option<Option<usize>>> = vec![None; self.roles.len()];
        for b in &self.bindings {
            if !binding_applies(b, req, any_namespace) {
                continue;
            }
            let Some(ri) = b.role else { continue };
            let role = &self.roles[ri];
            let hit = *matched[ri]
                .get_or_insert_with(|| role.rules.iter().position(|r| r.rule.allows(req)));
            let Some(rule) = hit.map(|i| &role.rules[i]) else {
                continue;
            };
            for s in &b.subjects {
                out.push(Grant {
                    subject: &s.subject,
                    binding: b,
                    role,
                    rule,
                });
            }
        }
        out.sort_by(|a, b| {
            (a.subject, a.binding.scope(), &a.binding.name).cmp(&(
                b.subject,
                b.binding.scope(),
                &b.binding.name,
            ))
        });
        out
    }

    /// Whether `who` may do `req`, and every grant that allows it.
    pub fn can<'a>(&'a self, who: &Identity, req: &Request) -> Decision<'a> {
        let grants: Vec<Grant<'a>> = self
            .who_can(req, false)
            .into_iter()
            .filter(|g| who.matched_by(g.subject))
            .collect();
        Decision {
            allowed: who.is_system_master() || !grants.is_empty(),
            system_masters: who.is_system_master(),
            grants,
        }
    }

    /// Everything `who` is granted, by binding.
    pub fn explain<'a>(&'a self, who: &Identity) -> Vec<Grant<'a>> {
        let mut out = Vec::new();
        for b in &self.bindings {
            let Some(s) = b.subjects.iter().find(|s| who.matched_by(&s.subject)) else {
                continue;
            };
            let Some(role) = self.role_of(b) else {
                continue;
            };
            for rule in &role.rules {
                if b.kind == BindingKind::RoleBinding && !rule.rule.non_resource_urls.is_empty() {
                    continue; // URL rules only apply cluster-wide
                }
                out.push(Grant {
                    subject: &s.subject,
                    binding: b,
                    role,
                    rule,
                });
            }
        }
        out.sort_by(|a, b| {
            (
                a.binding.scope().is_some(),
                a.binding.scope(),
                &a.binding.name,
            )
                .cmp(&(
                    b.binding.scope().is_some(),
                    b.binding.scope(),
                    &b.binding.name,
                ))
        });
        out
    }

    /// Bindings that name `who` but whose role is missing (their grants are unknown).
    pub fn dangling_for<'a>(&'a self, who: &Identity) -> Vec<&'a BindingDef> {
        self.bindings
            .iter()
            .filter(|b| b.role.is_none() && b.subjects.iter().any(|s| who.matched_by(&s.subject)))
            .collect()
    }
}

/// The answer to "can this subject do this?".
#[derive(Debug)]
pub struct Decision<'a> {
    pub allowed: bool,
    /// `system:masters` bypasses RBAC: allowed whatever the bindings say.
    pub system_masters: bool,
    pub grants: Vec<Grant<'a>>,
}

/// One cell of the who-can matrix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Permission {
    pub verb: String,
    /// `resource[.group]` or `resource/sub`.
    pub resource: String,
    /// `cluster-wide`, or the namespaces where it is granted.
    pub scopes: Vec<String>,
}

/// For every built-in resource (and its security-relevant subresources)
/// and every common and special verb: who may, and where. Keyed by subject.
pub fn matrix(rbac: &Rbac) -> std::collections::BTreeMap<String, Vec<Permission>> {
    use std::collections::BTreeMap;
    let mut pairs: Vec<(&str, String, String, String)> = Vec::new();
    for (res, group, _) in crate::resources::BUILTIN {
        for v in crate::resources::COMMON_VERBS {
            pairs.push((v, group.to_string(), res.to_string(), String::new()));
        }
    }
    for (verb, group, res, sub) in [
        ("create", "", "pods", "exec"),
        ("create", "", "pods", "attach"),
        ("create", "", "pods", "portforward"),
        ("patch", "", "pods", "ephemeralcontainers"),
        ("get", "", "nodes", "proxy"),
        ("create", "", "serviceaccounts", "token"),
        ("update", "", "services", "status"),
        ("bind", "rbac.authorization.k8s.io", "clusterroles", ""),
        ("escalate", "rbac.authorization.k8s.io", "clusterroles", ""),
        ("bind", "rbac.authorization.k8s.io", "roles", ""),
        ("escalate", "rbac.authorization.k8s.io", "roles", ""),
        ("impersonate", "", "users", ""),
        ("impersonate", "", "groups", ""),
        ("impersonate", "", "serviceaccounts", ""),
        ("approve", "certificates.k8s.io", "signers", ""),
    ] {
        pairs.push((verb, group.to_string(), res.to_string(), sub.to_string()));
    }
    let mut out: BTreeMap<String, BTreeMap<(String, String), Vec<String>>> = BTreeMap::new();
    for (verb, group, resource, sub) in pairs {
        let req = Request::Resource {
            verb: verb.to_string(),
            group: group.clone(),
            resource: resource.clone(),
            subresource: sub.clone(),
            namespace: None,
            name: None,
        };
        let label = match (group.as_str(), sub.as_str()) {
            ("", "") => resource.clone(),
            ("", s) => format!("{resource}/{s}"),
            (g, "") => format!("{resource}.{g}"),
            (g, s) => format!("{resource}.{g}/{s}"),
        };
        for g in rbac.who_can(&req, true) {
            let scope = g.scope().map_or("cluster-wide".to_string(), str::to_string);
            let scopes = out
                .entry(g.subject.to_string())
                .or_default()
                .entry((verb.to_string(), label.clone()))
                .or_default();
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
    }
    out.into_iter()
        .map(|(subject, perms)| {
            let perms = perms
                .into_iter()
                .map(|((verb, resource), mut scopes)| {
                    scopes.sort();
                    Permission {
                        verb,
                        resource,
                        scopes,
                    }
                })
                .collect();
            (subject, perms)
        })
        .collect()
}

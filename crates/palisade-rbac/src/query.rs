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
        self.each_grant(req, any_namespace, |g| out.push(g));
        out.sort_by(|a, b| {
            (a.subject, a.binding.scope(), &a.binding.name).cmp(&(
                b.subject,
                b.binding.scope(),
                &b.binding.name,
            ))
        });
        out
    }

    /// Calls `f` with every grant that allows `req`, in binding order.
    pub fn each_grant<'a>(
        &'a self,
        req: &Request,
        any_namespace: bool,
        mut f: impl FnMut(Grant<'a>),
    ) {
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
                f(Grant {
                    subject: &s.subject,
                    binding: b,
                    role,
                    rule,
                });
            }
        }
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

/// Who can do what: for every built-in resource (and its
/// security-relevant subresources) and every common and special verb, the
/// subjects allowed and where.
pub struct Matrix<'a> {
    /// `(verb, resource[.group][/sub])`, one per column.
    pub columns: Vec<(&'static str, String)>,
    /// Subjects in display order, each with its allowed columns and, per
    /// column, the scopes (`None` = cluster-wide, else a namespace) sorted
    /// with cluster-wide first.
    pub rows: Vec<MatrixRow<'a>>,
}

/// One subject of the matrix.
pub struct MatrixRow<'a> {
    pub subject: &'a Subject,
    pub cells: Vec<(u32, Vec<Option<&'a str>>)>,
}

impl Matrix<'_> {
    /// `cluster-wide` or the namespace.
    pub fn scope_label(scope: Option<&str>) -> &str {
        scope.unwrap_or("cluster-wide")
    }
}

/// JSON: `{"user:alice": [{"verb", "resource", "scopes": [...]}, ...], ...}`.
impl serde::Serialize for Matrix<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeStruct};
        struct Cells<'m, 'a>(&'m Matrix<'a>, &'m MatrixRow<'a>);
        struct Cell<'m>(&'m str, &'m str, &'m [Option<&'m str>]);
        struct Scopes<'m>(&'m [Option<&'m str>]);
        impl serde::Serialize for Scopes<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|sc| Matrix::scope_label(*sc)))
            }
        }
        impl serde::Serialize for Cell<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Permission", 3)?;
                st.serialize_field("verb", self.0)?;
                st.serialize_field("resource", self.1)?;
                st.serialize_field("scopes", &Scopes(self.2))?;
                st.end()
            }
        }
        impl serde::Serialize for Cells<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.1.cells.iter().map(|(c, scopes)| {
                    let (verb, res) = &self.0.columns[*c as usize];
                    Cell(verb, res, scopes)
                }))
            }
        }
        let mut m = s.serialize_map(Some(self.rows.len()))?;
        for row in &self.rows {
            m.serialize_entry(&row.subject.to_string(), &Cells(self, row))?;
        }
        m.end()
    }
}

/// The columns of the matrix and the request each asks.
fn matrix_columns() -> Vec<(&'static str, String, Request)> {
    let mut cols: Vec<(&'static str, &'static str, &'static str, &'static str)> = Vec::new();
    for (res, group, _) in crate::resources::BUILTIN {
        for v in crate::resources::COMMON_VERBS {
            cols.push((v, group, res, ""));
        }
    }
    cols.extend([
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
    ]);
    cols.into_iter()
        .map(|(verb, group, resource, sub)| {
            let label = match (group, sub) {
                ("", "") => resource.to_string(),
                ("", s) => format!("{resource}/{s}"),
                (g, "") => format!("{resource}.{g}"),
                (g, s) => format!("{resource}.{g}/{s}"),
            };
            let req = Request::Resource {
                verb: verb.to_string(),
                group: group.to_string(),
                resource: resource.to_string(),
                subresource: sub.to_string(),
                namespace: None,
                name: None,
            };
            (verb, label, req)
        })
        .collect()
}

/// Builds the who-can matrix.
pub fn matrix(rbac: &Rbac) -> Matrix<'_> {
    use std::collections::HashMap;
    let cols = matrix_columns();
    let mut ids: HashMap<&Subject, u32> = HashMap::new();
    let mut subjects: Vec<&Subject> = Vec::new();
    // (subject, column, scope) for every grant
    let mut cells: Vec<(u32, u32, Option<&str>)> = Vec::new();
    let mut column: Vec<(u32, u32, Option<&str>)> = Vec::new();
    for (c, (_, _, req)) in cols.iter().enumerate() {
        rbac.each_grant(req, true, |g| {
            let id = *ids.entry(g.subject).or_insert_with(|| {
                subjects.push(g.subject);
                (subjects.len() - 1) as u32
            });
            column.push((id, c as u32, g.binding.scope()));
        });
        // many bindings grant the same subject the same thing
        column.sort_unstable();
        column.dedup();
        cells.append(&mut column);
    }
    cells.sort_unstable();
    let mut rows: Vec<MatrixRow<'_>> = subjects
        .iter()
        .map(|s| MatrixRow {
            subject: s,
            cells: Vec::new(),
        })
        .collect();
    for (id, col, scope) in cells {
        let row = &mut rows[id as usize];
        match row.cells.last_mut() {
            Some((c, scopes)) if *c == col => scopes.push(scope),
            _ => row.cells.push((col, vec![scope])),
        }
    }
    // the JSON object's keys, sorted as text
    let mut keyed: Vec<(String, MatrixRow<'_>)> = rows
        .into_iter()
        .map(|r| (r.subject.to_string(), r))
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Matrix {
        columns: cols.into_iter().map(|(v, label, _)| (v, label)).collect(),
        rows: keyed.into_iter().map(|(_, r)| r).collect(),
    }
}

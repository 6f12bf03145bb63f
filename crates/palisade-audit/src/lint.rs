//! `palisade audit policy lint`: what a Policy gets wrong under the API
//! server's first-match semantics.

use crate::known;
use crate::policy::{GroupResources, Level, Policy, Request, ResourceRequest, Rule, path_matches};
use palisade_findings::Severity;
use serde::Serialize;

/// One problem, on the line of the rule at fault (or of the policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    pub id: &'static str,
    pub severity: Severity,
    pub line: u32,
    pub message: String,
    pub fix: String,
}

fn subset(inner: &[String], outer: &[String]) -> bool {
    outer.is_empty() || (!inner.is_empty() && inner.iter().all(|x| outer.contains(x)))
}

fn is_resource_rule(r: &Rule) -> bool {
    !r.namespaces.is_empty() || !r.resources.is_empty()
}

/// Whether resource entry `i` matches every request entry `j` matches.
fn resource_covers(i: &str, j: &str) -> bool {
    if i == j || i == "*" {
        return true;
    }
    if let Some(sub) = i.strip_prefix("*/") {
        return j.split_once('/').is_some_and(|(_, s)| s == sub);
    }
    if let Some(parent) = i.strip_suffix("/*") {
        return j == parent || j.split_once('/').is_some_and(|(p, _)| p == parent);
    }
    false
}

fn entry_covers(i: &GroupResources, j: &GroupResources) -> bool {
    if i.group != j.group {
        return false;
    }
    if i.resources.is_empty() {
        return true;
    }
    let names_ok = i.resource_names.is_empty()
        || (!j.resource_names.is_empty()
            && j.resource_names
                .iter()
                .all(|n| i.resource_names.contains(n)));
    if j.resources.is_empty() {
        return names_ok && i.resources.iter().any(|r| r == "*");
    }
    names_ok
        && j.resources
            .iter()
            .all(|jr| i.resources.iter().any(|ir| resource_covers(ir, jr)))
}

/// Whether rule `i` matches every request rule `j` matches (so `j`, after
/// `i`, can never decide anything).
pub fn covers(i: &Rule, j: &Rule) -> bool {
    if !subset(&j.users, &i.users)
        || !subset(&j.user_groups, &i.user_groups)
        || !subset(&j.verbs, &i.verbs)
    {
        return false;
    }
    if is_resource_rule(i) {
        if !is_resource_rule(j) {
            return false;
        }
        if !subset(&j.namespaces, &i.namespaces) {
            return false;
        }
        if i.resources.is_empty() {
            return true;
        }
        return !j.resources.is_empty()
            && j.resources
                .iter()
                .all(|je| i.resources.iter().any(|ie| entry_covers(ie, je)));
    }
    if !i.non_resource_urls.is_empty() {
        return !j.non_resource_urls.is_empty()
            && j.non_resource_urls.iter().all(|ju| {
                i.non_resource_urls.iter().any(|iu| {
                    path_matches(ju.trim_end_matches('*'), iu)
                        && (!ju.ends_with('*') || iu.ends_with('*'))
                })
            });
    }
    true
}

fn probe(
    user: &str,
    groups: &[String],
    verb: &str,
    group: &str,
    res: &str,
    sub: &str,
    ns: &str,
) -> Request {
    Request {
        user: user.into(),
        groups: groups.to_vec(),
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

/// Who to probe as: an ordinary user, and the first user and group each
/// rule names (so user-specific rules are exercised too).
fn identities(p: &Policy) -> Vec<(String, Vec<String>)> {
    let mut v = vec![(
        "palisade:probe".to_string(),
        vec!["system:authenticated".to_string()],
    )];
    for r in &p.rules {
        let user = r
            .users
            .first()
            .cloned()
            .unwrap_or_else(|| "palisade:probe".into());
        let groups = match r.user_groups.first() {
            Some(g) => vec![g.clone(), "system:authenticated".into()],
            None => vec!["system:authenticated".into()],
        };
        if !v.contains(&(user.clone(), groups.clone())) {
            v.push((user, groups));
        }
    }
    v
}

fn rule_line(p: &Policy, i: Option<usize>) -> u32 {
    i.and_then(|i| p.rules.get(i)).map_or(1, |r| r.line)
}

fn which(i: Option<usize>) -> String {
    match i {
        Some(i) => format!("rules[{i}]"),
        None => "no rule (level None)".into(),
    }
}

/// A resource whose bodies must not reach the log: group, resource,
/// subresource, verbs to probe, severity, what leaks.
type Sensitive = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    Severity,
    &'static str,
);

/// Every lint of the policy, in line order.
pub fn lint(p: &Policy) -> Vec<Lint> {
    let mut out = Vec::new();
    // shadowed rules
    for (j, rj) in p.rules.iter().enumerate() {
        if let Some(i) = (0..j).find(|&i| covers(&p.rules[i], rj)) {
            out.push(Lint {
                id: "audit-rule-shadowed",
                severity: Severity::Medium,
                line: rj.line,
                message: format!(
                    "rules[{j}] (level {}) can never match: rules[{i}] (line {}, level {}) matches every request it does, and the first matching rule wins",
                    rj.level, p.rules[i].line, p.rules[i].level
                ),
                fix: format!("Move rules[{j}] above rules[{i}], or narrow rules[{i}]; otherwise delete it."),
            });
        }
    }
    // catch-all
    if !p.rules.iter().any(Rule::is_catch_all) {
        out.push(Lint {
            id: "audit-no-catch-all",
            severity: Severity::High,
            line: p.rules.last().map_or(1, |r| r.line),
            message: "no catch-all rule: requests no rule matches are not logged at all (level None)".into(),
            fix: "End the rules with `- level: Metadata` (no other field) so every other request is logged.".into(),
        });
    }
    let ids = identities(p);
    // secrets and tokens with bodies
    let sensitive: &[Sensitive] = &[
        (
            "",
            "secrets",
            "",
            &[
                "get", "list", "watch", "create", "update", "patch", "delete",
            ],
            Severity::High,
            "Secret values",
        ),
        (
            "authentication.k8s.io",
            "tokenreviews",
            "",
            &["create"],
            Severity::High,
            "bearer tokens",
        ),
        (
            "",
            "serviceaccounts",
            "token",
            &["create"],
            Severity::High,
            "issued service-account tokens",
        ),
        (
            "",
            "configmaps",
            "",
            &["create", "update", "patch", "get", "list"],
            Severity::Medium,
            "ConfigMap data (credentials are often kept there)",
        ),
    ];
    // every namespace a rule names, plus an ordinary one and cluster scope
    let mut namespaces: Vec<&str> = vec!["default", ""];
    for r in &p.rules {
        for n in &r.namespaces {
            if !namespaces.contains(&n.as_str()) {
                namespaces.push(n);
            }
        }
    }
    let mut seen: Vec<(Option<usize>, &str)> = Vec::new();
    for (group, res, sub, verbs, sev, what) in sensitive {
        for (user, groups) in &ids {
            for verb in *verbs {
                for &ns in &namespaces {
                    if *res != "secrets"
                        && *res != "configmaps"
                        && *res != "serviceaccounts"
                        && !ns.is_empty()
                    {
                        continue;
                    }
                    let d = p.evaluate(&probe(user, groups, verb, group, res, sub, ns));
                    if d.level >= Level::Request && !seen.contains(&(d.rule, *res)) {
                        seen.push((d.rule, res));
                        let full = if sub.is_empty() {
                            res.to_string()
                        } else {
                            format!("{res}/{sub}")
                        };
                        out.push(Lint {
                            id: "audit-sensitive-body-logged",
                            severity: *sev,
                            line: rule_line(p, d.rule),
                            message: format!(
                                "{} logs {full} at {}: request/response bodies carry {what} into the audit log (e.g. {verb} by {user})",
                                which(d.rule),
                                d.level
                            ),
                            fix: if *res == "configmaps" {
                                "Log configmaps at Metadata (CIS 3.2.2), unless a detection rule needs their bodies (Falco's \"Create/Modify Configmap With Private Credentials\" reads ka.req.configmap.obj): choose knowingly.".into()
                            } else {
                                format!("Add `- level: Metadata` with `resources: [{{group: \"{group}\", resources: [\"{res}\"]}}]` before this rule.")
                            },
                        });
                    }
                }
            }
        }
    }
    // interactive access and writes that must be logged
    let must_log: &[(&str, &str, &str, &str, &str)] = &[
        ("create", "", "pods", "exec", "shells in containers"),
        ("create", "", "pods", "attach", "attaching to containers"),
        (
            "create",
            "",
            "pods",
            "portforward",
            "port-forwarding into pods",
        ),
        ("get", "", "pods", "proxy", "proxying to pods"),
        ("get", "", "services", "proxy", "proxying to services"),
        ("create", "", "pods", "", "pod creation"),
        ("patch", "apps", "deployments", "", "Deployment changes"),
        (
            "create",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "",
            "cluster-wide RBAC grants",
        ),
        (
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            "",
            "RBAC grants",
        ),
    ];
    let mut reported: Vec<(&str, &str)> = Vec::new();
    for (verb, group, res, sub, what) in must_log {
        let d = p.evaluate(&probe(
            "palisade:probe",
            &["system:authenticated".into()],
            verb,
            group,
            res,
            sub,
            "default",
        ));
        let full = if sub.is_empty() {
            res.to_string()
        } else {
            format!("{res}/{sub}")
        };
        if d.level == Level::None && !reported.contains(&(res, sub)) {
            reported.push((res, sub));
            out.push(Lint {
                id: "audit-critical-not-logged",
                severity: Severity::High,
                line: rule_line(p, d.rule),
                message: format!(
                    "{verb} {full} ({what}) is not logged: {} decides level None",
                    which(d.rule)
                ),
                fix: format!(
                    "Log {full} at Metadata at least (a rule for it before the one that drops it)."
                ),
            });
        } else if matches!(*sub, "exec" | "attach")
            && d.omit_stages.iter().any(|s| s == "ResponseStarted")
        {
            out.push(Lint {
                id: "audit-exec-stage-omitted",
                severity: Severity::Medium,
                line: rule_line(p, d.rule),
                message: format!(
                    "{full} is logged without its ResponseStarted stage, the one exec detection reads (palisade's \"Exec or Attach Into Pod\", Falco's \"Attach/Exec Pod\") ({} omits it)",
                    which(d.rule)
                ),
                fix: "Do not omit ResponseStarted for pods/exec and pods/attach.".into(),
            });
        }
    }
    // RequestReceived doubles the volume
    if !p.omit_stages.iter().any(|s| s == "RequestReceived") {
        let noisy: Vec<usize> = p
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.level > Level::None && !r.omit_stages.iter().any(|s| s == "RequestReceived")
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(&first) = noisy.first() {
            out.push(Lint {
                id: "audit-request-received-logged",
                severity: Severity::Low,
                line: p.rules[first].line,
                message: format!(
                    "the RequestReceived stage is logged ({} rule(s), first rules[{first}]): every request is written twice, before and after it runs",
                    noisy.len()
                ),
                fix: "Add `omitStages: [\"RequestReceived\"]` at the top of the Policy.".into(),
            });
        }
    }
    for (i, r) in p.rules.iter().enumerate() {
        // resourceNames never match creates
        let creates = r.verbs.is_empty() || r.verbs.iter().any(|v| v == "create");
        if creates && r.resources.iter().any(|g| !g.resource_names.is_empty()) {
            out.push(Lint {
                id: "audit-resource-names-create",
                severity: Severity::Medium,
                line: r.line,
                message: format!(
                    "rules[{i}] limits resources by resourceNames{}: create requests carry no name, so it never matches them",
                    if r.verbs.is_empty() { " for every verb" } else { " and includes create" }
                ),
                fix: "Match creates in a separate rule without resourceNames.".into(),
            });
        }
        // misspelled groups and resources
        for g in &r.resources {
            match known::resources_of(&g.group) {
                None if !g.group.contains('.') => {
                    let groups = known::BUILTIN
                        .iter()
                        .map(|(g, _)| *g)
                        .filter(|g| !g.is_empty());
                    let hint = known::closest(&g.group, groups)
                        .map(|c| format!(" (did you mean {c:?}?)"))
                        .unwrap_or_default();
                    out.push(Lint {
                        id: "audit-unknown-group",
                        severity: Severity::Medium,
                        line: r.line,
                        message: format!("rules[{i}]: API group {:?} does not exist{hint}; the entry matches nothing", g.group),
                        fix: "Use the exact group: \"\" for core, \"apps\", \"rbac.authorization.k8s.io\", …".into(),
                    });
                }
                Some(known_resources) => {
                    for res in &g.resources {
                        let (base, sub) = res.split_once('/').unwrap_or((res, ""));
                        let base_ok = base == "*" || known_resources.contains(&base);
                        let sub_ok =
                            sub.is_empty() || sub == "*" || known::SUBRESOURCES.contains(&sub);
                        if !base_ok || !sub_ok {
                            let hint = if base_ok {
                                known::closest(sub, known::SUBRESOURCES.iter().copied())
                                    .map(|c| format!(" (did you mean \"{base}/{c}\"?)"))
                            } else {
                                known::closest(base, known_resources.iter().copied())
                                    .map(|c| format!(" (did you mean {c:?}?)"))
                            }
                            .unwrap_or_default();
                            let group = if g.group.is_empty() {
                                "core"
                            } else {
                                g.group.as_str()
                            };
                            out.push(Lint {
                                id: "audit-unknown-resource",
                                severity: Severity::Medium,
                                line: r.line,
                                message: format!("rules[{i}]: {group} has no resource {res:?}{hint}; the entry matches nothing"),
                                fix: "Resources are lower-case plurals (`pods`, `deployments`), subresources after a slash (`pods/exec`).".into(),
                            });
                        }
                    }
                }
                None => {}
            }
        }
    }
    out.sort_by(|a, b| (a.line, a.id).cmp(&(b.line, b.id)));
    out
}

//! The coupling nobody checks: detection rules read fields an audit Policy
//! may not log. For every loaded Falco rule this finds the requests it is
//! about (the resources, subresources, verbs, namespaces, users and stages
//! its condition pins down), asks the Policy what level and stages those
//! requests get, and reports each rule that would go blind.

use crate::lint::Lint;
use crate::policy::{Level, Policy, Request, ResourceRequest};
use palisade_falco::Rule;
use palisade_falco::condition::{Ast, Op, Operand};
use palisade_falco::fields::Level as FieldLevel;
use palisade_findings::Severity;
use std::collections::{BTreeMap, BTreeSet};

/// Stands for "the field must be absent" (`not f exists`).
const ABSENT: &str = "\u{0}absent";

/// Field → the values a matching event must have (`None`: unconstrained).
type Constraints = BTreeMap<String, BTreeSet<String>>;

fn and(mut a: Constraints, b: Constraints) -> Constraints {
    for (k, v) in b {
        match a.get_mut(&k) {
            Some(cur) => {
                let both: BTreeSet<String> = cur.intersection(&v).cloned().collect();
                // Contradictory constraints: keep the later (conservative).
                *cur = if both.is_empty() { v } else { both };
            }
            None => {
                a.insert(k, v);
            }
        }
    }
    a
}

fn or(branches: Vec<Constraints>) -> Constraints {
    let mut it = branches.into_iter();
    let Some(mut acc) = it.next() else {
        return Constraints::new();
    };
    for b in it {
        acc = acc
            .into_iter()
            .filter_map(|(k, mut v)| {
                let other = b.get(&k)?;
                v.extend(other.iter().cloned());
                Some((k, v))
            })
            .collect();
    }
    acc
}

/// The positive constraints a condition puts on fields.
pub fn constraints(ast: &Ast) -> Constraints {
    match ast {
        Ast::And(v) => v.iter().map(constraints).fold(Constraints::new(), and),
        Ast::Or(v) => or(v.iter().map(constraints).collect()),
        Ast::Not(inner) => match inner.as_ref() {
            Ast::Check {
                field,
                op: Op::Exists,
                ..
            } => Constraints::from([(field.to_string(), BTreeSet::from([ABSENT.to_string()]))]),
            _ => Constraints::new(),
        },
        Ast::Check {
            field, op, operand, ..
        } => {
            let vals: Option<BTreeSet<String>> = match (op, operand) {
                (Op::Eq, Operand::Value(v)) => Some(BTreeSet::from([v.clone()])),
                (Op::In | Op::Intersects, Operand::List(l)) if !l.is_empty() => {
                    Some(l.iter().cloned().collect())
                }
                _ => None,
            };
            vals.map(|v| Constraints::from([(field.to_string(), v)]))
                .unwrap_or_default()
        }
        Ast::Macro { .. } => Constraints::new(),
    }
}

fn level_of(l: FieldLevel) -> Level {
    match l {
        FieldLevel::Metadata => Level::Metadata,
        FieldLevel::Request => Level::Request,
        FieldLevel::RequestResponse => Level::RequestResponse,
    }
}

const CLUSTER_SCOPED: &[&str] = &[
    "namespaces",
    "nodes",
    "persistentvolumes",
    "clusterroles",
    "clusterrolebindings",
    "customresourcedefinitions",
    "storageclasses",
    "priorityclasses",
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "certificatesigningrequests",
    "apiservices",
    "ingressclasses",
    "runtimeclasses",
    "csidrivers",
    "csinodes",
    "volumeattachments",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
];

/// The API group a built-in resource lives in (core first).
pub fn group_of(resource: &str) -> &'static str {
    crate::known::BUILTIN
        .iter()
        .find(|(_, rs)| rs.contains(&resource))
        .map(|(g, _)| *g)
        .unwrap_or("")
}

/// Resources whose bodies palisade never asks the Policy to log.
pub const SENSITIVE: &[&str] = &["secrets", "configmaps", "tokenreviews"];

/// What one detection rule needs from the Policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub rule: String,
    pub level: Level,
    /// The fields that need `level`.
    pub fields: Vec<String>,
    /// `(resource, subresource)` pairs; empty when the rule names none.
    pub targets: Vec<(String, String)>,
    /// Empty when the rule constrains no verb.
    pub verbs: Vec<String>,
    pub namespaces: Vec<String>,
    pub users: Vec<String>,
    /// Empty when the rule fires at any stage.
    pub stages: Vec<String>,
}

fn set(c: &Constraints, k: &str) -> Vec<String> {
    c.get(k)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default()
}

/// What each enabled rule needs.
pub fn needs(rules: &[Rule]) -> Vec<Need> {
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| r.enabled) {
        let c = constraints(&r.expanded);
        let level = r
            .fields
            .iter()
            .map(|(_, l)| level_of(*l))
            .max()
            .unwrap_or(Level::Metadata);
        let fields: Vec<String> = r
            .fields
            .iter()
            .filter(|(_, l)| level_of(*l) == level)
            .map(|(f, _)| f.to_string())
            .collect();
        let resources = set(&c, "ka.target.resource");
        let subs = c
            .get("ka.target.subresource")
            .map(|s| {
                s.iter()
                    .map(|x| {
                        if x == ABSENT {
                            String::new()
                        } else {
                            x.clone()
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|| vec![String::new()]);
        let mut targets = Vec::new();
        for res in &resources {
            for s in &subs {
                targets.push((res.clone(), s.clone()));
            }
        }
        // A rule about a subresource of unnamed resources (port-forward) is about pods.
        if resources.is_empty() && subs.iter().any(|s| !s.is_empty()) {
            for s in subs.iter().filter(|s| !s.is_empty()) {
                targets.push(("pods".into(), s.clone()));
            }
        }
        let mut stages = set(&c, "jevt.value[/stage]");
        stages.extend(set(&c, "ka.stage"));
        out.push(Need {
            rule: r.name.clone(),
            level,
            fields,
            targets,
            verbs: set(&c, "ka.verb"),
            namespaces: set(&c, "ka.target.namespace"),
            users: set(&c, "ka.user.name"),
            stages,
        });
    }
    out
}

fn default_verbs(sub: &str) -> Vec<String> {
    let v: &[&str] = match sub {
        "exec" | "attach" | "portforward" => &["create", "get"],
        "proxy" => &["get"],
        "" => &["create", "update", "patch", "delete", "get", "list"],
        _ => &["create", "update", "patch"],
    };
    v.iter().map(|s| s.to_string()).collect()
}

struct Gap {
    request: String,
    decided_by: Option<usize>,
    level: Level,
    stage_omitted: Option<String>,
}

/// Every loaded rule the Policy would blind, one finding each.
pub fn coupling(p: &Policy, rules: &[Rule]) -> Vec<Lint> {
    let mut out = Vec::new();
    for n in needs(rules) {
        if n.targets.is_empty() && n.level == Level::Metadata {
            // About every request: nothing specific to test.
            continue;
        }
        let targets = if n.targets.is_empty() {
            vec![("pods".to_string(), String::new())]
        } else {
            n.targets.clone()
        };
        let mut gaps = Vec::new();
        let mut probes = 0usize;
        for (res, sub) in &targets {
            let verbs = if n.verbs.is_empty() {
                default_verbs(sub)
            } else {
                n.verbs.clone()
            };
            let cluster = CLUSTER_SCOPED.contains(&res.as_str());
            let namespaces: Vec<String> = if cluster {
                vec![String::new()]
            } else if n.namespaces.is_empty() {
                vec!["default".into()]
            } else {
                n.namespaces.clone()
            };
            let (user, groups) = match n.users.first() {
                Some(u) if u == "system:anonymous" => {
                    (u.clone(), vec!["system:unauthenticated".to_string()])
                }
                Some(u) => (u.clone(), vec!["system:authenticated".to_string()]),
                None => (
                    "alice".to_string(),
                    vec!["system:authenticated".to_string()],
                ),
            };
            for verb in &verbs {
                for ns in &namespaces {
                    probes += 1;
                    let req = Request {
                        user: user.clone(),
                        groups: groups.clone(),
                        verb: verb.clone(),
                        resource: Some(ResourceRequest {
                            group: group_of(res).to_string(),
                            resource: res.clone(),
                            subresource: sub.clone(),
                            namespace: ns.clone(),
                            name: String::new(),
                        }),
                        path: String::new(),
                    };
                    let d = p.evaluate(&req);
                    let stage_omitted = if !n.stages.is_empty()
                        && n.stages.iter().all(|s| d.omit_stages.contains(s))
                    {
                        n.stages.first().cloned()
                    } else {
                        None
                    };
                    if d.level < n.level || stage_omitted.is_some() {
                        let full = if sub.is_empty() {
                            res.clone()
                        } else {
                            format!("{res}/{sub}")
                        };
                        let where_ = if ns.is_empty() {
                            String::new()
                        } else {
                            format!(" in namespace {ns}")
                        };
                        gaps.push(Gap {
                            request: format!("`{verb} {full}`{where_} by {user}"),
                            decided_by: d.rule,
                            level: d.level,
                            stage_omitted,
                        });
                    }
                }
            }
        }
        let Some(first) = gaps.first() else { continue };
        let line = first.decided_by.map(|i| p.rules[i].line).unwrap_or(1);
        let by = match first.decided_by {
            Some(i) => format!("rules[{i}] (line {})", p.rules[i].line),
            None => "no rule (default None)".into(),
        };
        let sensitive = targets.iter().any(|(r, _)| SENSITIVE.contains(&r.as_str()));
        let (severity, why, fix) = if first.level == Level::None {
            (
                Severity::High,
                format!("{} is not logged at all ({by} says None)", first.request),
                "Log these requests at least at Metadata before that rule.".to_string(),
            )
        } else if let Some(stage) = &first.stage_omitted {
            (
                Severity::High,
                format!(
                    "it only sees the {stage} stage, which {} omits for {}",
                    if p.omit_stages.contains(stage) {
                        "the policy's omitStages".to_string()
                    } else {
                        by.clone()
                    },
                    first.request
                ),
                format!(
                    "Do not omit {stage} for these requests (remove it from omitStages of {by} or of the policy)."
                ),
            )
        } else if sensitive {
            (
                Severity::Low,
                format!(
                    "it reads {} (needs {}) but {} is logged at {} by {by}; CIS 3.2.2 keeps these bodies out of the log, so this is the trade-off to choose knowingly",
                    n.fields.join(", "),
                    n.level,
                    first.request,
                    first.level
                ),
                format!(
                    "Either accept that '{}' cannot fire, or log these writes at {} (and store the audit log as a secret).",
                    n.rule, n.level
                ),
            )
        } else {
            (
                Severity::Medium,
                format!(
                    "it reads {} (needs {}) but {} is logged at {} by {by}",
                    n.fields.join(", "),
                    n.level,
                    first.request,
                    first.level
                ),
                format!(
                    "Add a rule at level {} for these requests before {by}.",
                    n.level
                ),
            )
        };
        let more = if gaps.len() > 1 {
            format!(" ({} of {probes} probed requests affected)", gaps.len())
        } else {
            String::new()
        };
        out.push(Lint {
            id: "audit-detection-blind",
            severity,
            line,
            message: format!("detection rule '{}' goes blind: {why}{more}", n.rule),
            fix,
        });
    }
    out
}

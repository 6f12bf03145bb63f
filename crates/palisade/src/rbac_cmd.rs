//! `palisade rbac …`: who-can, can, explain, risks, paths, generate.

use crate::cli::{RbacArgs, RbacCommand};
use crate::exit;
use crate::output::{emit, load_model, usage_error};
use palisade_rbac::audit::{GenerateOptions, generate, to_terraform, to_yaml};
use palisade_rbac::paths::{dot, escalation_paths, mermaid, one_line};
use palisade_rbac::{Grant, Identity, Rbac, Request, Subject, resources};
use serde::Serialize;
use std::fmt::Write;

/// `VERB RESOURCE` (or a non-resource URL starting with `/`) → a request.
fn request(
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<Request, String> {
    if resource.starts_with('/') {
        resources::check_verb(verb, true)?;
        return Ok(Request::NonResource {
            verb: verb.to_string(),
            path: resource.to_string(),
        });
    }
    resources::check_verb(verb, false)?;
    let (group, res, sub) = resources::parse(resource)?;
    // namespaces are addressed by their own name
    let namespace = match (res.as_str(), name) {
        ("namespaces", Some(n)) => Some(n.to_string()),
        _ => namespace.map(str::to_string),
    };
    Ok(Request::Resource {
        verb: verb.to_string(),
        group,
        resource: res,
        subresource: sub,
        namespace,
        name: name.map(str::to_string),
    })
}

#[derive(Serialize)]
struct GrantOut {
    subject: Subject,
    scope: String,
    binding: String,
    role: String,
    rule: palisade_rbac::Rule,
    #[serde(rename = "ruleSource", skip_serializing_if = "Option::is_none")]
    rule_source: Option<String>,
    #[serde(rename = "ruleLocation", skip_serializing_if = "Option::is_none")]
    rule_location: Option<String>,
    #[serde(rename = "bindingLocation")]
    binding_location: String,
}

fn grant_out(rbac: &Rbac, g: &Grant<'_>) -> GrantOut {
    let (src, loc) = rbac.rule_source(g.rule);
    GrantOut {
        subject: g.subject.clone(),
        scope: g
            .scope()
            .map_or("cluster-wide".to_string(), |ns| format!("namespace {ns}")),
        binding: g.binding.display(),
        role: g.role.display(),
        rule: g.rule.rule.clone(),
        rule_source: (src.name != g.role.name || src.kind != g.role.kind).then(|| src.display()),
        rule_location: loc.filter(|l| l.line > 0).map(|l| l.to_string()),
        binding_location: g.binding.location.to_string(),
    }
}

fn grants_table(grants: &[GrantOut]) -> String {
    let mut s = String::new();
    for g in grants {
        let _ = writeln!(
            s,
            "{:<40} {:<22} {} → {}",
            g.subject.to_string(),
            g.scope,
            g.binding,
            g.role
        );
        let mut detail = format!("  rule: {}", g.rule.describe());
        if let Some(src) = &g.rule_source {
            let _ = write!(detail, " (aggregated from {src})");
        }
        if let Some(l) = &g.rule_location {
            let _ = write!(detail, " at {l}");
        }
        let _ = writeln!(s, "{detail}  [binding at {}]", g.binding_location);
    }
    s
}

fn json<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serializes");
    s.push('\n');
    s
}

pub fn run(args: RbacArgs) -> u8 {
    match args.command {
        RbacCommand::WhoCan {
            verb,
            resource,
            name,
            input,
            format,
        } => {
            let namespace = input.namespace.clone();
            let req = match request(&verb, &resource, namespace.as_deref(), name.as_deref()) {
                Ok(r) => r,
                Err(e) => return usage_error(e),
            };
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            crate::output::warn_unknown_namespace(&model, namespace.as_deref());
            let rbac = Rbac::build(&model);
            let grants: Vec<GrantOut> = rbac
                .who_can(&req, namespace.is_none())
                .iter()
                .map(|g| grant_out(&rbac, g))
                .collect();
            // the resource as resolved (`secret` → `secrets`)
            let resource = match &req {
                Request::Resource {
                    resource,
                    subresource,
                    ..
                } if !subresource.is_empty() => format!("{resource}/{subresource}"),
                Request::Resource { resource, .. } => resource.clone(),
                Request::NonResource { path, .. } => path.clone(),
            };
            let text = if format == "json" {
                json(&grants)
            } else {
                let mut s = grants_table(&grants);
                let _ = writeln!(
                    s,
                    "{} grant{} allow {verb} {resource}{}; members of system:masters can do anything regardless of RBAC",
                    grants.len(),
                    if grants.len() == 1 { "" } else { "s" },
                    namespace
                        .as_deref()
                        .map(|n| format!(" in namespace {n}"))
                        .unwrap_or_default()
                );
                s
            };
            finish(&text, &errors, exit::OK)
        }
        RbacCommand::Can {
            subject,
            verb,
            resource,
            name,
            groups,
            input,
            format,
        } => {
            let namespace = input.namespace.clone();
            let subject = match Subject::parse(&subject) {
                Ok(s) => s,
                Err(e) => return usage_error(e),
            };
            let req = match request(&verb, &resource, namespace.as_deref(), name.as_deref()) {
                Ok(r) => r,
                Err(e) => return usage_error(e),
            };
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            crate::output::warn_unknown_namespace(&model, namespace.as_deref());
            let rbac = Rbac::build(&model);
            let who = Identity::new(subject.clone(), &groups);
            let d = rbac.can(&who, &req);
            let grants: Vec<GrantOut> = d.grants.iter().map(|g| grant_out(&rbac, g)).collect();
            let text = if format == "json" {
                #[derive(Serialize)]
                struct Out {
                    allowed: bool,
                    #[serde(rename = "systemMasters")]
                    system_masters: bool,
                    grants: Vec<GrantOut>,
                }
                json(&Out {
                    allowed: d.allowed,
                    system_masters: d.system_masters,
                    grants,
                })
            } else {
                let mut s = format!("{}\n", if d.allowed { "yes" } else { "no" });
                if d.system_masters {
                    s.push_str("  member of system:masters: RBAC is bypassed\n");
                }
                if grants.is_empty() && !d.allowed {
                    let _ = writeln!(s, "  no binding grants {subject} {verb} on {resource}");
                    for b in rbac.dangling_for(&who) {
                        let _ = writeln!(
                            s,
                            "  note: {} names {subject} but its {} {} does not exist",
                            b.display(),
                            b.role_kind,
                            b.role_name
                        );
                    }
                }
                s.push_str(&grants_table(&grants));
                s
            };
            finish(
                &text,
                &errors,
                if d.allowed { exit::OK } else { exit::FINDINGS },
            )
        }
        RbacCommand::Explain {
            subject,
            groups,
            input,
            format,
        } => {
            let subject = match Subject::parse(&subject) {
                Ok(s) => s,
                Err(e) => return usage_error(e),
            };
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let rbac = Rbac::build(&model);
            let who = Identity::new(subject.clone(), &groups);
            let grants: Vec<GrantOut> = rbac
                .explain(&who)
                .iter()
                .map(|g| grant_out(&rbac, g))
                .collect();
            let text = if format == "json" {
                json(&grants)
            } else {
                let mut s = String::new();
                let mut last = None;
                for g in &grants {
                    if last.as_deref() != Some(g.scope.as_str()) {
                        let _ = writeln!(s, "{}:", g.scope);
                        last = Some(g.scope.clone());
                    }
                    let mut line = format!("  {}", g.rule.describe());
                    if let Some(src) = &g.rule_source {
                        let _ = write!(line, " (aggregated from {src})");
                    }
                    let _ = writeln!(s, "{line}  via {} → {}", g.binding, g.role);
                }
                if grants.is_empty() {
                    let _ = writeln!(
                        s,
                        "{subject} is granted nothing by the bindings in the input"
                    );
                }
                for b in rbac.dangling_for(&who) {
                    let _ = writeln!(
                        s,
                        "note: {} names {subject} but its {} {} does not exist",
                        b.display(),
                        b.role_kind,
                        b.role_name
                    );
                }
                if who.is_system_master() {
                    s.push_str("note: member of system:masters: RBAC is bypassed\n");
                }
                s
            };
            finish(&text, &errors, exit::OK)
        }
        RbacCommand::Risks(mut args) => {
            // the RBAC checks of `scan`, with the same reporters and exit codes
            if args.checks.is_empty() {
                args.checks = palisade_checks::catalogue()
                    .iter()
                    .map(|c| c.meta())
                    .filter(|m| m.category == "rbac")
                    .map(|m| m.id.to_string())
                    .collect();
            }
            crate::scan::run(args)
        }
        RbacCommand::Matrix { input, format } => {
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let rbac = Rbac::build(&model);
            let matrix = palisade_rbac::query::matrix(&rbac);
            // streamed: a large cluster's matrix is tens of megabytes
            let written = crate::output::emit_with(None, |w| {
                if format == "json" {
                    serde_json::to_writer_pretty(&mut *w, &matrix)?;
                    return writeln!(w);
                }
                for row in &matrix.rows {
                    writeln!(w, "{}", row.subject)?;
                    for (col, scopes) in &row.cells {
                        let (verb, resource) = &matrix.columns[*col as usize];
                        write!(w, "  {verb:<16} {resource:<40} ")?;
                        for (i, sc) in scopes.iter().enumerate() {
                            let sep = if i == 0 { "" } else { ", " };
                            write!(w, "{sep}{}", palisade_rbac::query::Matrix::scope_label(*sc))?;
                        }
                        writeln!(w)?;
                    }
                }
                writeln!(w, "{} subjects", matrix.rows.len())
            });
            if let Err(e) = written {
                return usage_error(e);
            }
            if errors.is_empty() {
                exit::OK
            } else {
                exit::INPUT_ERROR
            }
        }
        RbacCommand::Paths { input, format } => {
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let rbac = Rbac::build(&model);
            let paths = escalation_paths(&model, &rbac);
            let text = match format.as_str() {
                "json" => json(&paths),
                "dot" => dot(&paths),
                "mermaid" => mermaid(&paths),
                _ => {
                    let mut s = String::new();
                    for p in &paths {
                        let _ = writeln!(
                            s,
                            "{} step{}: {}",
                            p.steps.len(),
                            if p.steps.len() == 1 { "" } else { "s" },
                            one_line(p)
                        );
                        for st in &p.steps {
                            let _ = writeln!(s, "    {} → {}: {}", st.from, st.to, st.via);
                        }
                    }
                    let _ = writeln!(
                        s,
                        "{} start point{} reach cluster-admin",
                        paths.len(),
                        if paths.len() == 1 { "" } else { "s" }
                    );
                    s
                }
            };
            finish(
                &text,
                &errors,
                if paths.is_empty() {
                    exit::OK
                } else {
                    exit::FINDINGS
                },
            )
        }
        RbacCommand::Generate(crate::cli::RbacGenerateArgs {
            audit_log,
            user,
            serviceaccount,
            format,
            name,
            exact_verbs,
        }) => {
            let subject = match (user, serviceaccount) {
                (Some(u), None) => Subject::User(u),
                (None, Some(sa)) => match Subject::parse(&format!("sa:{sa}")) {
                    Ok(s) => s,
                    Err(e) => return usage_error(e),
                },
                _ => return usage_error("give exactly one of --user or --serviceaccount"),
            };
            let log = match std::fs::read_to_string(&audit_log) {
                Ok(l) => l,
                Err(e) => return usage_error(format!("{}: {e}", audit_log.display())),
            };
            let opts = GenerateOptions {
                expand_read_verbs: !exact_verbs,
                name: name.unwrap_or_else(|| match &subject {
                    Subject::ServiceAccount { name, .. } => format!("palisade:{name}"),
                    other => format!("palisade:{}", other.username().unwrap_or_default()),
                }),
            };
            let (policy, errors) = generate(&log, &subject, &opts);
            for e in &errors {
                eprintln!(
                    "palisade: {}:{}: {}",
                    audit_log.display(),
                    e.line,
                    e.message
                );
            }
            if policy.scopes.is_empty() {
                eprintln!(
                    "palisade: no request by {subject} in {}",
                    audit_log.display()
                );
            }
            let text = if format == "terraform" {
                to_terraform(&policy, &subject, &opts)
            } else {
                to_yaml(&policy, &subject, &opts)
            };
            if let Err(e) = emit(&text, None) {
                return usage_error(e);
            }
            if errors.is_empty() {
                exit::OK
            } else {
                exit::INPUT_ERROR
            }
        }
    }
}

fn finish(text: &str, errors: &[palisade_findings::InputError], code: u8) -> u8 {
    if let Err(e) = emit(text, None) {
        return usage_error(e);
    }
    if errors.is_empty() {
        code
    } else {
        exit::INPUT_ERROR
    }
}

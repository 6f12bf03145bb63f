//! `palisade audit policy explain|lint|generate`, `palisade audit analyze`,
//! `palisade audit check-apiserver`.

use crate::cli::{AuditArgs, AuditCommand, AuditPolicyCommand};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_audit::policy::parse_resource;
use palisade_audit::{Lint, Policy, Request, ResourceRequest, lint};
use palisade_findings::Threshold;
use std::path::Path;

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_policy(path: &Path) -> Result<Policy, String> {
    Policy::parse(&read(path)?).map_err(|e| format!("{}:{e}", path.display()))
}

/// Prints lints as a table (file:line) or JSON; the exit code from the threshold.
fn report(file: &Path, lints: &[Lint], format: &str, fail_on: Threshold) -> u8 {
    let text = if format == "json" {
        serde_json::to_string_pretty(
            &serde_json::json!({"file": file.display().to_string(), "findings": lints}),
        )
        .unwrap_or_default()
            + "\n"
    } else {
        let mut t = String::new();
        for l in lints {
            t.push_str(&format!(
                "{}:{}  {}  {}  {}\n      fix: {}\n",
                file.display(),
                l.line,
                l.severity.to_string().to_uppercase(),
                l.id,
                l.message,
                l.fix
            ));
        }
        t.push_str(&format!(
            "{} finding(s) in {}\n",
            lints.len(),
            file.display()
        ));
        t
    };
    if let Err(e) = emit(&text, None) {
        return usage_error(e);
    }
    if fail_on.trips_any(lints.iter().map(|l| l.severity)) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

pub fn run(args: AuditArgs) -> u8 {
    match args.command {
        AuditCommand::Policy { command } => match command {
            AuditPolicyCommand::Explain {
                policy,
                user,
                groups,
                verb,
                resource,
                namespace,
                name,
                non_resource_url,
                format,
            } => {
                let p = match load_policy(&policy) {
                    Ok(p) => p,
                    Err(e) => return usage_error(e),
                };
                let req = Request {
                    user,
                    groups,
                    verb,
                    resource: resource.as_deref().map(|r| {
                        let (group, resource, subresource) = parse_resource(r);
                        ResourceRequest {
                            group,
                            resource,
                            subresource,
                            namespace: namespace.clone(),
                            name: name.clone(),
                        }
                    }),
                    path: non_resource_url.unwrap_or_default(),
                };
                let d = p.evaluate(&req);
                let line = d.rule.map(|i| p.rules[i].line);
                let text = if format == "json" {
                    serde_json::to_string_pretty(&serde_json::json!({
                        "level": d.level, "omitStages": d.omit_stages,
                        "omitManagedFields": d.omit_managed_fields,
                        "rule": d.rule, "line": line,
                    }))
                    .unwrap_or_default()
                        + "\n"
                } else {
                    let by = match (d.rule, line) {
                        (Some(i), Some(l)) => format!(
                            "rules[{i}] ({}:{l}), the first rule that matches",
                            policy.display()
                        ),
                        _ => "no rule matches: the default level None".into(),
                    };
                    let stages = if d.omit_stages.is_empty() {
                        "none".into()
                    } else {
                        d.omit_stages.join(", ")
                    };
                    format!(
                        "level: {}\nomitted stages: {stages}\ndecided by: {by}\n",
                        d.level
                    )
                };
                match emit(&text, None) {
                    Ok(()) => exit::OK,
                    Err(e) => usage_error(e),
                }
            }
            AuditPolicyCommand::Generate(crate::cli::AuditPolicyGenerateArgs { output, rules }) => {
                let text = if rules.rules.is_empty() {
                    palisade_audit::generate::recommended()
                } else {
                    let (rs, bad) = match crate::audit_analyze::load_rules(&rules.rules) {
                        Ok(x) => x,
                        Err(e) => return usage_error(e),
                    };
                    if bad {
                        return usage_error("the rules have errors (above)");
                    }
                    palisade_audit::generate::for_rules(&palisade_audit::coupling::needs(
                        rs.rules(),
                    ))
                };
                match emit(&text, output.as_deref()) {
                    Ok(()) => exit::OK,
                    Err(e) => usage_error(e),
                }
            }
            AuditPolicyCommand::Lint {
                policy,
                rules,
                format,
                fail_on,
            } => {
                let p = match load_policy(&policy) {
                    Ok(p) => p,
                    Err(e) => return usage_error(e),
                };
                let mut lints = lint(&p);
                let mut rules_bad = false;
                if !rules.rules.is_empty() {
                    let (rs, bad) = match crate::audit_analyze::load_rules(&rules.rules) {
                        Ok(x) => x,
                        Err(e) => return usage_error(e),
                    };
                    rules_bad = bad;
                    lints.extend(palisade_audit::coupling(&p, rs.rules()));
                    lints.sort_by_key(|l| l.line);
                }
                let code = report(&policy, &lints, &format, fail_on);
                if rules_bad { exit::INPUT_ERROR } else { code }
            }
        },
        AuditCommand::Analyze {
            logs,
            rules,
            knowledge,
            follow,
            format,
            matching,
            min_priority,
            fail_on,
            max_event_bytes,
        } => {
            let min_priority = match palisade_falco::analyze::parse_threshold(&min_priority) {
                Ok(p) => p.unwrap_or(palisade_falco::Priority::Debug),
                Err(e) => return usage_error(e),
            };
            let fail_on = match palisade_falco::analyze::parse_threshold(&fail_on) {
                Ok(p) => p,
                Err(e) => return usage_error(e),
            };
            let opts = palisade_falco::analyze::Options {
                json: format == "json",
                matching: if matching == "first" {
                    palisade_falco::Matching::First
                } else {
                    palisade_falco::Matching::All
                },
                min_priority,
                fail_on,
                max_event_bytes,
                follow,
            };
            crate::audit_analyze::analyze(&logs, &rules.rules, &knowledge, opts)
        }
        cmd @ (AuditCommand::Serve { .. }
        | AuditCommand::Alerts { .. }
        | AuditCommand::Install { .. }) => crate::audit_sink::run(cmd),
        AuditCommand::CheckApiserver {
            manifest,
            format,
            fail_on,
        } => {
            let text = match read(&manifest) {
                Ok(t) => t,
                Err(e) => return usage_error(e),
            };
            match palisade_audit::apiserver::check_text(&text) {
                Ok(l) => report(&manifest, &l, &format, fail_on),
                Err(e) => usage_error(format!("{}: {e}", manifest.display())),
            }
        }
    }
}

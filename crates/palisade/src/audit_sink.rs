//! `palisade audit serve|alerts|install`.

use crate::audit_analyze::load_rules;
use crate::cli::AuditCommand;
use crate::exit;
use crate::output::usage_error;
use palisade_auditsink::install::{Auth, InstallOptions};
use palisade_auditsink::outputs::OutputOptions;
use palisade_auditsink::store::{Query, StoreOptions};
use palisade_auditsink::{SinkOptions, serve};
use palisade_falco::Matching;
use palisade_falco::analyze::parse_threshold as parse_priority;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `24h`, `7d`, `30m`, `90s` → a duration.
fn parse_ago(s: &str) -> Option<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        "w" => n * 7 * 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn since_ns(s: &str) -> Result<i64, String> {
    if let Some(d) = parse_ago(s) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        return Ok(now.saturating_sub(d).as_nanos() as i64);
    }
    palisade_falco::event::parse_time_ns(s)
        .map(|n| n as i64)
        .ok_or_else(|| format!("--since {s}: not an RFC 3339 time nor a duration like 24h or 7d"))
}

pub fn run(cmd: AuditCommand) -> u8 {
    match cmd {
        AuditCommand::Serve {
            tls_cert,
            tls_key,
            addr,
            db,
            token_file,
            client_ca,
            insecure_no_auth,
            knowledge,
            rules,
            matching,
            retention_days,
            store_events,
            fsync,
            max_body_bytes,
            max_inflight,
            metrics_auth,
            connections,
            output_stdout,
            output_file,
            output_webhook,
            output_slack,
            output_ca,
            output_min_priority,
        } => {
            if token_file.is_none() && client_ca.is_none() && !insecure_no_auth {
                return usage_error(
                    "the sink needs --token-file or --client-ca (or --insecure-no-auth): it receives every request made to the cluster",
                );
            }
            let token = match &token_file {
                Some(f) => match std::fs::read_to_string(f) {
                    Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
                    Ok(_) => return usage_error(format!("{}: empty token", f.display())),
                    Err(e) => return usage_error(format!("{}: {e}", f.display())),
                },
                None => None,
            };
            let k = match crate::audit_analyze::knowledge(&knowledge) {
                Ok(k) => k,
                Err(e) => return usage_error(e),
            };
            let (rs, bad) = match crate::audit_analyze::load_rules_with(&rules.rules, &k) {
                Ok(x) => x,
                Err(e) => return usage_error(e),
            };
            if bad {
                return usage_error(
                    "the rules have errors (above); the sink does not start with broken rules",
                );
            }
            let min = match parse_priority(&output_min_priority) {
                Ok(p) => p,
                Err(e) => return usage_error(e),
            };
            let opts = SinkOptions {
                addr,
                tls_cert,
                tls_key,
                client_ca,
                token,
                max_body_bytes,
                max_inflight,
                limits: palisade_webhook::ServerLimits {
                    max_connections: connections.max_connections,
                    max_connections_per_client: connections.max_connections_per_client,
                    ..Default::default()
                },
                metrics_auth,
                store: StoreOptions {
                    path: db,
                    retention: Duration::from_secs(retention_days * 86_400),
                    fsync_every_commit: fsync,
                    queue: 64,
                },
                store_events,
                outputs: OutputOptions {
                    stdout: output_stdout,
                    file: output_file,
                    webhook: output_webhook,
                    slack: output_slack,
                    ca_file: output_ca,
                    min_priority: min,
                    attempts: 5,
                    backoff: Duration::from_millis(500),
                    queue: 10_000,
                },
                matching: if matching == "first" {
                    Matching::First
                } else {
                    Matching::All
                },
                drain: Duration::from_secs(10),
                reload_every: Duration::from_secs(10),
            };
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return usage_error(e),
            };
            eprintln!(
                "palisade: audit sink on https://{addr}/audit with {} rule(s)",
                rs.rules().iter().filter(|r| r.enabled).count()
            );
            match rt.block_on(serve(rs, opts, None, axum_server::Handle::new())) {
                Ok(()) => exit::OK,
                Err(e) => usage_error(e),
            }
        }
        AuditCommand::Alerts {
            db,
            since,
            rule,
            limit,
            format,
        } => {
            if !db.exists() {
                return usage_error(format!("{}: no such database", db.display()));
            }
            let since_ns = match since.as_deref().map(since_ns).transpose() {
                Ok(s) => s,
                Err(e) => return usage_error(e),
            };
            let alerts = match palisade_auditsink::store::query(
                &db,
                &Query {
                    since_ns,
                    rule,
                    limit,
                },
            ) {
                Ok(a) => a,
                Err(e) => return usage_error(e),
            };
            let mut out = String::new();
            for a in &alerts {
                if format == "json" {
                    out.push_str(&serde_json::to_string(a).unwrap_or_default());
                    out.push('\n');
                } else {
                    out.push_str(&format!(
                        "{}  {:<13} {}: {}\n",
                        a.time, a.priority, a.rule, a.output
                    ));
                }
            }
            if format != "json" {
                out.push_str(&format!("{} alert(s)\n", alerts.len()));
            }
            match crate::output::emit(&out, None) {
                Ok(()) => exit::OK,
                Err(e) => usage_error(e),
            }
        }
        AuditCommand::Install {
            url,
            hosts,
            auth,
            apiserver_dir,
            policy,
            rules,
            output,
        } => {
            let policy = match policy {
                Some(p) => match std::fs::read_to_string(&p) {
                    Ok(t) => t,
                    Err(e) => return usage_error(format!("{}: {e}", p.display())),
                },
                None if rules.rules.is_empty() => palisade_audit::generate::recommended(),
                None => match load_rules(&rules.rules) {
                    Ok((rs, false)) => palisade_audit::generate::for_rules(
                        &palisade_audit::coupling::needs(rs.rules()),
                    ),
                    Ok((_, true)) => return usage_error("the rules have errors (above)"),
                    Err(e) => return usage_error(e),
                },
            };
            let o = InstallOptions {
                url,
                hosts,
                auth: if auth == "client-cert" {
                    Auth::ClientCert
                } else {
                    Auth::Token
                },
                apiserver_dir,
                policy,
            };
            let files = match palisade_auditsink::install::files(&o) {
                Ok(f) => f,
                Err(e) => return usage_error(e),
            };
            if let Err(e) = std::fs::create_dir_all(&output) {
                return usage_error(format!("{}: {e}", output.display()));
            }
            for f in &files {
                let path = output.join(f.name);
                if let Err(e) = crate::output::write_file(&path, &f.content, f.secret) {
                    return usage_error(format!("{}: {e}", path.display()));
                }
                eprintln!("wrote {}", path.display());
            }
            if let Some(next) = files.iter().find(|f| f.name == "NEXT-STEPS.txt") {
                print!("{}", next.content);
            }
            exit::OK
        }
        _ => unreachable!("dispatched by audit_cmd"),
    }
}

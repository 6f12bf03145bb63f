//! `palisade netpol …`: reach, matrix, generate.

use crate::cli::{NetpolArgs, NetpolCommand};
use crate::exit;
use crate::output::{emit, emit_with, load_model, usage_error};
use palisade_model::Model;
use palisade_netpol::generate::{Options, declared_flows, generate, parse_flows, verify};
use palisade_netpol::matrix::IpRange;
use palisade_netpol::reach::{Addr, Side, connection, display};
use palisade_netpol::{Network, Protocol, matrix};
use serde_json::json;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Reports invalid policies (left out of the analysis) on stderr.
fn warn_invalid(net: &Network) {
    let invalid = net.invalid.iter().map(|p| (p, "is invalid and ignored"));
    let unresolved = net
        .unresolved
        .iter()
        .map(|p| (p, "has unknown values and is ignored"));
    for (p, what) in invalid.chain(unresolved) {
        for problem in &p.problems {
            eprintln!(
                "palisade: warning: {}: NetworkPolicy {}/{} {what}: {}: {}",
                p.location,
                p.object.namespace.as_deref().unwrap_or("default"),
                p.object.name,
                problem.path,
                problem.message
            );
        }
    }
}

/// A workload, an address, or a CIDR (its first and last address).
enum End {
    Workload(usize),
    Range(IpRange),
}

fn end(net: &Network, spec: &str) -> Result<End, String> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(End::Range(IpRange {
            first: ip,
            last: ip,
        }));
    }
    if let Ok(n) = spec.parse::<ipnet::IpNet>() {
        return Ok(End::Range(IpRange {
            first: n.network(),
            last: n.broadcast(),
        }));
    }
    net.find(spec).map(End::Workload)
}

fn port(spec: &str) -> Result<(u16, Protocol), String> {
    let (n, proto) = spec.split_once('/').unwrap_or((spec, "TCP"));
    let proto = Protocol::parse(&proto.to_ascii_uppercase())
        .ok_or_else(|| format!("unknown protocol {proto:?} (TCP, UDP, SCTP)"))?;
    let n = n
        .parse::<u16>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{n:?} is not a port number"))?;
    Ok((n, proto))
}

/// Where a policy's rule is written.
fn rule_location(model: &Model, net: &Network, p: usize, d: &str, r: usize) -> String {
    let pol = &net.policies[p];
    let path = palisade_value::Path::root().key("spec").key(d).index(r);
    model
        .get("NetworkPolicy", Some(&pol.namespace), &pol.name)
        .map_or_else(|| pol.location.to_string(), |o| o.locate(&path).to_string())
}

fn side_text(model: &Model, net: &Network, who: &str, s: &Side, direction: &str) -> String {
    if !s.applies {
        return format!(
            "  {direction:<7} {who}: outside the cluster, not subject to NetworkPolicies\n"
        );
    }
    if s.isolated_by.is_empty() {
        return format!(
            "  {direction:<7} {who}: not isolated (no policy selects it for {direction}): everything allowed\n"
        );
    }
    let names: Vec<String> = s
        .isolated_by
        .iter()
        .map(|&p| net.policies[p].display())
        .collect();
    let mut t = format!("  {direction:<7} {who}: isolated by {}\n", names.join(", "));
    if s.allowed_by.is_empty() {
        let _ = writeln!(
            t,
            "          no {direction} rule of those policies allows it"
        );
    }
    for &(p, r) in &s.allowed_by {
        let pol = &net.policies[p];
        let _ = writeln!(
            t,
            "          allowed by {direction} rule {} of {} ({})",
            r + 1,
            pol.display(),
            rule_location(model, net, p, direction, r)
        );
    }
    t
}

fn side_json(model: &Model, net: &Network, s: &Side, direction: &str) -> serde_json::Value {
    json!({
        "applies": s.applies,
        "isolated": !s.isolated_by.is_empty(),
        "isolatedBy": s.isolated_by.iter().map(|&p| net.policies[p].display()).collect::<Vec<_>>(),
        "allowedBy": s.allowed_by.iter().map(|&(p, r)| json!({
            "policy": net.policies[p].display(),
            "rule": r + 1,
            "location": rule_location(model, net, p, direction, r),
        })).collect::<Vec<_>>(),
        "allows": s.conns.to_string(),
    })
}

/// The addresses of a range that no ipBlock boundary splits, as probes:
/// a connection to the range is allowed when it is allowed to all of them.
fn probes(net: &Network, r: IpRange) -> Vec<IpAddr> {
    let mut out = vec![r.first];
    for p in &net.policies {
        for d in [
            palisade_netpol::Direction::Ingress,
            palisade_netpol::Direction::Egress,
        ] {
            for rule in p.rules(d).unwrap_or_default() {
                for peer in rule.peers.iter().flatten() {
                    if let palisade_netpol::policy::Peer::Ip { net: n, except } = peer {
                        for x in std::iter::once(n).chain(except) {
                            for a in [x.network(), x.broadcast()] {
                                if a >= r.first && a <= r.last {
                                    out.push(a);
                                }
                                // the address after a block's end starts the next range
                                if let Some(next) = next_ip(a)
                                    && next >= r.first
                                    && next <= r.last
                                {
                                    out.push(next);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn next_ip(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(x) => u32::from(x).checked_add(1).map(|n| IpAddr::V4(n.into())),
        IpAddr::V6(x) => u128::from(x).checked_add(1).map(|n| IpAddr::V6(n.into())),
    }
}

fn reach(model: &Model, net: &Network, from: &str, to: &str, port_spec: &str, format: &str) -> u8 {
    let (from, to, (port, proto)) = match (end(net, from), end(net, to), port(port_spec)) {
        (Ok(f), Ok(t), Ok(p)) => (f, t, p),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return usage_error(e),
    };
    let addrs = |e: &End| -> Vec<Addr> {
        match e {
            End::Workload(w) => vec![Addr::Endpoint(*w)],
            End::Range(r) => probes(net, *r).into_iter().map(Addr::Ip).collect(),
        }
    };
    if matches!((&from, &to), (End::Range(_), End::Range(_))) {
        return usage_error(
            "--from or --to must be a workload: traffic between two outside addresses is not the cluster's",
        );
    }
    let mut verdicts = Vec::new();
    for f in addrs(&from) {
        for t in addrs(&to) {
            verdicts.push((f, t, connection(net, f, t)));
        }
    }
    let allowed = verdicts.iter().all(|(_, _, v)| v.conns.allows(proto, port));
    let label = |e: &End, a: Addr| match e {
        End::Workload(_) => display(net, a),
        End::Range(r) if r.first == r.last => format!("{}[External]", r.first),
        End::Range(r) => format!("{r}[External]"),
    };
    let text = if format == "json" {
        let mut v = json!({
            "allowed": allowed,
            "from": label(&from, verdicts[0].0),
            "to": label(&to, verdicts[0].1),
            "port": port,
            "protocol": proto.as_str(),
        });
        let (_, _, first) = verdicts
            .iter()
            .find(|(_, _, v)| !v.conns.allows(proto, port))
            .unwrap_or(&verdicts[0]);
        v["egress"] = side_json(model, net, &first.egress, "egress");
        v["ingress"] = side_json(model, net, &first.ingress, "ingress");
        v["connections"] = json!(first.conns.to_string());
        let mut s = serde_json::to_string_pretty(&v).expect("json");
        s.push('\n');
        s
    } else {
        let (f, t, v) = verdicts
            .iter()
            .find(|(_, _, v)| !v.conns.allows(proto, port))
            .unwrap_or(&verdicts[0]);
        let mut s = format!(
            "{}: {} → {} {proto} {port}\n",
            if allowed { "allowed" } else { "blocked" },
            label(&from, *f),
            label(&to, *t),
        );
        s.push_str(&side_text(
            model,
            net,
            &display(net, *f),
            &v.egress,
            "egress",
        ));
        s.push_str(&side_text(
            model,
            net,
            &display(net, *t),
            &v.ingress,
            "ingress",
        ));
        let _ = writeln!(s, "  all connections allowed between them: {}", v.conns);
        if verdicts.len() > 1 && !allowed {
            let _ = writeln!(
                s,
                "  (the range is split by ipBlocks; shown: the first part that is blocked, {})",
                display(net, *t)
            );
        }
        s
    };
    if let Err(e) = emit(&text, None) {
        return usage_error(e);
    }
    if allowed { exit::OK } else { exit::FINDINGS }
}

pub fn run(args: NetpolArgs) -> u8 {
    match args.command {
        NetpolCommand::Reach {
            from,
            to,
            port,
            input,
            format,
        } => {
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let net = Network::build(&model);
            warn_invalid(&net);
            let code = reach(&model, &net, &from, &to, &port, &format);
            if errors.is_empty() || code == exit::INPUT_ERROR {
                code
            } else {
                exit::INPUT_ERROR
            }
        }
        NetpolCommand::Matrix {
            input,
            format,
            output,
        } => {
            let (model, errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let started = std::time::Instant::now();
            let net = Network::build(&model);
            warn_invalid(&net);
            let m = matrix(&net);
            if std::env::var_os("PALISADE_TIMINGS").is_some() {
                eprintln!(
                    "palisade: matrix: {} workloads in {} classes, {} connections, {:.3}s",
                    net.endpoints.len(),
                    m.classes,
                    m.len,
                    started.elapsed().as_secs_f64()
                );
            }
            let written = emit_with(output.as_deref(), |w| match format.as_str() {
                "json" => m.write_json(&net, w),
                "connlist" => m.write_connlist(&net, w),
                "dot" => m.write_dot(&net, w),
                _ => m.write_table(&net, w),
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
        NetpolCommand::Generate(crate::cli::NetpolGenerateArgs {
            input,
            flows,
            ingress_controller_namespace,
            format,
            output,
        }) => {
            let (model, mut errors) = match load_model(&input) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let net = Network::build(&model);
            let opts = Options {
                namespaces: input.namespace.iter().cloned().collect(),
                ingress_controller_namespace,
            };
            let (mut all, warnings) = declared_flows(&model, &net, &opts);
            for w in warnings {
                eprintln!("palisade: warning: {w}");
            }
            if let Some(path) = &flows {
                let text = match std::fs::read_to_string(path) {
                    Ok(t) => t,
                    Err(e) => return usage_error(format!("{}: {e}", path.display())),
                };
                let (observed, problems) = parse_flows(&net, &path.display().to_string(), &text);
                for p in &problems {
                    eprintln!("palisade: {p}");
                    errors.push(palisade_findings::InputError {
                        file: path.display().to_string(),
                        line: 0,
                        column: 0,
                        message: p.clone(),
                    });
                }
                all.extend(observed);
            }
            all.sort();
            all.dedup_by(|a, b| {
                a.src == b.src && a.dst == b.dst && a.port == b.port && a.protocol == b.protocol
            });
            let g = generate(&net, all, &opts);
            // check the result with the reachability engine: the workloads with
            // only the generated policies allow exactly the flows
            let yaml = g.to_yaml();
            let generated_ns: std::collections::BTreeSet<String> =
                g.policies.iter().map(|p| p.namespace.clone()).collect();
            let mut objects: Vec<palisade_model::Object> = model
                .objects()
                .iter()
                .filter(|o| o.kind != "NetworkPolicy")
                .cloned()
                .collect();
            let parsed = palisade_source::load_text(
                "generated.yaml",
                &yaml,
                &palisade_source::LoadOptions::default(),
            );
            objects.extend(parsed.objects);
            let applied = Network::build(&Model::new(objects));
            let problems = verify(&applied, &g.flows, &generated_ns);
            for p in &problems {
                eprintln!("palisade: verification: {p}");
            }
            let mut text = match format.as_str() {
                "terraform" => g.to_terraform(),
                _ => yaml,
            };
            let summary = format!(
                "# palisade netpol generate: {} policies for {} namespace{}, {} flows ({} from the manifests{}); verified with the reachability engine: {}\n",
                g.policies.len(),
                generated_ns.len(),
                if generated_ns.len() == 1 { "" } else { "s" },
                g.flows.len(),
                g.flows
                    .iter()
                    .filter(|f| !f.reason.starts_with("observed"))
                    .count(),
                if flows.is_some() {
                    ", the rest observed"
                } else {
                    ""
                },
                if problems.is_empty() {
                    "exactly these flows are allowed".to_string()
                } else {
                    format!("{} problems (see stderr)", problems.len())
                }
            );
            text.insert_str(0, &summary);
            if let Err(e) = emit(&text, output.as_deref()) {
                return usage_error(e);
            }
            if !errors.is_empty() || !problems.is_empty() {
                exit::INPUT_ERROR
            } else {
                exit::OK
            }
        }
    }
}

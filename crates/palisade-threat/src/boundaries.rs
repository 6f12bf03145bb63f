//! Trust boundaries and what crosses them: internet ↔ ingress,
//! namespace ↔ namespace, pod ↔ node, workload ↔ API server.

use crate::facts::{EntryKind, Facts, connection_evidence};
use crate::{Boundary, BoundaryKind, BoundaryStatus, Crossing, Evidence, Input};
use palisade_netpol::Protocol;
use palisade_netpol::policy::Direction;
use palisade_netpol::reach::{Addr, connection};
use palisade_rbac::Subject;
use palisade_rbac::risks::{Risk, RiskFinding};
use std::collections::{BTreeMap, BTreeSet};

fn boundary(kind: BoundaryKind, id: String, name: String, crossings: Vec<Crossing>) -> Boundary {
    let status = if crossings.iter().any(|c| !c.guarded) {
        BoundaryStatus::Open
    } else {
        BoundaryStatus::Enforced
    };
    Boundary {
        id,
        kind,
        name,
        status,
        crossings,
    }
}

/// Risky permissions of each service account (directly or through its
/// implicit groups).
pub(crate) fn sa_risks(
    input: &Input<'_>,
    risks: &[(&'static Risk, RiskFinding)],
) -> BTreeMap<(String, String), Vec<Evidence>> {
    let mut out: BTreeMap<(String, String), Vec<Evidence>> = BTreeMap::new();
    let sas: Vec<(String, String)> = input
        .rbac
        .bindings
        .iter()
        .flat_map(|b| b.subjects.iter())
        .filter_map(|s| match &s.subject {
            Subject::ServiceAccount { namespace, name } => Some((namespace.clone(), name.clone())),
            _ => None,
        })
        .collect();
    // what scan reports: a `* on *` binding once, as rbac-cluster-admin
    let admin = palisade_rbac::risks::admin_bindings(input.rbac);
    for (r, f) in risks {
        let Some(b) = f.binding.map(|i| &input.rbac.bindings[i]) else {
            continue;
        };
        if palisade_rbac::risks::subsumed(r, f, &admin) {
            continue;
        }
        for s in &b.subjects {
            let ev = Evidence::at(&f.object, &f.location, f.message.clone()).check(r.meta.id);
            match &s.subject {
                Subject::ServiceAccount { namespace, name } => out
                    .entry((namespace.clone(), name.clone()))
                    .or_default()
                    .push(ev),
                Subject::Group(g)
                    if g.starts_with("system:serviceaccounts") || g == "system:authenticated" =>
                {
                    // every service account of the group
                    for (ns, name) in &sas {
                        let member = Subject::ServiceAccount {
                            namespace: ns.clone(),
                            name: name.clone(),
                        }
                        .implicit_groups()
                        .contains(g);
                        if member {
                            out.entry((ns.clone(), name.clone()))
                                .or_default()
                                .push(ev.clone());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

pub(crate) fn boundaries(
    input: &Input<'_>,
    facts: &Facts<'_>,
    risks: &[(&'static Risk, RiskFinding)],
) -> Vec<Boundary> {
    let mut out = Vec::new();
    // internet ↔ ingress
    for e in &facts.entries {
        let crossings = e
            .routes
            .iter()
            .map(|r| {
                let mut evidence = vec![r.written.clone()];
                if r.tls == Some(false) {
                    evidence.push(Evidence::at(
                        &e.object,
                        &e.location,
                        "the host has no TLS entry: traffic crosses the internet in clear text",
                    ));
                }
                evidence.extend(r.netpol.iter().cloned());
                let guarded = !r.allowed
                    || (r.tls != Some(false) && r.isolated && e.kind == EntryKind::Ingress);
                Crossing {
                    evidence_more: 0,
                    target: Some(facts.workloads[r.workload].name.clone()),
                    description: if r.allowed {
                        r.description.clone()
                    } else {
                        format!("{} (blocked by NetworkPolicy)", r.description)
                    },
                    guarded,
                    evidence,
                }
            })
            .collect();
        out.push(boundary(
            BoundaryKind::InternetIngress,
            format!("internet-ingress/{}", e.name),
            format!("internet ↔ {}", e.name),
            crossings,
        ));
    }
    // namespace ↔ namespace: connections into each namespace from others,
    // one crossing per source namespace
    let net = input.network;
    struct Agg<'w> {
        guarded: bool,
        evidence: Vec<Evidence>,
        ports: BTreeSet<(Protocol, u16)>,
        sources: BTreeSet<&'w str>,
        targets: BTreeSet<&'w str>,
        /// (source, target) workload names, to tell declared flows.
        pairs: BTreeSet<(&'w str, &'w str)>,
    }
    let mut into: BTreeMap<&str, BTreeMap<&str, Agg>> = BTreeMap::new();
    // per endpoint: (egress isolated, ingress isolated)
    let isolated: Vec<(bool, bool)> = (0..net.endpoints.len())
        .map(|e| {
            (
                !net.isolating(e, Direction::Egress).is_empty(),
                !net.isolating(e, Direction::Ingress).is_empty(),
            )
        })
        .collect();
    for &(sw, dw, proto, port) in &facts.lateral {
        let (a, b) = (&facts.workloads[sw], &facts.workloads[dw]);
        if a.namespace == b.namespace {
            continue;
        }
        let (Some(s), Some(d)) = (a.endpoint, b.endpoint) else {
            continue;
        };
        // guarded: a policy isolates one side, so a rule allows it on purpose
        let guarded = isolated[s].0 || isolated[d].1;
        let agg = into
            .entry(b.namespace.as_str())
            .or_default()
            .entry(a.namespace.as_str())
            .or_insert_with(|| Agg {
                guarded: true,
                evidence: Vec::new(),
                ports: BTreeSet::new(),
                sources: BTreeSet::new(),
                targets: BTreeSet::new(),
                pairs: BTreeSet::new(),
            });
        // the evidence of the first unguarded connection, else of the first
        let key = (a.name.as_str(), b.name.as_str());
        let first = agg.pairs.iter().next().is_none_or(|f| key < *f);
        if (agg.guarded && !guarded) || (agg.guarded == guarded && first) {
            let v = connection(net, Addr::Endpoint(s), Addr::Endpoint(d));
            agg.evidence = connection_evidence(input, s, d, &v, proto, port);
        }
        agg.guarded &= guarded;
        agg.ports.insert((proto, port));
        agg.sources.insert(&a.name);
        agg.targets.insert(&b.name);
        agg.pairs.insert(key);
    }
    let declared: BTreeSet<(&str, &str)> = input
        .inventory
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    let with_workloads: Vec<String> = facts
        .namespaces
        .keys()
        .filter(|ns| facts.workloads.iter().any(|w| &w.namespace == *ns))
        .cloned()
        .collect();
    let names = |v: &BTreeSet<&str>, ns: &str| -> String {
        if v.len() <= 3 {
            v.iter().copied().collect::<Vec<_>>().join(", ")
        } else {
            format!("{} workloads of {ns}", v.len())
        }
    };
    for ns in &with_workloads {
        let crossings = into
            .get(ns.as_str())
            .into_iter()
            .flatten()
            .map(|(src_ns, agg)| {
                let ports: Vec<String> =
                    agg.ports.iter().map(|(p, n)| format!("{p} {n}")).collect();
                let undeclared = agg.pairs.iter().filter(|p| !declared.contains(*p)).count();
                Crossing {
                    evidence_more: 0,
                    target: None,
                    description: format!(
                        "{} → {} ({}){}",
                        names(&agg.sources, src_ns),
                        names(&agg.targets, ns),
                        ports.join(", "),
                        match undeclared {
                            0 => " — every connection declared by the manifests".to_string(),
                            n if n == agg.pairs.len() =>
                                " — none declared by the manifests".to_string(),
                            n => format!(
                                " — {n} of {} connections not declared by the manifests",
                                agg.pairs.len()
                            ),
                        }
                    ),
                    guarded: agg.guarded,
                    evidence: agg.evidence.clone(),
                }
            })
            .collect();
        out.push(boundary(
            BoundaryKind::NamespaceNamespace,
            format!("namespace/{ns}"),
            format!("other namespaces → {ns}"),
            crossings,
        ));
    }
    // pod ↔ node, per namespace
    for ns in &with_workloads {
        let mut crossings = Vec::new();
        for w in facts.workloads.iter().filter(|w| &w.namespace == ns) {
            if !w.escape.is_empty() {
                crossings.push(Crossing {
                    evidence_more: 0,
                    target: None,
                    description: format!("{}: a shell in its pods is root on the node", w.name),
                    guarded: false,
                    evidence: w.escape.clone(),
                });
            }
            if !w.host.is_empty() {
                crossings.push(Crossing {
                    evidence_more: 0,
                    target: None,
                    description: format!(
                        "{}: host access that does not give root on the node",
                        w.name
                    ),
                    guarded: true,
                    evidence: w.host.clone(),
                });
            }
        }
        if let Some(n) = facts.namespaces.get(ns) {
            let mut evidence = vec![n.evidence.clone()];
            if n.admits_privileged {
                for (r, f) in risks {
                    let Some(b) = f.binding.map(|i| &input.rbac.bindings[i]) else {
                        continue;
                    };
                    if r.meta.id == "rbac-create-workloads" && b.scope().is_none_or(|s| s == ns) {
                        evidence.push(
                            Evidence::at(&f.object, &f.location, f.message.clone())
                                .check(r.meta.id),
                        );
                    }
                }
            }
            crossings.push(Crossing {
                evidence_more: 0,
                target: None,
                description: if n.admits_privileged {
                    format!("new pods in {ns} may be privileged or mount any host path")
                } else {
                    format!("Pod Security admission limits new pods in {ns}")
                },
                guarded: !n.admits_privileged,
                evidence,
            });
        }
        out.push(boundary(
            BoundaryKind::PodNode,
            format!("pod-node/{ns}"),
            format!("pods of {ns} ↔ their nodes"),
            crossings,
        ));
    }
    // workload ↔ API server, per namespace
    let by_sa = sa_risks(input, risks);
    for ns in &with_workloads {
        let crossings = facts
            .workloads
            .iter()
            .filter(|w| &w.namespace == ns)
            .map(|w| {
                let risky = by_sa
                    .get(&(w.namespace.clone(), w.service_account.clone()))
                    .cloned()
                    .unwrap_or_default();
                match &w.token {
                    None => Crossing {
                        evidence_more: 0,
                        target: None,
                        description: format!(
                            "{}: no service-account token mounted ({}:{})",
                            w.name, w.namespace, w.service_account
                        ),
                        guarded: true,
                        evidence: vec![
                            w.here("automountServiceAccountToken: false (pod or ServiceAccount)"),
                        ],
                    },
                    Some(t) if risky.is_empty() => Crossing {
                        evidence_more: 0,
                        target: None,
                        description: format!(
                            "{}: token of {}:{}, which RBAC grants nothing risky",
                            w.name, w.namespace, w.service_account
                        ),
                        guarded: true,
                        evidence: vec![t.clone()],
                    },
                    Some(t) => {
                        let mut evidence = vec![t.clone()];
                        evidence.extend(risky);
                        Crossing {
                            evidence_more: 0,
                            target: None,
                            description: format!(
                                "{}: token of {}:{} with risky permissions",
                                w.name, w.namespace, w.service_account
                            ),
                            guarded: false,
                            evidence,
                        }
                    }
                }
            })
            .collect();
        out.push(boundary(
            BoundaryKind::WorkloadApiServer,
            format!("workload-api/{ns}"),
            format!("workloads of {ns} ↔ API server"),
            crossings,
        ));
    }
    out.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    out
}

//! Policies the API server would reject.

use super::{Hit, NetpolCheck};
use crate::network::Network;
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;

static META: CheckMeta = CheckMeta {
    id: "netpol-invalid",
    title: "Invalid NetworkPolicy",
    severity: Severity::High,
    action: 6,
    category: "network",
    frameworks: &[Framework::Nsa("network-separation")],
    risk: "The API server rejects this policy (an `except` outside its `cidr`, `endPort` without a \
numeric `port`, a port out of range, an unknown protocol, a malformed selector), so `kubectl apply` \
fails and the pods it was meant to protect stay open. palisade leaves it out of every analysis.",
    fix: "Correct the field named in the finding; `kubectl apply --dry-run=server` confirms the API \
server accepts it.",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    let mut out = Vec::new();
    for p in &net.invalid {
        let obj = model.get(
            "NetworkPolicy",
            p.object.namespace.as_deref(),
            &p.object.name,
        );
        for problem in &p.problems {
            out.push(Hit {
                object: p.object.clone(),
                location: obj.map_or_else(|| p.location.clone(), |o| o.locate(&problem.path)),
                path: Some(problem.path.clone()),
                message: format!("{}: {}", problem.path, problem.message),
                severity: None,
            });
        }
    }
    out
}

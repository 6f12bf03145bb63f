//! Untrusted NetworkPolicies and workloads through the network model, the
//! connectivity matrix, the generator (with its self-check) and the flows
//! parser. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_netpol::generate::{Options, declared_flows, generate, parse_flows};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // the first line is a flows file, the rest manifests
    let (flows, manifests) = text.split_once('\n').unwrap_or(("", text));
    let loaded = palisade_source::load_text("fuzz.yaml", manifests, &Default::default());
    let model = palisade_model::Model::new(loaded.objects);
    let net = palisade_netpol::Network::build(&model);
    let m = palisade_netpol::matrix(&net);
    let _ = m.connlist(&net);
    let (mut all, _) = declared_flows(&model, &net, &Options::default());
    let (observed, _) = parse_flows(&net, "flows.csv", flows);
    all.extend(observed);
    let g = generate(&net, all, &Options::default());
    let _ = g.to_yaml();
    let _ = g.to_terraform();
});

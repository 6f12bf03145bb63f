//! NetworkPolicy conformance on the shared corpus:
//! * every probe of every kubernetes-network-policy-recipes scenario gives
//!   its expected verdict (`netpol-recipes/expected.yaml`);
//! * the connlist of GoogleCloudPlatform/microservices-demo with its
//!   network-policies component equals `expected-connectivity.txt`.

use palisade_model::{Model, ObjectOptions, objects_from_document};
use palisade_netpol::{Addr, Network, Protocol, connection, matrix};
use serde_json::Value;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

fn yaml_to_json(text: &str) -> Vec<Value> {
    let s = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    s.documents.into_iter().map(|d| d.root.to_json()).collect()
}

fn objects(yaml: &str, file: &str) -> Vec<palisade_model::Object> {
    let s = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(s.errors.is_empty(), "{file}: {:?}", s.errors);
    let file: Arc<str> = Arc::from(file);
    s.documents
        .into_iter()
        .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
        .map(|r| r.expect("valid object"))
        .collect()
}

/// The recipe's cluster as manifests: namespaces with labels and one Pod
/// per modelled pod.
fn cluster(scenario: &Value) -> String {
    let mut y = String::new();
    for (ns, labels) in scenario["namespaces"].as_object().unwrap() {
        y.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels: {labels}\n---\n"
        ));
    }
    for (name, pod) in scenario["pods"].as_object().unwrap() {
        let ports: Vec<String> = pod["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                format!(
                    "{{containerPort: {}, protocol: {}}}",
                    p["port"],
                    p["protocol"].as_str().unwrap()
                )
            })
            .collect();
        y.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {}\n  labels: {}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    ports: [{}]\n---\n",
            pod["namespace"].as_str().unwrap(),
            pod["labels"],
            ports.join(", ")
        ));
    }
    y
}

const EXTERNAL: &str = "93.184.216.34";

#[test]
fn every_recipe_probe_gives_its_expected_verdict() {
    palisade_corpus::require!("netpol-recipes/expected.yaml");
    let root = palisade_corpus::corpus_path("netpol-recipes");
    let expected = yaml_to_json(&std::fs::read_to_string(root.join("expected.yaml")).unwrap());
    let scenarios = expected[0]["scenarios"].as_array().unwrap();
    let (mut probes, mut failures) = (0, Vec::new());
    for sc in scenarios {
        let mut objs = objects(&cluster(sc), "cluster.yaml");
        for p in sc["policies"].as_array().unwrap() {
            let path = root.join(p.as_str().unwrap());
            objs.extend(objects(
                &std::fs::read_to_string(&path).unwrap(),
                p.as_str().unwrap(),
            ));
        }
        let net = Network::build(&Model::new(objs));
        assert!(
            net.invalid.is_empty(),
            "{}: {:?}",
            sc["recipe"],
            net.invalid
        );
        let addr = |name: &str| -> Addr {
            if name == "external" {
                Addr::Ip(EXTERNAL.parse::<IpAddr>().unwrap())
            } else {
                Addr::Endpoint(
                    net.find(&format!(
                        "{}/{name}",
                        sc["pods"][name]["namespace"].as_str().unwrap()
                    ))
                    .unwrap(),
                )
            }
        };
        for probe in sc["probes"].as_array().unwrap() {
            probes += 1;
            let (from, to) = (
                addr(probe["from"].as_str().unwrap()),
                addr(probe["to"].as_str().unwrap()),
            );
            let port = probe["port"].as_u64().unwrap() as u16;
            let proto = Protocol::parse(probe["protocol"].as_str().unwrap_or("TCP")).unwrap();
            let v = connection(&net, from, to);
            let got = if v.conns.allows(proto, port) {
                "allowed"
            } else {
                "blocked"
            };
            if got != probe["expected"].as_str().unwrap() {
                failures.push(format!("{} {probe}: got {got}", sc["recipe"]));
            }
        }
    }
    assert_eq!(probes, 43, "the corpus has 43 probes");
    assert!(
        failures.is_empty(),
        "{} of {probes} probes wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn microservices_demo_connlist_matches_exactly() {
    palisade_corpus::require!("microservices-demo/expected-connectivity.txt");
    let root = palisade_corpus::corpus_path("microservices-demo");
    let paths: Vec<PathBuf> = vec![
        root.join("release/kubernetes-manifests.yaml"),
        root.join("kustomize/components/network-policies"),
    ];
    let loaded = palisade_source::load(&paths, &palisade_source::LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let net = Network::build(&Model::new(loaded.objects));
    assert_eq!(net.policies.len(), 13);
    let got = matrix(&net).connlist(&net);
    let expected: String = std::fs::read_to_string(root.join("expected-connectivity.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(got.lines().count(), 39);
}

/// `palisade netpol generate` on microservices-demo without its policies:
/// the flows read from the manifests (env vars such as
/// `CART_SERVICE_ADDR=cartservice:7070`) are exactly the call graph of the
/// upstream policies, and the generated policies allow exactly those.
#[test]
fn generated_policies_for_microservices_demo_round_trip() {
    palisade_corpus::require!("microservices-demo/expected-connectivity.txt");
    use palisade_netpol::generate::{Options, Source, declared_flows, generate, verify};
    let root = palisade_corpus::corpus_path("microservices-demo");
    let loaded = palisade_source::load(
        &[root.join("release/kubernetes-manifests.yaml")],
        &palisade_source::LoadOptions::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let model = Model::new(loaded.objects);
    let net = Network::build(&model);
    let (flows, warnings) = declared_flows(&model, &net, &Options::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: std::collections::BTreeSet<String> = flows
        .iter()
        .map(|f| {
            let Source::Workload(s) = f.src else { panic!() };
            format!(
                "{} => {} : {} {}",
                net.endpoints[s].display(),
                net.endpoints[f.dst].display(),
                f.protocol,
                f.port
            )
        })
        .collect();
    // the upstream policies' call graph: every pod-to-pod line with a port
    let expected: std::collections::BTreeSet<String> =
        std::fs::read_to_string(root.join("expected-connectivity.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains(" : TCP ") && !l.contains("[External]"))
            .map(str::to_string)
            .collect();
    // loadgenerator → frontend is declared (FRONTEND_ADDR=frontend:80); the
    // upstream frontend policy allows everything, so it is not in their list
    let extra: Vec<&String> = got.difference(&expected).collect();
    assert_eq!(
        extra,
        ["default/loadgenerator[Deployment] => default/frontend[Deployment] : TCP 8080"]
    );
    assert!(
        expected.is_subset(&got),
        "missing {:?}",
        expected.difference(&got).collect::<Vec<_>>()
    );
    // apply the generated policies: exactly these flows are reachable
    let g = generate(&net, flows.clone(), &Options::default());
    let yaml = g.to_yaml();
    let mut objs: Vec<palisade_model::Object> = model.objects().to_vec();
    objs.extend(objects(&yaml, "generated.yaml"));
    let applied = Network::build(&Model::new(objs));
    assert!(applied.invalid.is_empty(), "{:?}", applied.invalid);
    assert_eq!(applied.policies.len(), g.policies.len());
    let problems = verify(
        &applied,
        &flows,
        &["default".to_string()].into_iter().collect(),
    );
    assert!(problems.is_empty(), "{problems:#?}\n{yaml}");
    // and the Terraform form reads back to the same connectivity
    let tf_policies = terraform_objects(&g.to_terraform());
    assert_eq!(tf_policies.len(), g.policies.len());
    let mut objs: Vec<palisade_model::Object> = model.objects().to_vec();
    objs.extend(tf_policies);
    let from_tf = Network::build(&Model::new(objs));
    assert!(from_tf.invalid.is_empty(), "{:?}", from_tf.invalid);
    assert!(from_tf.unresolved.is_empty(), "{:?}", from_tf.unresolved);
    assert_eq!(
        matrix(&from_tf).connlist(&from_tf),
        matrix(&applied).connlist(&applied)
    );
}

fn terraform_objects(tf: &str) -> Vec<palisade_model::Object> {
    let dir = tempfile_dir();
    std::fs::write(dir.join("netpol.tf"), tf).unwrap();
    let loaded = palisade_source::load(
        std::slice::from_ref(&dir),
        &palisade_source::LoadOptions::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}\n{tf}", loaded.errors);
    let _ = std::fs::remove_dir_all(dir);
    loaded.objects
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("palisade-netpol-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

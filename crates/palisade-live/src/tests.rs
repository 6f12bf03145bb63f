//! The live path against recorded API responses served over HTTPS on
//! localhost (no API server can be installed where palisade is built).

use super::*;
use crate::testserver::{TestServer, base64_encode, start};

fn opts(server: &TestServer) -> LiveOptions {
    LiveOptions {
        kubeconfig: Some(server.kubeconfig.path().to_path_buf()),
        timeout: Duration::from_secs(5),
        ..LiveOptions::default()
    }
}

#[test]
fn lists_every_kind_with_pagination_retries_and_permissions() {
    let server = start();
    let f = fetch(&opts(&server)).unwrap();
    let names: Vec<String> = f
        .objects
        .iter()
        .map(|o| format!("{}/{}", o.kind, o.name))
        .collect();
    assert!(names.contains(&"Pod/web-1".to_string()), "{names:?}");
    assert!(
        names.contains(&"Pod/web-2".to_string()),
        "second page read: {names:?}"
    );
    assert!(
        names.contains(&"Service/web".to_string()),
        "429 retried: {names:?}"
    );
    assert!(names.contains(&"Namespace/shop".to_string()));
    let forbidden = f
        .warnings
        .iter()
        .find(|w| w.starts_with("clusterroles"))
        .expect("403 warned");
    assert!(
        forbidden.contains("grant `list` on clusterroles (rbac.authorization.k8s.io) cluster-wide"),
        "{forbidden}"
    );
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("admissionregistration.k8s.io/v1 is not served"))
    );
    // objects are located in the cluster and carry apiVersion/kind
    let pod = f.objects.iter().find(|o| o.name == "web-2").unwrap();
    assert_eq!(&*pod.location.file, "cluster:Pod/shop/web-2");
    assert_eq!(pod.api_version, "v1");
    assert!(
        pod.raw
            .get("metadata")
            .unwrap()
            .get("managedFields")
            .is_none()
    );
    // never Secrets
    let reqs = server.requests.lock().unwrap().clone();
    assert!(!reqs.iter().any(|r| r.contains("secrets")), "{reqs:?}");
    assert!(reqs.iter().any(|r| r.starts_with("/api/v1/pods?limit=500")));
    // the dump reads back as the same objects
    let dump = to_yaml_list(&f.raw);
    let stream = palisade_yaml::parse_stream(&dump, &palisade_yaml::Limits::default());
    assert!(stream.errors.is_empty());
    let file: Arc<str> = Arc::from("dump.yaml");
    let back: Vec<_> = stream
        .documents
        .into_iter()
        .flat_map(|d| {
            palisade_model::objects_from_document(d.root, &file, &ObjectOptions::default())
        })
        .collect();
    assert_eq!(back.len(), f.objects.len());
}

#[test]
fn namespace_scoped_reads_use_namespaced_paths() {
    let server = start();
    let mut o = opts(&server);
    o.namespace = Some("shop".into());
    let _ = fetch(&o).unwrap();
    let reqs = server.requests.lock().unwrap().clone();
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("/api/v1/namespaces/shop/pods")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("/apis/rbac.authorization.k8s.io/v1/clusterroles"))
    );
}

#[test]
fn unreachable_clusters_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {server: \"https://127.0.0.1:9\"}\ncontexts:\n- name: x\n  context: {cluster: x, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .unwrap();
    let e = fetch(&LiveOptions {
        kubeconfig: Some(kc),
        timeout: Duration::from_secs(2),
        attempts: 1,
        ..LiveOptions::default()
    })
    .unwrap_err();
    assert!(e.0.contains("API discovery"), "{e}");
    let missing = fetch(&LiveOptions {
        kubeconfig: Some(dir.path().join("nope")),
        ..LiveOptions::default()
    })
    .unwrap_err();
    assert!(missing.0.contains("nope"), "{missing}");
    assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
    assert_eq!(base64_encode(b"hi"), "aGk=");
}

#[test]
fn a_hanging_or_garbled_kind_is_an_input_error_and_the_rest_is_read() {
    let server = crate::testserver::start_faulty();
    let started = std::time::Instant::now();
    let f = fetch(&LiveOptions {
        timeout: Duration::from_secs(1),
        attempts: 1,
        ..opts(&server)
    })
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the timeout applies per request"
    );
    // input errors (exit 2), not warnings: the scan is not complete
    let failed = |plural: &str, why: &str| {
        f.errors
            .iter()
            .any(|e| e.file == format!("cluster:{plural}") && e.message.contains(why))
    };
    assert!(failed("cronjobs", "no answer within 1 s"), "{:?}", f.errors);
    assert!(
        failed("networkpolicies", "Error deserializing response"),
        "{:?}",
        f.errors
    );
    assert!(!f.read_kinds.contains(&"CronJob"));
    // the rest is still read
    assert!(
        f.objects
            .iter()
            .any(|o| o.kind == "Pod" && o.name == "web-1")
    );
}

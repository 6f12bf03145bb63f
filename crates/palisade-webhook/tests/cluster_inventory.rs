//! The webhook's inventory read from a cluster (a local HTTPS server that
//! replays recorded Kubernetes API responses; no API server can be
//! installed where palisade is built).

use palisade_admission::{Admission, Config, Endpoint};
use palisade_webhook::AppState;
use serde_json::json;

#[test]
fn inventory_is_read_from_the_cluster_and_swapped_in() {
    let server = palisade_live::testserver::start();
    let config = Config::parse(
        &format!(
            "cluster:\n  kubeconfig: {}\n  refreshSeconds: 30\n",
            server.kubeconfig.path().display()
        ),
        "config.yaml",
    )
    .unwrap();
    let (admission, errors) = Admission::load(config);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(admission.inventory_size(), 0);
    let state = AppState::new(admission);
    let c = state.current().config.cluster.clone().unwrap();
    let opts = palisade_live::LiveOptions {
        kubeconfig: c.kubeconfig.clone(),
        ..Default::default()
    };
    let n = state.refresh_from_cluster(&opts).unwrap();
    assert!(n >= 3, "{n} objects");
    assert_eq!(state.current().inventory_size(), n);
    // decisions go on with the new admission
    let body = serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "shop",
            "operation": "CREATE", "name": "p",
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"hostPID": true, "containers": [{"name": "c", "image": "nginx:1.27"}]}}}
    }))
    .unwrap();
    let d = state.current().review(&body, Endpoint::Validate).unwrap();
    assert!(!d.allowed);
    // an unreachable cluster keeps the previous inventory
    let bad = palisade_live::LiveOptions {
        kubeconfig: Some("/nonexistent/kubeconfig".into()),
        ..Default::default()
    };
    assert!(state.refresh_from_cluster(&bad).is_err());
    assert_eq!(state.current().inventory_size(), n);
}

//! A local HTTPS server replaying recorded Kubernetes API responses, for
//! tests of the live path (no API server can be installed where palisade is
//! built). Enabled by the `testserver` feature (and in this crate's tests).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TestServer {
    pub url: String,
    pub kubeconfig: tempfile::NamedTempFile,
    pub requests: Arc<std::sync::Mutex<Vec<String>>>,
}

fn list(items: serde_json::Value, cont: &str) -> serde_json::Value {
    serde_json::json!({"kind": "List", "apiVersion": "v1", "metadata": {"continue": cont}, "items": items})
}

/// Serves: discovery, pods in two pages, a 403 for clusterroles, a 429 then
/// success for services, two bindings (user ops → cluster-admin, shop/web →
/// edit in shop), empty lists else.
pub fn start() -> TestServer {
    start_with(false)
}

/// As [`start`], and also a server misbehaving: NetworkPolicies answer with
/// garbage and CronJobs never answer.
pub fn start_faulty() -> TestServer {
    start_with(true)
}

fn start_with(faulty: bool) -> TestServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert_pem = ck.cert.pem();
    let key_pem = ck.signing_key.serialize_pem();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let seen = requests.clone();
    let services_calls = Arc::new(AtomicUsize::new(0));
    let cert = cert_pem.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let seen = seen.clone();
                let services_calls = services_calls.clone();
                async move {
                    use axum::http::StatusCode;
                    let path = uri.path().to_string();
                    let query = uri.query().unwrap_or("").to_string();
                    seen.lock().unwrap().push(format!("{path}?{query}"));
                    let json = |code: StatusCode, v: serde_json::Value| {
                        (code, [("content-type", "application/json")], v.to_string())
                    };
                    match path.as_str() {
                        "/apis/networking.k8s.io/v1/networkpolicies" if faulty => {
                            (StatusCode::OK, [("content-type", "application/json")], "<html>proxy error".to_string())
                        }
                        "/apis/batch/v1/cronjobs" if faulty => {
                            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                            json(StatusCode::OK, list(serde_json::json!([]), ""))
                        }
                        "/api" => json(StatusCode::OK, serde_json::json!({"kind": "APIVersions", "versions": ["v1"]})),
                        "/apis" => {
                            let groups: Vec<serde_json::Value> = ["apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "policy"]
                                .iter()
                                .map(|g| serde_json::json!({"name": g, "versions": [{"groupVersion": format!("{g}/v1"), "version": "v1"}], "preferredVersion": {"groupVersion": format!("{g}/v1"), "version": "v1"}}))
                                .collect();
                            json(StatusCode::OK, serde_json::json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
                        }
                        "/api/v1/pods" if !query.contains("continue") => json(
                            StatusCode::OK,
                            list(serde_json::json!([{"metadata": {"name": "web-1", "namespace": "shop", "managedFields": [{"manager": "x"}]}, "spec": {"hostPID": true, "containers": [{"name": "c", "image": "nginx:1.27"}]}}]), "page-2/x"),
                        ),
                        "/api/v1/pods" => {
                            assert!(query.contains("continue=page-2%2Fx"), "{query}");
                            json(StatusCode::OK, list(serde_json::json!([{"metadata": {"name": "web-2", "namespace": "shop"}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}}]), ""))
                        }
                        "/apis/rbac.authorization.k8s.io/v1/clusterroles" => json(
                            StatusCode::FORBIDDEN,
                            serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403, "reason": "Forbidden", "message": "clusterroles.rbac.authorization.k8s.io is forbidden: User \"scanner\" cannot list resource \"clusterroles\""}),
                        ),
                        "/api/v1/services" => {
                            if services_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                                json(StatusCode::TOO_MANY_REQUESTS, serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 429, "reason": "TooManyRequests", "message": "slow down"}))
                            } else {
                                json(StatusCode::OK, list(serde_json::json!([{"metadata": {"name": "web", "namespace": "shop"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}}]), ""))
                            }
                        }
                        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" => json(
                            StatusCode::OK,
                            list(serde_json::json!([{"metadata": {"name": "ops-admin"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "ops"}]}]), ""),
                        ),
                        "/apis/rbac.authorization.k8s.io/v1/rolebindings" | "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings" => json(
                            StatusCode::OK,
                            list(serde_json::json!([{"metadata": {"name": "web-edit", "namespace": "shop"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}, "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]}]), ""),
                        ),
                        "/api/v1/namespaces" => json(StatusCode::OK, list(serde_json::json!([{"metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}}]), "")),
                        _ => json(StatusCode::OK, list(serde_json::json!([]), "")),
                    }
                }
            });
            let config = axum_server::tls_rustls::RustlsConfig::from_pem(cert.into_bytes(), key_pem.into_bytes()).await.unwrap();
            axum_server::from_tcp_rustls(listener, config).unwrap().serve(app.into_make_service()).await.unwrap();
        });
    });
    let url = format!("https://{addr}");
    let ca = base64_encode(cert_pem.as_bytes());
    let kubeconfig = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        kubeconfig.path(),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\ncontexts:\n- name: test\n  context: {{cluster: test, user: scanner}}\ncurrent-context: test\nusers:\n- name: scanner\n  user: {{token: not-a-secret}}\n"
        ),
    )
    .unwrap();
    TestServer {
        url,
        kubeconfig,
        requests,
    }
}

pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

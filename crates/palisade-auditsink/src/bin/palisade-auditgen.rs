//! Benchmark input: a realistic, deterministic mix of audit events —
//! controller and service-account reads, lease and status updates, kubelet
//! patches, ReplicaSet pod creates with bodies, secret reads (mostly by
//! service accounts), human Deployment patches (some privileged), exec,
//! RBAC writes, ConfigMaps with data.
//!
//! `palisade-auditgen N` writes N JSON lines to stdout.
//! `palisade-auditgen N --post https://HOST:PORT/audit --ca CA --token-file F
//! [--batch 400] [--connections 4]` sends them as EventList batches and
//! prints the throughput.

use serde_json::{Value, json};
use std::io::Write;
use std::time::Instant;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NAMESPACES: &[&str] = &[
    "shop",
    "payments",
    "web",
    "data",
    "monitoring",
    "kube-system",
];
const HUMANS: &[&str] = &[
    "alice@example.com",
    "bob@example.com",
    "kubernetes-admin",
    "carol@example.com",
];

fn pod_spec(privileged: bool, image: &str) -> Value {
    let mut c = json!({"name": "app", "image": image, "ports": [{"containerPort": 8080}],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
        "env": [{"name": "LOG_LEVEL", "value": "info"}]});
    if privileged {
        c["securityContext"] = json!({"privileged": true});
    } else {
        c["securityContext"] = json!({"runAsNonRoot": true, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true});
    }
    json!({"containers": [c], "serviceAccountName": "default", "volumes": [{"name": "cfg", "configMap": {"name": "app"}}]})
}

fn event(i: u64, r: &mut Rng) -> Value {
    let ns = NAMESPACES[r.below(NAMESPACES.len() as u64) as usize];
    let t = 1_764_400_000 + i / 2000;
    let ts = format!(
        "2025-11-29T{:02}:{:02}:{:02}.{:06}Z",
        (t / 3600) % 24,
        (t / 60) % 60,
        t % 60,
        i % 1_000_000
    );
    let roll = r.below(1000);
    let sa = |name: &str| format!("system:serviceaccount:{ns}:{name}");
    let (user, verb, resource, sub, name, stage, code, body): (
        String,
        &str,
        &str,
        &str,
        String,
        &str,
        u16,
        Option<Value>,
    ) = match roll {
        0..=249 => (
            sa("app"),
            ["get", "list", "watch"][r.below(3) as usize],
            ["configmaps", "pods", "endpoints", "services"][r.below(4) as usize],
            "",
            format!("obj-{}", r.below(50)),
            "ResponseComplete",
            200,
            None,
        ),
        250..=399 => (
            "system:kube-controller-manager".into(),
            "update",
            "leases",
            "",
            "kube-controller-manager".into(),
            "ResponseComplete",
            200,
            None,
        ),
        400..=499 => (
            format!("system:node:node-{}", r.below(20)),
            "patch",
            "nodes",
            "status",
            format!("node-{}", r.below(20)),
            "ResponseComplete",
            200,
            None,
        ),
        500..=599 => (
            "system:serviceaccount:kube-system:replicaset-controller".into(),
            "create",
            "pods",
            "",
            format!("web-{}", r.below(10_000)),
            "ResponseComplete",
            201,
            Some(
                json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"generateName": "web-", "namespace": ns}, "spec": pod_spec(r.below(50) == 0, "registry.example.com/web:1.4.2")}),
            ),
        ),
        600..=689 => (
            sa("app"),
            "get",
            "secrets",
            "",
            format!("db-{}", r.below(5)),
            "ResponseComplete",
            200,
            None,
        ),
        690..=699 => (
            HUMANS[r.below(4) as usize].into(),
            "get",
            "secrets",
            "",
            "db-0".into(),
            "ResponseComplete",
            200,
            None,
        ),
        700..=749 => (
            HUMANS[r.below(4) as usize].into(),
            "patch",
            "deployments",
            "",
            "web".into(),
            "ResponseComplete",
            200,
            Some(
                json!({"spec": {"template": {"spec": pod_spec(r.below(10) == 0, "registry.example.com/web:1.4.3")}}}),
            ),
        ),
        // exec: the ResponseStarted event, and the ResponseComplete one
        750..=789 => (
            HUMANS[r.below(4) as usize].into(),
            "create",
            "pods",
            "exec",
            format!("web-{}", r.below(100)),
            if roll < 770 {
                "ResponseStarted"
            } else {
                "ResponseComplete"
            },
            101,
            None,
        ),
        790..=819 => (
            HUMANS[r.below(4) as usize].into(),
            "create",
            "rolebindings",
            "",
            format!("rb-{}", r.below(100)),
            "ResponseComplete",
            201,
            Some(
                json!({"kind": "RoleBinding", "roleRef": {"kind": "ClusterRole", "name": if r.below(20) == 0 { "cluster-admin" } else { "view" }}, "subjects": [{"kind": "User", "name": "dev"}]}),
            ),
        ),
        820..=869 => (
            sa("config-operator"),
            "update",
            "configmaps",
            "",
            "app".into(),
            "ResponseComplete",
            200,
            Some(
                json!({"kind": "ConfigMap", "data": {"app.properties": "color=blue\nmode=prod\n", "feature.flags": "a=1,b=0"}}),
            ),
        ),
        870..=949 => (
            "system:kube-scheduler".into(),
            "create",
            "pods",
            "binding",
            format!("web-{}", r.below(10_000)),
            "ResponseComplete",
            201,
            None,
        ),
        _ => (
            sa("prometheus"),
            "list",
            ["pods", "nodes", "services"][r.below(3) as usize],
            "",
            String::new(),
            "ResponseComplete",
            200,
            None,
        ),
    };
    let group = match resource {
        "deployments" => "apps",
        "leases" => "coordination.k8s.io",
        "rolebindings" => "rbac.authorization.k8s.io",
        _ => "",
    };
    let cluster = resource == "nodes";
    let mut object_ref = json!({"resource": resource, "apiVersion": "v1", "name": name});
    if !cluster {
        object_ref["namespace"] = json!(ns);
    }
    if !group.is_empty() {
        object_ref["apiGroup"] = json!(group);
    }
    if !sub.is_empty() {
        object_ref["subresource"] = json!(sub);
    }
    let prefix = if group.is_empty() {
        "/api/v1".to_string()
    } else {
        format!("/apis/{group}/v1")
    };
    let mut uri = if cluster {
        format!("{prefix}/{resource}/{name}")
    } else {
        format!("{prefix}/namespaces/{ns}/{resource}/{name}")
    };
    if !sub.is_empty() {
        uri.push('/');
        uri.push_str(sub);
    }
    if sub == "exec" {
        uri.push_str("?command=sh&container=app&stdin=true&tty=true");
    }
    let mut e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1",
        "level": if body.is_some() { "Request" } else { "Metadata" },
        "auditID": format!("{:08x}-{:04x}-4000-8000-{:012x}", i, r.below(65536), r.next() & 0xffff_ffff_ffff),
        "stage": stage, "requestURI": uri, "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": [format!("10.0.{}.{}", r.below(256), r.below(256))],
        "userAgent": "kube-controller-manager/v1.34.1 (linux/amd64) kubernetes/abcdef",
        "objectRef": object_ref,
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": ts, "stageTimestamp": ts,
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding"}
    });
    if let Some(b) = body {
        e["requestObject"] = b;
    }
    e
}

fn arg(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let Some(url) = arg(&args, "--post") else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        for i in 0..n {
            if serde_json::to_writer(&mut out, &event(i, &mut r)).is_err()
                || out.write_all(b"\n").is_err()
            {
                return;
            }
        }
        let _ = out.flush();
        return;
    };
    post(n, &url, &args, &mut r);
}

fn post(n: u64, url: &str, args: &[String], r: &mut Rng) {
    let uri: http::Uri = url.parse().expect("--post URL");
    let host = uri.host().expect("host").to_string();
    let port = uri.port_u16().unwrap_or(443);
    let path = uri.path().to_string();
    let ca = std::fs::read(arg(args, "--ca").expect("--ca CA")).expect("CA file");
    let token = arg(args, "--token-file").map(|f| {
        std::fs::read_to_string(f)
            .expect("token")
            .trim()
            .to_string()
    });
    let batch: u64 = arg(args, "--batch")
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let conns: usize = arg(args, "--connections")
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let bodies: Vec<Vec<u8>> = (0..n.div_ceil(batch))
        .map(|b| {
            let items: Vec<Value> = (b * batch..((b + 1) * batch).min(n))
                .map(|i| event(i, r))
                .collect();
            serde_json::to_vec(
                &json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items}),
            )
            .expect("json")
        })
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(conns.min(4))
        .enable_all()
        .build()
        .expect("runtime");
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
        .expect("resolve")
        .next()
        .expect("address");
    let tls = palisade_webhook::client::tls_config(&ca).expect("tls");
    let bodies = std::sync::Arc::new(bodies);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let (ok, refused) = rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..conns {
            let (bodies, next, tls, host, path, token) = (
                bodies.clone(),
                next.clone(),
                tls.clone(),
                host.clone(),
                path.clone(),
                token.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut c = palisade_webhook::client::Client::connect(addr, &host, tls.clone())
                    .await
                    .expect("connect");
                let auth = token.map(|t| format!("Bearer {t}"));
                let headers: Vec<(&str, &str)> = auth
                    .as_deref()
                    .map(|a| vec![("authorization", a)])
                    .unwrap_or_default();
                let (mut ok, mut refused) = (0u64, 0u64);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(b) = bodies.get(i) else { break };
                    loop {
                        // a sink that answers 429 before reading the body
                        // closes the connection: connect again, as the
                        // API server's client does
                        let s = match c.send_with("POST", &path, &headers, b.clone()).await {
                            Ok((s, _)) => s,
                            Err(_) => {
                                c = palisade_webhook::client::Client::connect(
                                    addr,
                                    &host,
                                    tls.clone(),
                                )
                                .await
                                .expect("connect");
                                0
                            }
                        };
                        if s == 200 {
                            ok += 1;
                            break;
                        }
                        // 429: back off as the API server's batch backend does.
                        refused += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
                (ok, refused)
            }));
        }
        let mut t = (0, 0);
        for h in tasks {
            let (a, b) = h.await.expect("task");
            t.0 += a;
            t.1 += b;
        }
        t
    });
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{n} events in {ok} batches of {batch} over {conns} connection(s): {secs:.2} s, {:.0} events/s, {:.1} MB/s, {refused} answered 429 and retried",
        n as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}

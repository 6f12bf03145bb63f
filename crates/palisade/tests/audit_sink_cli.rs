//! `palisade audit install|serve|alerts` as processes: the sink killed with
//! SIGKILL while batches arrive loses no alert it acknowledged.

use palisade_webhook::client::{Client, tls_config};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("palisade")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &Path, port: u16) -> Child {
    Command::new(bin())
        .current_dir(dir)
        .args([
            "audit",
            "serve",
            "--tls-cert",
            "sink-tls.crt",
            "--tls-key",
            "sink-tls.key",
        ])
        .args(["--token-file", "sink-token", "--db", "audit.db", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn batch() -> Vec<u8> {
    batch_n(0)
}

/// The example log as an EventList whose events are the `n`th copies (their
/// own audit IDs: the sink stores an event sent again only once).
fn batch_n(n: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(repo().join("examples/audit/audit.log")).unwrap();
    let items: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|mut e| {
            if n > 0
                && let Some(id) = e["auditID"].as_str()
            {
                e["auditID"] = format!("{id}-{n}").into();
            }
            e
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"kind": "EventList", "items": items})).unwrap()
}

async fn connect(port: u16, ca: &[u8]) -> Client {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..500 {
        if let Ok(c) = Client::connect(addr, "localhost", tls_config(ca).unwrap()).await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the sink did not start");
}

#[test]
fn sigkill_loses_no_acknowledged_alert() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let out = Command::new(bin())
        .args(["audit", "install", "--url"])
        .arg(format!("https://localhost:{port}/audit"))
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "audit-webhook-kubeconfig.yaml",
        "kube-apiserver-flags.txt",
        "audit-policy.yaml",
        "sink-token",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let flags = std::fs::read_to_string(dir.path().join("kube-apiserver-flags.txt")).unwrap();
    assert!(
        flags.contains("--audit-webhook-mode=batch") && flags.contains("--audit-log-maxage=183")
    );
    let token = std::fs::read_to_string(dir.path().join("sink-token"))
        .unwrap()
        .trim()
        .to_string();
    let ca = std::fs::read(dir.path().join("sink-ca.crt")).unwrap();
    let body = batch();
    let per_batch = 5usize; // alerts the example log raises
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let child = std::sync::Arc::new(std::sync::Mutex::new(start(dir.path(), port)));
    let auth = format!("Bearer {token}");
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // SIGKILL from another thread once 20 batches are in, while the next
    // ones are on their way (the kill lands at an arbitrary point of one).
    let killer = {
        let (child, count) = (child.clone(), count.clone());
        std::thread::spawn(move || {
            while count.load(std::sync::atomic::Ordering::SeqCst) < 20 {
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(Duration::from_micros(700));
            child.lock().unwrap().kill().unwrap();
        })
    };
    let acked = rt.block_on(async {
        let mut c = connect(port, &ca).await;
        let mut n = 0;
        loop {
            n += 1;
            match c
                .send_with("POST", "/audit", &[("authorization", &auth)], batch_n(n))
                .await
            {
                Ok((200, _)) => {
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                Ok((s, b)) => panic!("HTTP {s}: {}", String::from_utf8_lossy(&b)),
                Err(_) => break,
            }
        }
        count.load(std::sync::atomic::Ordering::SeqCst)
    });
    killer.join().unwrap();
    let _ = child.lock().unwrap().wait();
    assert!(
        acked >= 20,
        "only {acked} batches acknowledged before the kill"
    );
    // Restart on the same database: everything acknowledged is there.
    let mut child = start(dir.path(), port);
    rt.block_on(async {
        let mut c = connect(port, &ca).await;
        let (s, _) = c
            .send_with("POST", "/audit", &[("authorization", &auth)], body.clone())
            .await
            .unwrap();
        assert_eq!(s, 200);
        // the same batch again (the API server's retry): stored once
        let (s, _) = c
            .send_with("POST", "/audit", &[("authorization", &auth)], body.clone())
            .await
            .unwrap();
        assert_eq!(s, 200);
    });
    child.kill().unwrap();
    let _ = child.wait();
    let out = Command::new(bin())
        .args(["audit", "alerts", "--format", "json", "--db"])
        .arg(dir.path().join("audit.db"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(
        stored >= (acked + 1) * per_batch,
        "{stored} alerts stored, {} acknowledged",
        (acked + 1) * per_batch
    );
    assert_eq!(stored % per_batch, 0, "a batch was stored in part");
    // Queries by rule and time.
    let out = Command::new(bin())
        .args([
            "audit",
            "alerts",
            "--rule",
            "Exec or Attach Into Pod",
            "--since",
            "3650d",
            "--db",
        ])
        .arg(dir.path().join("audit.db"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .filter(|l| l.contains("Exec or Attach Into Pod"))
            .count()
            > acked,
        "{text}"
    );
}

#[test]
fn serve_refuses_to_start_without_authentication() {
    let out = Command::new(bin())
        .args(["audit", "serve", "--tls-cert", "x", "--tls-key", "y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-file or --client-ca"));
}

/// `--metrics-auth` puts /metrics behind the token (and needs one);
/// `--max-body-bytes` refuses larger batches; `audit install` has the API
/// server split batches below the sink's default limit.
#[test]
fn serve_flags_metrics_auth_and_body_limit() {
    let out = Command::new(bin())
        .args(["audit", "serve", "--tls-cert", "x", "--tls-key", "y"])
        .args(["--insecure-no-auth", "--metrics-auth"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-file"));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let out = Command::new(bin())
        .args(["audit", "install", "--url"])
        .arg(format!("https://localhost:{port}/audit"))
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let flags = std::fs::read_to_string(dir.path().join("kube-apiserver-flags.txt")).unwrap();
    assert!(
        flags.contains("--audit-webhook-truncate-max-batch-size=4194304"),
        "{flags}"
    );
    let token = std::fs::read_to_string(dir.path().join("sink-token"))
        .unwrap()
        .trim()
        .to_string();
    let ca = std::fs::read(dir.path().join("sink-ca.crt")).unwrap();
    let mut child = Command::new(bin())
        .current_dir(dir.path())
        .args([
            "audit",
            "serve",
            "--tls-cert",
            "sink-tls.crt",
            "--tls-key",
            "sink-tls.key",
        ])
        .args(["--token-file", "sink-token", "--db", "audit.db", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--metrics-auth", "--max-body-bytes", "4096"])
        .args(["--max-connections-per-client", "8"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let auth = format!("Bearer {token}");
    rt.block_on(async {
        let mut c = connect(port, &ca).await;
        let (st, _) = c.send("GET", "/metrics", vec![]).await.unwrap();
        assert_eq!(st, 401);
        let big = batch();
        assert!(big.len() > 4096);
        let (st, b) = c
            .send_with("POST", "/audit", &[("authorization", &auth)], big)
            .await
            .unwrap();
        assert_eq!(st, 413, "{}", String::from_utf8_lossy(&b));
        let (st, m) = c
            .send_with("GET", "/metrics", &[("authorization", &auth)], vec![])
            .await
            .unwrap();
        assert_eq!(st, 200);
        let m = String::from_utf8(m).unwrap();
        assert!(
            m.contains("palisade_audit_rejected_total{reason=\"too_large\"} 1"),
            "{m}"
        );
    });
    child.kill().unwrap();
    let _ = child.wait();
}

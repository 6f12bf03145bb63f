//! The cluster failing under palisade: the API server gone mid-list, an
//! expired or foreign client certificate, a context that does not exist.
//! Each is a clear error naming the cause, exit 2, and no hang.

use super::bed::{self, palisade};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A kubeconfig for the test bed's server at `server` with this client
/// certificate and key.
fn kubeconfig(b: &bed::Bed, server: &str, cert: &str, key: &str) -> String {
    use base64::Engine as _;
    let e = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let ca = std::fs::read_to_string(b.dir.join("pki/ca.crt")).unwrap();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {server}\n    certificate-authority-data: {}\nusers:\n- name: u\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: t\n  context: {{cluster: t, user: u}}\ncurrent-context: t\n",
        e(&ca),
        e(cert),
        e(key)
    )
}

/// A client certificate for `cn` signed by the test bed's CA (or a
/// foreign one), valid until `not_after`.
fn client_cert(b: &bed::Bed, cn: &str, foreign: bool, expired: bool) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "system:masters");
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    // no authority key identifier: the test bed's CA was made by openssl
    params.use_authority_key_identifier_extension = false;
    let key = rcgen::KeyPair::generate().unwrap();
    let issuer_of = |cn: &str, key_pem: &str| {
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        rcgen::Issuer::new(p, rcgen::KeyPair::from_pem(key_pem).unwrap())
    };
    let cert = if foreign {
        let other = palisade_admission::install::issue("someone else's CA", "x", vec![]).unwrap();
        // a key pair the test bed's CA never saw, under its very name
        let _ = other.ca_pem;
        params
            .signed_by(&key, &issuer_of("palisade-testbed-ca", &other.key_pem))
            .unwrap()
    } else {
        let ca_key = std::fs::read_to_string(b.dir.join("pki/ca.key")).unwrap();
        params
            .signed_by(&key, &issuer_of("palisade-testbed-ca", &ca_key))
            .unwrap()
    };
    (cert.pem(), key.serialize_pem())
}

fn server_url(b: &bed::Bed) -> String {
    let text = std::fs::read_to_string(&b.admin).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap()
        .to_string()
}

fn scan(kubeconfig: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, Duration) {
    let t = Instant::now();
    let out = palisade()
        .args([
            "scan",
            "--cluster",
            "--request-timeout",
            "5",
            "--kubeconfig",
        ])
        .arg(kubeconfig)
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    // errors go to stderr, or (input errors of a scan) into its report
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    (out.status.code(), text, t.elapsed())
}

#[test]
fn bad_credentials_and_contexts_are_clear_errors() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let dir = tempfile::tempdir().unwrap();
    let server = server_url(b);
    for (what, foreign, expired, expect) in [
        ("expired", false, true, "Unauthorized"),
        ("foreign", true, false, "Unauthorized"),
    ] {
        let (cert, key) = client_cert(b, "mallory", foreign, expired);
        let kc = dir.path().join(format!("{what}.kubeconfig"));
        std::fs::write(&kc, kubeconfig(b, &server, &cert, &key)).unwrap();
        let (code, stderr, took) = scan(&kc, &[]);
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert!(stderr.contains(expect), "{what} certificate: {stderr}");
        assert!(took < Duration::from_secs(60), "{what}: {took:?}");
    }
    let (code, stderr, _) = scan(&b.admin, &["--context", "does-not-exist"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("does-not-exist"), "{stderr}");
}

/// A TCP proxy to the API server that lets `budget` connections through
/// and then drops every connection, open or new: the API server gone.
fn cutting_proxy(upstream: std::net::SocketAddr, after_bytes: usize) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(client) = c else { continue };
            if sent.load(Ordering::SeqCst) >= after_bytes {
                drop(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(upstream) else {
                continue;
            };
            let sent = sent.clone();
            let (mut c1, mut s1) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut s1);
            });
            let (mut c2, mut s2) = (client, server);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match s2.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if sent.fetch_add(n, Ordering::SeqCst) + n > after_bytes {
                                let _ = c2.shutdown(std::net::Shutdown::Both);
                                let _ = s2.shutdown(std::net::Shutdown::Both);
                                break;
                            }
                            if c2.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn the_api_server_gone_mid_list_is_a_clear_error() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let server = server_url(b);
    let upstream: std::net::SocketAddr = server.trim_start_matches("https://").parse().unwrap();
    // enough for discovery and the first pages, not for every list
    let proxy = cutting_proxy(upstream, 60_000);
    let text = std::fs::read_to_string(&b.admin)
        .unwrap()
        .replace(&server, &format!("https://{proxy}"));
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("proxied.kubeconfig");
    std::fs::write(&kc, text).unwrap();
    let (code, stderr, took) = scan(&kc, &["--page-size", "5"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cluster:") && stderr.contains("failed after 4 attempts"),
        "the cause is named: {stderr}"
    );
    assert!(took < Duration::from_secs(90), "no hang: {took:?}");
}

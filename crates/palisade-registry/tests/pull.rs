//! Pulls an image from a registry served here (the OCI distribution API's
//! read side, over HTTP on 127.0.0.1, with real sha256 digests that
//! oci-client verifies) and catalogs it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;

fn sha256(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    format!(
        "sha256:{}",
        d.as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn layer() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8], mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_cksum();
        b.append_data(&mut h, path, data).unwrap();
    };
    add("etc/os-release", b"ID=debian\nVERSION_ID=12\n", 0o644);
    add("var/lib/dpkg/status", b"Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1\n", 0o644);
    add("bin/busybox", b"\x7fELF", 0o755);
    b.into_inner().unwrap()
}

struct Registry {
    manifest: Vec<u8>,
    manifest_digest: String,
    blobs: HashMap<String, Vec<u8>>,
}

async fn manifest(
    State(r): State<Arc<Registry>>,
    Path((_ns, _name, reference)): Path<(String, String, String)>,
) -> impl IntoResponse {
    if reference != "1.0" && reference != r.manifest_digest {
        return (StatusCode::NOT_FOUND, HeaderMap::new(), Vec::new());
    }
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        "application/vnd.oci.image.manifest.v1+json"
            .parse()
            .unwrap(),
    );
    h.insert("docker-content-digest", r.manifest_digest.parse().unwrap());
    (StatusCode::OK, h, r.manifest.clone())
}

async fn blob(
    State(r): State<Arc<Registry>>,
    Path((_ns, _name, digest)): Path<(String, String, String)>,
) -> impl IntoResponse {
    match r.blobs.get(&digest) {
        Some(b) => (StatusCode::OK, b.clone()),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

#[test]
fn pull_from_a_local_registry_and_catalog() {
    let layer = layer();
    let config = br#"{"architecture":"amd64","os":"linux","config":{"User":"65532"},"rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
    let (ld, cd) = (sha256(&layer), sha256(&config));
    let manifest_doc = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cd}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{ld}","size":{}}}]}}"#,
        config.len(),
        layer.len()
    )
    .into_bytes();
    let reg = Arc::new(Registry {
        manifest_digest: sha256(&manifest_doc),
        manifest: manifest_doc,
        blobs: HashMap::from([(ld, layer), (cd, config)]),
    });

    // The registry runs on its own thread and runtime, as a real one would.
    let (tx, rx) = std::sync::mpsc::channel();
    let state = reg.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new()
                .route("/v2/", axum::routing::get(|| async { "{}" }))
                .route(
                    "/v2/{ns}/{name}/manifests/{reference}",
                    axum::routing::get(manifest),
                )
                .route("/v2/{ns}/{name}/blobs/{digest}", axum::routing::get(blob))
                .with_state(state);
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let reference = format!("{addr}/shop/web:1.0");
    let opts = palisade_registry::Options {
        insecure_http: true,
        ..Default::default()
    };
    let pulled = palisade_registry::pull(&reference, dir.path(), &opts).unwrap();
    assert_eq!(
        (pulled.digest.as_str(), pulled.layers),
        (reg.manifest_digest.as_str(), 1)
    );

    let s = palisade_sbom::scan(dir.path(), None).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let img = s.source.image.as_ref().unwrap();
    assert_eq!(
        (img.tags.as_slice(), img.config.user.as_str()),
        (&[reference.clone()][..], "65532")
    );
    let got: Vec<_> = s
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(got, [("tzdata", "2024a-0+deb12u1")]);
    assert!(s.findings.iter().any(|f| f.id == "IMG-SHELL"));
    assert!(!s.findings.iter().any(|f| f.id == "IMG-RUNS-AS-ROOT"));

    // A reference the registry does not have, and one that does not parse.
    let missing = palisade_registry::pull(
        &format!("{addr}/shop/web:2.0"),
        &dir.path().join("x"),
        &opts,
    )
    .unwrap_err();
    assert!(missing.contains("shop/web:2.0"), "{missing}");
    assert!(palisade_registry::pull("UPPER/case:1", &dir.path().join("y"), &opts).is_err());
}

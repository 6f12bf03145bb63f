//! Downloading OSV's per-ecosystem exports
//! (`https://osv-vulnerabilities.storage.googleapis.com/<ECOSYSTEM>/all.zip`,
//! or the same layout on a mirror) over HTTPS: hyper's HTTP/1.1 client on
//! tokio-rustls with the ring provider, trusting the system's certificates
//! (`SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured) and any CA given.
//! Only `palisade db update` calls this; scans never touch the network.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// Where OSV publishes its exports.
pub const OSV_EXPORTS: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The ecosystems of what `palisade-sbom` catalogs, which `db update`
/// downloads unless told otherwise.
pub const CATALOGUED_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpine",
    "Debian",
    "Rocky Linux",
    "Ubuntu",
    "crates.io",
    "Go",
    "Maven",
    "npm",
    "PyPI",
    "RubyGems",
];

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait for the next piece of a response.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
const MAX_REDIRECTS: usize = 5;

/// The URL of `ecosystem`'s export under `base` (the ecosystem name
/// percent-encoded: `Rocky Linux` → `Rocky%20Linux`).
pub fn export_url(base: &str, ecosystem: &str) -> String {
    let mut name = String::new();
    for b in ecosystem.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{}/{name}/all.zip", base.trim_end_matches('/'))
}

/// A TLS client configuration (ring) trusting the system's roots and the
/// PEM certificates in `extra_ca`.
pub fn tls_config(extra_ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for c in native.certs {
        // A system certificate rustls cannot parse is skipped, as browsers do.
        let _ = roots.add(c);
    }
    if let Some(path) = extra_ca {
        let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut n = 0;
        for c in CertificateDer::pem_slice_iter(&pem) {
            let c = c.map_err(|e| format!("{}: {e}", path.display()))?;
            roots
                .add(c)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            n += 1;
        }
        if n == 0 {
            return Err(format!("{}: no PEM certificate in it", path.display()));
        }
    }
    if roots.is_empty() {
        let why = native
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(format!(
            "no trusted certificates: the system has none{why}; give one with --ca-cert or SSL_CERT_FILE"
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The server said the export is the one we have (`If-None-Match`).
    NotModified,
    /// Written to the destination: its size and the server's `ETag`.
    Saved { bytes: u64, etag: Option<String> },
}

/// Downloads `url` (HTTPS only) into `dest`, following up to five
/// redirects. With `etag`, asks for the file only when it changed.
pub fn fetch(
    url: &str,
    dest: &Path,
    etag: Option<&str>,
    tls: Arc<rustls::ClientConfig>,
) -> Result<Fetched, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            match get(&url, dest, etag, tls.clone()).await? {
                Step::Done(f) => return Ok(f),
                Step::Redirect(to) => url = to,
            }
        }
        Err(format!("{url}: more than {MAX_REDIRECTS} redirects"))
    })
}

enum Step {
    Done(Fetched),
    Redirect(String),
}

async fn get(
    url: &str,
    dest: &Path,
    etag: Option<&str>,
    tls: Arc<rustls::ClientConfig>,
) -> Result<Step, String> {
    let err = |e: &dyn std::fmt::Display| format!("{url}: {e}");
    let uri: http::Uri = url.parse().map_err(|e| err(&e))?;
    if uri.scheme_str() != Some("https") {
        return Err(format!("{url}: only https:// URLs are fetched"));
    }
    let host = uri.host().ok_or_else(|| err(&"no host"))?.to_string();
    let port = uri.port_u16().unwrap_or(443);
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let name = ServerName::try_from(bare.clone()).map_err(|e| err(&e))?;
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect((bare.as_str(), port)),
    )
    .await
    .map_err(|_| err(&"connection timed out"))?
    .map_err(|e| err(&e))?;
    let stream = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_rustls::TlsConnector::from(tls).connect(name, tcp),
    )
    .await
    .map_err(|_| err(&"TLS handshake timed out"))?
    .map_err(|e| err(&format!("TLS: {e}")))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| err(&e))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or(host);
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut req = http::Request::builder()
        .method("GET")
        .uri(path)
        .header("host", authority)
        .header(
            "user-agent",
            concat!("palisade/", env!("CARGO_PKG_VERSION")),
        );
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    let req = req.body(Empty::<Bytes>::new()).map_err(|e| err(&e))?;
    let resp = tokio::time::timeout(READ_TIMEOUT, sender.send_request(req))
        .await
        .map_err(|_| err(&"no response"))?
        .map_err(|e| err(&e))?;
    let status = resp.status();
    if status == http::StatusCode::NOT_MODIFIED {
        return Ok(Step::Done(Fetched::NotModified));
    }
    if status.is_redirection() {
        let to = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| err(&format!("{status} without a Location")))?;
        let to = if to.starts_with('/') {
            format!("https://{}{to}", uri.authority().map_or("", |a| a.as_str()))
        } else {
            to.to_string()
        };
        return Ok(Step::Redirect(to));
    }
    if !status.is_success() {
        return Err(err(&format!("HTTP {status}")));
    }
    let new_etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = resp.into_body();
    let file = std::fs::File::create(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut bytes = 0u64;
    loop {
        let frame = tokio::time::timeout(READ_TIMEOUT, body.frame())
            .await
            .map_err(|_| err(&"the download stalled"))?;
        let Some(frame) = frame else { break };
        let frame = frame.map_err(|e| err(&e))?;
        if let Ok(data) = frame.into_data() {
            bytes += data.len() as u64;
            out.write_all(&data)
                .map_err(|e| format!("{}: {e}", dest.display()))?;
        }
    }
    out.flush()
        .map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(Step::Done(Fetched::Saved {
        bytes,
        etag: new_etag,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_urls() {
        assert_eq!(
            export_url(OSV_EXPORTS, "PyPI"),
            "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
        );
        assert_eq!(
            export_url("https://mirror.example/osv/", "Rocky Linux"),
            "https://mirror.example/osv/Rocky%20Linux/all.zip"
        );
        assert_eq!(
            export_url("https://m", "crates.io"),
            "https://m/crates.io/all.zip"
        );
    }

    #[test]
    fn plain_http_and_bad_ca_files_are_refused() {
        let dir = std::env::temp_dir();
        let tls = tls_config(None).or_else(|_| {
            // A machine without system roots: any CA will do for this test.
            let key = rcgen::generate_simple_self_signed(vec!["x".into()]).unwrap();
            let p = dir.join(format!("palisade-ca-{}.pem", std::process::id()));
            std::fs::write(&p, key.cert.pem()).unwrap();
            tls_config(Some(&p))
        });
        let e = fetch("http://127.0.0.1:1/x", &dir.join("x"), None, tls.unwrap()).unwrap_err();
        assert!(e.contains("only https://"), "{e}");
        let not_pem = dir.join(format!("palisade-not-pem-{}.txt", std::process::id()));
        std::fs::write(&not_pem, "hello").unwrap();
        assert!(tls_config(Some(&not_pem)).unwrap_err().contains("no PEM"));
        let _ = std::fs::remove_file(not_pem);
    }
}

//! Downloading OSV's per-ecosystem exports
//! (`https://osv-vulnerabilities.storage.googleapis.com/<ECOSYSTEM>/all.zip`,
//! or the same layout on a mirror) over HTTPS with palisade's one client
//! (`palisade-http`: rustls with the ring provider), trusting the system's
//! certificates (`SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured) and any
//! CA given.
//! Only `palisade db update` calls this; scans never touch the network.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

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

/// The client downloads go through: the system's roots and the PEM
/// certificates in `extra_ca`; HTTPS only; no connection kept between
/// downloads (each runs on its own runtime).
pub fn client(extra_ca: Option<&Path>) -> Result<palisade_http::Client, String> {
    let trust = palisade_http::Trust::system_and(extra_ca)?;
    palisade_http::client(
        &trust,
        &palisade_http::Options {
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
            redirects: MAX_REDIRECTS,
            idle_per_host: 0,
            ..Default::default()
        },
    )
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
    client: &palisade_http::Client,
) -> Result<Fetched, String> {
    if !url.starts_with("https://") {
        return Err(format!("{url}: only https:// URLs are fetched"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(get(url, dest, etag, client))
}

async fn get(
    url: &str,
    dest: &Path,
    etag: Option<&str>,
    client: &palisade_http::Client,
) -> Result<Fetched, String> {
    let err = |e: &dyn std::fmt::Display| format!("{url}: {e}");
    let mut req = client.get(url);
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| err(&palisade_http::describe(&e)))?;
    let status = resp.status();
    if status == palisade_http::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(err(&format!("HTTP {status}")));
    }
    let new_etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let file = std::fs::File::create(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut bytes = 0u64;
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| err(&palisade_http::describe(&e)))?
    {
        bytes += chunk.len() as u64;
        out.write_all(&chunk)
            .map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    out.flush()
        .map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(Fetched::Saved {
        bytes,
        etag: new_etag,
    })
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
        let c = client(None).or_else(|_| {
            // A machine without system roots: any CA will do for this test.
            let key = rcgen::generate_simple_self_signed(vec!["x".into()]).unwrap();
            let p = dir.join(format!("palisade-ca-{}.pem", std::process::id()));
            std::fs::write(&p, key.cert.pem()).unwrap();
            client(Some(&p))
        });
        let e = fetch("http://127.0.0.1:1/x", &dir.join("x"), None, &c.unwrap()).unwrap_err();
        assert!(e.contains("only https://"), "{e}");
        let not_pem = dir.join(format!("palisade-not-pem-{}.txt", std::process::id()));
        std::fs::write(&not_pem, "hello").unwrap();
        assert!(client(Some(&not_pem)).unwrap_err().contains("no PEM"));
        let _ = std::fs::remove_file(not_pem);
    }
}

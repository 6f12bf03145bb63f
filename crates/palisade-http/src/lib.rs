//! The one HTTP client palisade makes requests with: `db update`'s
//! downloads, the audit sink's webhook outputs, and the load generator and
//! tests that talk to the admission webhook as the API server would.
//!
//! reqwest on rustls with the ring provider (no second crypto provider in
//! the build), trusting what [`Trust`] says: the system's certificates
//! (`SSL_CERT_FILE` and `SSL_CERT_DIR` honoured) and any CA given.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use reqwest::{Client, Method, Response, StatusCode};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Which certificates a client trusts, and which it presents.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// The system's root certificates.
    pub system: bool,
    /// More CA certificates (PEM).
    pub ca_pem: Vec<u8>,
    /// A client certificate chain and its key (PEM), for servers that ask.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl Trust {
    /// The system's roots and the CA certificates of `file`, if any.
    pub fn system_and(file: Option<&std::path::Path>) -> Result<Trust, String> {
        let ca_pem = match file {
            Some(f) => {
                let pem = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
                let mut n = 0;
                for c in CertificateDer::pem_slice_iter(&pem) {
                    c.map_err(|e| format!("{}: {e}", f.display()))?;
                    n += 1;
                }
                if n == 0 {
                    return Err(format!("{}: no PEM certificate in it", f.display()));
                }
                pem
            }
            None => Vec::new(),
        };
        Ok(Trust {
            system: true,
            ca_pem,
            identity: None,
        })
    }

    /// Only the CA certificates in `pem`.
    pub fn only(pem: &[u8]) -> Trust {
        Trust {
            system: false,
            ca_pem: pem.to_vec(),
            identity: None,
        }
    }
}

/// The rustls configuration `trust` describes (ring provider).
pub fn tls_config(trust: &Trust) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let mut why = String::new();
    if trust.system {
        let native = rustls_native_certs::load_native_certs();
        for c in native.certs {
            // a system certificate rustls cannot parse is skipped, as browsers do
            let _ = roots.add(c);
        }
        if let Some(e) = native.errors.first() {
            why = format!(" ({e})");
        }
    }
    let mut extra = 0;
    for c in CertificateDer::pem_slice_iter(&trust.ca_pem) {
        let c = c.map_err(|e| format!("CA certificates: {e}"))?;
        roots.add(c).map_err(|e| format!("CA certificates: {e}"))?;
        extra += 1;
    }
    if !trust.ca_pem.is_empty() && extra == 0 {
        return Err("CA certificates: no PEM certificate found".into());
    }
    if roots.is_empty() {
        return Err(format!(
            "no trusted certificates: the system has none{why}; give a CA certificate file (or set SSL_CERT_FILE)"
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    match &trust.identity {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("client certificate: {e}"))?;
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("client key: {e}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("client certificate: {e}"))
        }
    }
}

/// How a client behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Refuse `http://` (and redirects to it).
    pub https_only: bool,
    pub connect_timeout: Duration,
    /// The longest wait for the next piece of a response.
    pub read_timeout: Duration,
    /// The whole request, when set.
    pub timeout: Option<Duration>,
    /// Redirects followed; 0 returns the redirect.
    pub redirects: usize,
    /// Connect every request for `host` to this address (the name still
    /// checks the certificate): a webhook reached by IP, as the API server
    /// reaches it.
    pub resolve: Option<(String, SocketAddr)>,
    /// Idle keep-alive connections kept per host.
    pub idle_per_host: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            https_only: true,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            timeout: None,
            redirects: 5,
            resolve: None,
            idle_per_host: 4,
        }
    }
}

/// A client trusting `trust`, behaving as `opts` says.
pub fn client(trust: &Trust, opts: &Options) -> Result<Client, String> {
    let tls = tls_config(trust)?;
    let mut b = Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
        .https_only(opts.https_only)
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .redirect(if opts.redirects == 0 {
            reqwest::redirect::Policy::none()
        } else {
            reqwest::redirect::Policy::limited(opts.redirects)
        })
        .pool_max_idle_per_host(opts.idle_per_host)
        .tcp_nodelay(true)
        .no_proxy();
    if let Some(t) = opts.timeout {
        b = b.timeout(t);
    }
    if let Some((host, addr)) = &opts.resolve {
        b = b.resolve(host, *addr);
    }
    b.build().map_err(|e| e.to_string())
}

/// A rustls error somewhere in `e` (hyper wraps it in an `io::Error`).
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(t) = e.downcast_ref::<rustls::Error>() {
        return Some(t);
    }
    let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    tls_error(inner)
}

/// What went wrong, in a few words: `TLS: …` for a certificate or
/// handshake failure, `timed out`, or the innermost cause (reqwest's own
/// message only says a request failed, and repeats the URL the caller
/// already names).
pub fn describe(e: &reqwest::Error) -> String {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(c) = source {
        chain.push(c);
        source = c.source();
    }
    if let Some(t) = chain.iter().find_map(|c| tls_error(*c)) {
        return format!("TLS: {t}");
    }
    if e.is_timeout() {
        return "timed out".into();
    }
    match chain.last() {
        Some(c) if e.is_connect() => format!("cannot connect: {c}"),
        Some(c) => c.to_string(),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_trust_is_a_clear_error() {
        let e = tls_config(&Trust::only(b"not a certificate")).unwrap_err();
        assert!(e.contains("no PEM certificate"), "{e}");
        let e = tls_config(&Trust::default()).unwrap_err();
        assert!(e.contains("no trusted certificates"), "{e}");
        let e = Trust::system_and(Some(std::path::Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(e.starts_with("/nonexistent/ca.pem"), "{e}");
        let dir = std::env::temp_dir().join(format!("palisade-http-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let not_pem = dir.join("ca.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        let e = Trust::system_and(Some(&not_pem)).unwrap_err();
        assert!(e.ends_with("ca.txt: no PEM certificate in it"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn plain_http_is_refused_when_https_only() {
        let rt = tokio_rt();
        let ca = rcgen::generate_simple_self_signed(vec!["ca.test".into()]).unwrap();
        let c = client(&Trust::only(ca.cert.pem().as_bytes()), &Options::default()).unwrap();
        let e = rt
            .block_on(c.get("http://127.0.0.1:9/").send())
            .unwrap_err();
        assert!(
            describe(&e).contains("URL scheme is not allowed"),
            "{}",
            describe(&e)
        );
    }

    fn tokio_rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }
}

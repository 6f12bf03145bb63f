//! The webhook's side of palisade's one HTTPS client (`palisade-http`):
//! what the integration tests and the load generators (`palisade-loadgen`,
//! `palisade-auditgen`) talk to the admission webhook and the audit sink
//! with, as the API server would — one keep-alive connection per
//! [`Client`], to an address, checking the certificate against a name.

use palisade_http::Trust;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// One keep-alive connection.
pub struct Client {
    http: palisade_http::Client,
    base: String,
}

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Trusting only the CA certificates in `ca_pem`.
pub fn tls_config(ca_pem: &[u8]) -> io::Result<Trust> {
    let t = Trust::only(ca_pem);
    palisade_http::tls_config(&t).map_err(err)?;
    Ok(t)
}

/// As [`tls_config`], presenting a client certificate (`cert_pem`, `key_pem`).
pub fn tls_config_with_identity(
    ca_pem: &[u8],
    cert_pem: &[u8],
    key_pem: &[u8],
) -> io::Result<Trust> {
    let t = Trust {
        identity: Some((cert_pem.to_vec(), key_pem.to_vec())),
        ..Trust::only(ca_pem)
    };
    palisade_http::tls_config(&t).map_err(err)?;
    Ok(t)
}

impl Client {
    /// Connects to `addr`, checking the certificate against `server_name`,
    /// and opens the connection with `GET /healthz` (both servers answer
    /// it): a server that is not up, or whose certificate is not trusted,
    /// is an error here.
    pub async fn connect(addr: SocketAddr, server_name: &str, tls: Trust) -> io::Result<Client> {
        let opts = palisade_http::Options {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(30),
            redirects: 0,
            resolve: Some((server_name.to_string(), addr)),
            idle_per_host: 1,
            ..Default::default()
        };
        let http = palisade_http::client(&tls, &opts).map_err(err)?;
        let mut c = Client {
            http,
            base: format!("https://{server_name}:{}", addr.port()),
        };
        c.send("GET", "/healthz", Vec::new()).await?;
        Ok(c)
    }

    /// Sends one request; returns the status and body.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> io::Result<(u16, Vec<u8>)> {
        self.send_with(method, path, &[], body).await
    }

    /// Sends one request with extra headers (`authorization`, …).
    pub async fn send_with(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> io::Result<(u16, Vec<u8>)> {
        let method: palisade_http::Method = method.parse().map_err(err)?;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| err(palisade_http::describe(&e)))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| err(palisade_http::describe(&e)))?;
        Ok((status, body.to_vec()))
    }
}

//! `palisade audit install`: what the API server needs to send its audit
//! events to the sink — the webhook kubeconfig, the kube-apiserver flags,
//! the audit Policy — and what the sink needs to receive them: its TLS
//! certificate and the credential the API server presents (a bearer token
//! or a client certificate). Pure: returns the files; the CLI writes them.

use base64::Engine;

/// How the API server proves itself to the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Token,
    ClientCert,
}

#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Where the sink listens, as the API server will reach it
    /// (`https://audit.example:8443/audit`).
    pub url: String,
    /// Extra DNS names or IPs for the sink certificate (the URL's host is always in).
    pub hosts: Vec<String>,
    pub auth: Auth,
    /// Where the files will live on the control-plane node.
    pub apiserver_dir: String,
    /// The audit Policy to install.
    pub policy: String,
}

/// One file to write; `secret` files get mode 0600.
#[derive(Debug, Clone)]
pub struct File {
    pub name: &'static str,
    pub content: String,
    pub secret: bool,
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn random_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| e.to_string())?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Every file, ready to write.
pub fn files(o: &InstallOptions) -> Result<Vec<File>, String> {
    let host = palisade_admission::install::url_host(&o.url)?;
    let mut sans = vec![host.clone()];
    sans.extend(o.hosts.iter().cloned());
    sans.dedup();
    let server = palisade_admission::install::issue("palisade audit sink CA", &host, sans)?;
    let mut out = vec![
        File {
            name: "sink-ca.crt",
            content: server.ca_pem.clone(),
            secret: false,
        },
        File {
            name: "sink-tls.crt",
            content: server.cert_pem.clone(),
            secret: false,
        },
        File {
            name: "sink-tls.key",
            content: server.key_pem.clone(),
            secret: true,
        },
    ];
    let user = match o.auth {
        Auth::Token => {
            let token = random_token()?;
            out.push(File {
                name: "sink-token",
                content: format!("{token}\n"),
                secret: true,
            });
            serde_json::json!({ "token": token })
        }
        Auth::ClientCert => {
            let client = palisade_admission::install::issue(
                "palisade audit client CA",
                "kube-apiserver-audit",
                vec![],
            )?;
            out.push(File {
                name: "client-ca.crt",
                content: client.ca_pem.clone(),
                secret: false,
            });
            serde_json::json!({
                "client-certificate-data": b64(&client.cert_pem),
                "client-key-data": b64(&client.key_pem),
            })
        }
    };
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "palisade-audit", "cluster": {
            "server": o.url,
            "certificate-authority-data": b64(&server.ca_pem),
        }}],
        "users": [{"name": "kube-apiserver", "user": user}],
        "contexts": [{"name": "palisade-audit", "context": {
            "cluster": "palisade-audit",
            "user": "kube-apiserver",
        }}],
        "current-context": "palisade-audit",
    });
    let kubeconfig = palisade_emit::yaml::comment(&format!(
        "The API server's audit webhook backend: where to send EventList batches.\nkube-apiserver --audit-webhook-config-file={}/audit-webhook-kubeconfig.yaml",
        o.apiserver_dir
    )) + &palisade_emit::yaml::to_string(&config);
    out.push(File {
        name: "audit-webhook-kubeconfig.yaml",
        content: kubeconfig,
        secret: true,
    });
    out.push(File {
        name: "audit-policy.yaml",
        content: o.policy.clone(),
        secret: false,
    });
    let flags = format!(
        "# Add to the kube-apiserver command (static pod: /etc/kubernetes/manifests/kube-apiserver.yaml)\n# and mount {dir} read-only into the pod.\n--audit-policy-file={dir}/audit-policy.yaml\n--audit-webhook-config-file={dir}/audit-webhook-kubeconfig.yaml\n# batch: the API server buffers and never waits on the sink per request.\n--audit-webhook-mode=batch\n--audit-webhook-batch-buffer-size=10000\n--audit-webhook-batch-max-size=400\n--audit-webhook-batch-max-wait=5s\n--audit-webhook-batch-throttle-enable=true\n--audit-webhook-batch-throttle-qps=10\n--audit-webhook-truncate-enabled=true\n--audit-webhook-truncate-max-event-size=262144\n# batches split at 4 MiB: the sink takes up to 5 MiB (--max-body-bytes) and sizes its memory on it.\n--audit-webhook-truncate-max-batch-size=4194304\n# Keep a local copy for six months as well (CIS 3.2).\n--audit-log-path=/var/log/kubernetes/audit/audit.log\n--audit-log-maxage=183\n--audit-log-maxbackup=10\n--audit-log-maxsize=100\n",
        dir = o.apiserver_dir
    );
    out.push(File {
        name: "kube-apiserver-flags.txt",
        content: flags,
        secret: false,
    });
    let serve = match o.auth {
        Auth::Token => "--token-file sink-token",
        Auth::ClientCert => "--client-ca client-ca.crt",
    };
    out.push(File {
        name: "NEXT-STEPS.txt",
        content: format!(
            "1. Run the sink where {url} reaches it:\n     palisade audit serve --tls-cert sink-tls.crt --tls-key sink-tls.key {serve} --db audit.db\n2. Copy audit-webhook-kubeconfig.yaml and audit-policy.yaml to {dir} on each control-plane node.\n3. Add the flags in kube-apiserver-flags.txt to kube-apiserver and let it restart.\n4. Check: palisade audit check-apiserver /etc/kubernetes/manifests/kube-apiserver.yaml\n   and watch palisade_audit_events_total on the sink's /metrics.\n",
            url = o.url,
            dir = o.apiserver_dir
        ),
        secret: false,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(auth: Auth) -> serde_json::Value {
        let files = files(&InstallOptions {
            url: "https://127.0.0.1:18444/audit".into(),
            hosts: vec![],
            auth,
            apiserver_dir: "/etc/kubernetes/audit".into(),
            policy: String::new(),
        })
        .unwrap();
        let text = &files
            .iter()
            .find(|f| f.name == "audit-webhook-kubeconfig.yaml")
            .unwrap()
            .content;
        let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        stream.documents[0].root.to_json()
    }

    #[test]
    fn batches_are_split_below_the_sinks_body_limit() {
        let files = files(&InstallOptions {
            url: "https://127.0.0.1:18444/audit".into(),
            hosts: vec![],
            auth: Auth::Token,
            apiserver_dir: "/etc/kubernetes/audit".into(),
            policy: String::new(),
        })
        .unwrap();
        let flags = &files
            .iter()
            .find(|f| f.name == "kube-apiserver-flags.txt")
            .unwrap()
            .content;
        let batch: usize = flags
            .lines()
            .find_map(|l| l.strip_prefix("--audit-webhook-truncate-max-batch-size="))
            .unwrap()
            .parse()
            .unwrap();
        // a few hundred bytes of EventList around the events
        assert!(
            batch + 64 * 1024 <= crate::DEFAULT_MAX_BODY_BYTES,
            "{batch}"
        );
    }

    #[test]
    fn the_credential_is_the_users_own() {
        // as client-go reads it: users[].user.token (a real API server sent
        // no credential when it sat beside `user:`)
        let kc = kubeconfig(Auth::Token);
        let user = &kc["users"][0]["user"];
        assert_eq!(user["token"].as_str().map(str::len), Some(64), "{kc}");
        assert_eq!(kc["users"][0].get("token"), None);
        let kc = kubeconfig(Auth::ClientCert);
        let user = &kc["users"][0]["user"];
        assert!(user["client-certificate-data"].is_string(), "{kc}");
        assert!(user["client-key-data"].is_string(), "{kc}");
        assert_eq!(
            kc["clusters"][0]["cluster"]["server"],
            "https://127.0.0.1:18444/audit"
        );
    }
}

//! `palisade admission serve|install`.

use crate::cli::{AdmissionArgs, AdmissionCommand};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_admission::install::{InstallOptions, certificates, manifests, terraform};
use palisade_admission::{Admission, Config};
use palisade_webhook::{AppState, ServeOptions, serve};
use std::time::Duration;

fn load(config: Option<&std::path::Path>) -> Result<Admission, u8> {
    let config = match config {
        Some(p) => Config::load(p).map_err(usage_error)?,
        None => Config::default(),
    };
    let (admission, errors) = Admission::load(config);
    if !errors.is_empty() {
        // a policy that does not load would silently not be enforced
        for e in &errors {
            eprintln!("palisade: {e}");
        }
        return Err(exit::INPUT_ERROR);
    }
    Ok(admission)
}

pub fn run(args: AdmissionArgs) -> u8 {
    match args.command {
        AdmissionCommand::Review {
            config,
            request,
            mutate,
        } => {
            let admission = match load(config.as_deref()) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let body = if request.as_os_str() == "-" {
                let mut b = Vec::new();
                match std::io::Read::read_to_end(&mut std::io::stdin(), &mut b) {
                    Ok(_) => b,
                    Err(e) => return usage_error(format!("stdin: {e}")),
                }
            } else {
                match std::fs::read(&request) {
                    Ok(b) => b,
                    Err(e) => return usage_error(format!("{}: {e}", request.display())),
                }
            };
            let endpoint = if mutate {
                palisade_admission::Endpoint::Mutate
            } else {
                palisade_admission::Endpoint::Validate
            };
            match admission.review(&body, endpoint) {
                Ok(d) => {
                    let text = serde_json::to_string_pretty(&d.response).unwrap_or_default() + "\n";
                    if let Err(e) = emit(&text, None) {
                        return usage_error(e);
                    }
                    if d.allowed { exit::OK } else { exit::FINDINGS }
                }
                Err(e) => usage_error(format!("{}: {e}", request.display())),
            }
        }
        AdmissionCommand::Serve {
            config,
            tls_cert,
            tls_key,
            addr,
            drain,
            max_request_bytes,
            max_containers,
            max_concurrent_reviews,
            max_namespace_labels,
            connections,
        } => {
            let mut admission = match load(config.as_deref()) {
                Ok(a) => a,
                Err(code) => return code,
            };
            // the flags over the configuration's limits
            let l = &mut admission.config.limits;
            for (flag, value) in [
                (&mut l.max_request_bytes, max_request_bytes),
                (&mut l.max_containers, max_containers),
                (&mut l.max_concurrent_reviews, max_concurrent_reviews),
                (&mut l.max_namespace_labels, max_namespace_labels),
            ] {
                if let Some(v) = value {
                    *flag = v;
                }
            }
            if l.max_request_bytes == 0 || l.max_concurrent_reviews == 0 {
                return usage_error(
                    "--max-request-bytes and --max-concurrent-reviews must be at least 1",
                );
            }
            let limits = palisade_webhook::ServerLimits {
                max_connections: connections.max_connections,
                max_connections_per_client: connections.max_connections_per_client,
                ..Default::default()
            };
            eprintln!(
                "palisade: admission webhook on https://{addr} ({} built-in checks, {} Gatekeeper constraints)",
                palisade_admission::admission_check_ids().len(),
                admission.policies().constraints().len()
            );
            let state = AppState::with_limits(admission, &limits);
            let opts = ServeOptions {
                addr,
                tls_cert,
                tls_key,
                reload_every: Duration::from_secs(10),
                drain: Duration::from_secs(drain),
                limits,
            };
            // decisions run on the blocking pool, one thread per core: an
            // overloaded server queues requests instead of threads and memory
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .max_blocking_threads(cores)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return usage_error(e),
            };
            match rt.block_on(serve(state, opts, None, axum_server::Handle::new())) {
                Ok(()) => exit::OK,
                Err(e) => usage_error(e),
            }
        }
        AdmissionCommand::Certs { namespace, dir } => {
            let c = match certificates(&namespace) {
                Ok(c) => c,
                Err(e) => return usage_error(e),
            };
            match write_certs(&dir, &c) {
                Ok(()) => {
                    eprintln!(
                        "palisade: wrote ca.crt, tls.crt and tls.key for palisade-webhook.{namespace}.svc into {}",
                        dir.display()
                    );
                    exit::OK
                }
                Err(e) => usage_error(e),
            }
        }
        AdmissionCommand::Install {
            namespace,
            replicas,
            mutate,
            cluster_inventory,
            failure_policy,
            timeout_seconds,
            image,
            url,
            certs_dir,
            format,
            output,
        } => {
            let mut o = InstallOptions {
                namespace,
                replicas,
                mutate,
                cluster_inventory,
                failure_policy,
                timeout_seconds,
                url,
                ..Default::default()
            };
            if let Some(i) = image {
                o.image = i;
            }
            let text = if format == "terraform" {
                if o.url.is_some() {
                    return usage_error("--url writes YAML only (--format yaml)");
                }
                terraform(&o)
            } else if let (Some(url), Some(dir)) = (&o.url, &certs_dir) {
                let c = match palisade_admission::install::certificates_for_url(url) {
                    Ok(c) => c,
                    Err(e) => return usage_error(e),
                };
                if let Err(e) = write_certs(dir, &c) {
                    return usage_error(e);
                }
                eprintln!(
                    "palisade: wrote ca.crt, tls.crt and tls.key for {} into {}",
                    palisade_admission::install::url_host(url).unwrap_or_default(),
                    dir.display()
                );
                manifests(&o, &c)
            } else {
                match certificates(&o.namespace) {
                    Ok(c) => manifests(&o, &c),
                    Err(e) => return usage_error(e),
                }
            };
            match emit(&text, output.as_deref()) {
                Ok(()) => exit::OK,
                Err(e) => usage_error(e),
            }
        }
    }
}

/// Writes `ca.crt`, `tls.crt` and `tls.key` (0600) into `dir` (created).
fn write_certs(
    dir: &std::path::Path,
    c: &palisade_admission::install::Certificates,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text, secret) in [
        ("ca.crt", &c.ca_pem, false),
        ("tls.crt", &c.cert_pem, false),
        ("tls.key", &c.key_pem, true),
    ] {
        let p = dir.join(name);
        crate::output::write_file(&p, text, secret).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

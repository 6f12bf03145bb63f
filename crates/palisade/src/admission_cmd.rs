//! `palisade admission serve|install`.

use crate::cli::{AdmissionArgs, AdmissionCommand};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_admission::install::{InstallOptions, certificates, manifests, terraform};
use palisade_admission::{Admission, Config};
use palisade_webhook::{AppState, ServeOptions, serve};
use std::time::Duration;

pub fn run(args: AdmissionArgs) -> u8 {
    match args.command {
        AdmissionCommand::Serve {
            config,
            tls_cert,
            tls_key,
            addr,
            drain,
        } => {
            let config = match &config {
                Some(p) => match Config::load(p) {
                    Ok(c) => c,
                    Err(e) => return usage_error(e),
                },
                None => Config::default(),
            };
            let (admission, errors) = Admission::load(config);
            if !errors.is_empty() {
                // a policy that does not load would silently not be enforced
                for e in &errors {
                    eprintln!("palisade: {e}");
                }
                return exit::INPUT_ERROR;
            }
            eprintln!(
                "palisade: admission webhook on https://{addr} ({} built-in checks, {} Gatekeeper constraints)",
                palisade_admission::admission_check_ids().len(),
                admission.policies().constraints().len()
            );
            let state = AppState::new(admission);
            let opts = ServeOptions {
                addr,
                tls_cert,
                tls_key,
                reload_every: Duration::from_secs(10),
                drain: Duration::from_secs(drain),
            };
            let rt = match tokio::runtime::Builder::new_multi_thread()
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
        AdmissionCommand::Install {
            namespace,
            replicas,
            mutate,
            failure_policy,
            timeout_seconds,
            image,
            format,
            output,
        } => {
            let mut o = InstallOptions {
                namespace,
                replicas,
                mutate,
                failure_policy,
                timeout_seconds,
                ..Default::default()
            };
            if let Some(i) = image {
                o.image = i;
            }
            let text = if format == "terraform" {
                terraform(&o)
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

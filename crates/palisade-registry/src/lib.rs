//! Pulls an image from an OCI registry with oci-client into an OCI image
//! layout directory (blobs as the registry sent them, layers still
//! compressed, never extracted), which `palisade-imagefs` then reads like
//! any layout. The manifest is resolved for the current platform when the
//! reference names an index. Credentials come from the caller (never
//! printed); plain HTTP only when asked for (local registries).

use std::path::Path;
use std::str::FromStr;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

/// How to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Basic-auth user and password; anonymous when `None`.
    pub credentials: Option<(String, String)>,
    /// Speak plain HTTP (a registry on localhost or a lab network).
    pub insecure_http: bool,
}

/// What was pulled.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The reference as written, stored as the layout's ref name.
    pub reference: String,
    /// The manifest digest.
    pub digest: String,
    pub layers: usize,
}

fn blob_path(root: &Path, digest: &str) -> Result<std::path::PathBuf, String> {
    let (alg, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("bad digest {digest:?}"))?;
    if !alg.chars().all(|c| c.is_ascii_alphanumeric())
        || !hex.chars().all(|c| c.is_ascii_hexdigit())
        || hex.is_empty()
    {
        return Err(format!("bad digest {digest:?}"));
    }
    Ok(root.join("blobs").join(alg).join(hex))
}

/// Pulls `reference` into the OCI layout directory `dest` (created).
pub fn pull(reference: &str, dest: &Path, opts: &Options) -> Result<Pulled, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let image = Reference::from_str(reference)
        .map_err(|e| format!("{reference}: not an image reference: {e}"))?;
    let auth = match &opts.credentials {
        Some((u, p)) => RegistryAuth::Basic(u.clone(), p.clone()),
        None => RegistryAuth::Anonymous,
    };
    let config = ClientConfig {
        protocol: if opts.insecure_http {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        ..Default::default()
    };
    let client = Client::new(config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let (manifest, digest, config) = client.pull_manifest_and_config(&image, &auth).await.map_err(|e| format!("{reference}: {e}"))?;
        std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        let write = |digest: &str, bytes: &[u8]| -> Result<(), String> {
            let p = blob_path(dest, digest)?;
            std::fs::create_dir_all(p.parent().expect("blob dir")).map_err(|e| e.to_string())?;
            std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))
        };
        write(&manifest.config.digest, config.as_bytes())?;
        for layer in &manifest.layers {
            let p = blob_path(dest, &layer.digest)?;
            std::fs::create_dir_all(p.parent().expect("blob dir")).map_err(|e| e.to_string())?;
            let file = tokio::fs::File::create(&p).await.map_err(|e| format!("{}: {e}", p.display()))?;
            client.pull_blob(&image, layer, file).await.map_err(|e| format!("{reference}: layer {}: {e}", layer.digest))?;
        }
        let manifest_json = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
        write(&digest, &manifest_json)?;
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": manifest.media_type.clone().unwrap_or_else(|| "application/vnd.oci.image.manifest.v1+json".into()),
                "digest": digest,
                "size": manifest_json.len(),
                "annotations": { "org.opencontainers.image.ref.name": reference },
            }],
        });
        std::fs::write(dest.join("index.json"), index.to_string()).map_err(|e| e.to_string())?;
        std::fs::write(dest.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).map_err(|e| e.to_string())?;
        Ok(Pulled { reference: reference.to_string(), digest, layers: manifest.layers.len() })
    })
}

/// Pulls into a fresh temporary layout, removed when the returned directory
/// is dropped.
pub fn pull_to_temp(
    reference: &str,
    opts: &Options,
) -> Result<(tempfile::TempDir, Pulled), String> {
    let dir = tempfile::Builder::new()
        .prefix("palisade-pull-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let pulled = pull(reference, dir.path(), opts)?;
    Ok((dir, pulled))
}

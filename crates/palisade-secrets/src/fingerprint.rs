//! Keyed fingerprints of secrets, and where the key comes from.
//!
//! A fingerprint lets a baseline or a code-scanning service recognise the
//! same secret again without holding it. It must not let anyone who holds
//! only the report recover the value: an unkeyed hash of a weak password is
//! reversed by hashing a dictionary. So a fingerprint is
//! `HMAC-SHA256(key, value)` (truncated to 16 bytes), written
//! `hmac-sha256:KEYID:MAC` where `KEYID` is 8 hex digits that name the key
//! (an HMAC of a fixed label, not the key) and `MAC` is 32 hex digits.
//!
//! **Where the key lives.** A baseline is committed and must match in every
//! clone and every CI run, so everyone who uses it needs the same key; the
//! key must not be derivable from the baseline or the SARIF. The threat is
//! those reports travelling *outside* the repository — a SARIF file
//! uploaded to code scanning or kept as a CI artifact, a baseline pasted
//! into a ticket, a log — not the repository itself: whoever can read the
//! repository can read the committed secrets directly. Hence one random key
//! per repository, kept in the repository next to the baseline but not in
//! it: [`KEY_FILE`] (`.palisade/fingerprint.key`, 32 random bytes as 64 hex
//! digits, created with mode 0600 the first time a report with fingerprints
//! is written). A team that wants the reports to stay safe even from
//! readers of the repository keeps the file out of it (`.gitignore`) and
//! gives the key to CI as [`KEY_ENV`] (`PALISADE_FINGERPRINT_KEY`), which
//! also serves checkouts that are read-only; the variable wins over the
//! file, and the same text gives the same fingerprints in both.
//!
//! When no key can be had (no variable, no file, and the file cannot be
//! created) the fingerprints use a one-off random key: they do not match a
//! later run's, but they are never an unkeyed hash. Fingerprints of an
//! older palisade (unkeyed SHA-256, 32 hex digits) are refused in a
//! baseline rather than silently matching nothing.

use sha2::Sha256;
use std::path::{Path, PathBuf};

/// The key file, relative to the repository's top (see [`key_file_for`]).
pub const KEY_FILE: &str = ".palisade/fingerprint.key";

/// The environment variable that holds the key, overriding the file.
pub const KEY_ENV: &str = "PALISADE_FINGERPRINT_KEY";

/// What every fingerprint starts with: the scheme.
pub const SCHEME: &str = "hmac-sha256";

/// The shortest key accepted from the file or the variable, in bytes.
pub const MIN_KEY_LEN: usize = 16;

/// A fingerprint key. Its `Debug` shows the key's id, never the key.
#[derive(Clone)]
pub struct FingerprintKey {
    key: Vec<u8>,
    id: String,
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FingerprintKey({})", self.id)
    }
}

impl FingerprintKey {
    /// A key from the text of the key file or the variable (surrounding
    /// white space dropped): at least [`MIN_KEY_LEN`] bytes.
    pub fn new(material: &[u8]) -> Result<FingerprintKey, String> {
        let m = material.trim_ascii();
        if m.len() < MIN_KEY_LEN {
            return Err(format!(
                "a fingerprint key must be at least {MIN_KEY_LEN} characters (this one has {}); \
                 make one with `openssl rand -hex 32`",
                m.len()
            ));
        }
        Ok(FingerprintKey::from_bytes(m))
    }

    fn from_bytes(key: &[u8]) -> FingerprintKey {
        let id = hex(&hmac_sha256(key, b"palisade fingerprint key id")[..4]);
        FingerprintKey {
            key: key.to_vec(),
            id,
        }
    }

    /// A random key for this run only: its fingerprints match nothing
    /// written by another run.
    pub fn ephemeral() -> FingerprintKey {
        let mut b = [0u8; 32];
        if getrandom::fill(&mut b).is_err() {
            // No system randomness: the per-process random SipHash keys of
            // the standard library, which are seeded from the system too.
            use std::hash::{BuildHasher, Hasher};
            for (i, chunk) in b.chunks_mut(8).enumerate() {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_usize(i);
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos()),
                );
                chunk.copy_from_slice(&h.finish().to_le_bytes());
            }
        }
        FingerprintKey::from_bytes(hex(&b).as_bytes())
    }

    /// 8 hex digits that name the key (the same key, the same id).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The fingerprint of a secret value: `hmac-sha256:KEYID:MAC`.
    pub fn fingerprint(&self, secret: &[u8]) -> String {
        let mut msg = Vec::with_capacity(secret.len() + 16);
        msg.extend_from_slice(b"palisade secret\0");
        msg.extend_from_slice(secret);
        let mac = hmac_sha256(&self.key, &msg);
        format!("{SCHEME}:{}:{}", self.id, hex(&mac[..16]))
    }
}

/// What a fingerprint string is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// `hmac-sha256:KEYID:MAC`, with the key's id.
    Keyed { key_id: &'a str },
    /// 32 hex digits: an unkeyed SHA-256 of an older palisade.
    Unkeyed,
    /// Anything else.
    Unknown,
}

/// Tells a fingerprint's kind from its text.
pub fn parse(fp: &str) -> Parsed<'_> {
    let is_hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if is_hex(fp, 32) {
        return Parsed::Unkeyed;
    }
    let mut parts = fp.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(SCHEME), Some(id), Some(mac), None) if is_hex(id, 8) && is_hex(mac, 32) => {
            Parsed::Keyed { key_id: id }
        }
        _ => Parsed::Unknown,
    }
}

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// [`KEY_ENV`].
    Env,
    /// The key file, as found.
    File(PathBuf),
    /// The key file, created by this run.
    Created(PathBuf),
    /// A one-off key: none was found; the reason when one was wanted and
    /// could not be created.
    Ephemeral(Option<String>),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => write!(f, "{KEY_ENV}"),
            KeySource::File(p) | KeySource::Created(p) => write!(f, "{}", p.display()),
            KeySource::Ephemeral(_) => write!(
                f,
                "a one-off key: neither {KEY_ENV} nor {KEY_FILE} was found"
            ),
        }
    }
}

/// The key file of the repository that `paths` are in: [`KEY_FILE`] under
/// the top of the git work tree (the nearest folder with a `.git`) that
/// holds the first directory scanned — or the folder of the first file,
/// or the current directory when only images are scanned — else under
/// that folder itself.
pub fn key_file_for(paths: &[PathBuf]) -> PathBuf {
    let start = paths
        .iter()
        .find_map(|p| {
            let (path, selector) = palisade_imagefs::split_selector(&p.to_string_lossy());
            if selector.is_some() || path.join("oci-layout").is_file() {
                None
            } else if path.is_dir() {
                Some(path)
            } else if path.is_file() && !crate::collect::is_image_name(&path) {
                Some(match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                })
            } else {
                None
            }
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let top = start
        .canonicalize()
        .ok()
        .and_then(|abs| {
            abs.ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or(start);
    top.join(KEY_FILE)
}

/// The key for a run over `paths`: [`KEY_ENV`] when set, else the key file
/// of their repository ([`key_file_for`]) when it exists, else — when
/// `create` — a new random key written there, else a one-off key. Errors
/// are a key that is set but unusable (too short, unreadable): a run must
/// not fall back to another key then.
pub fn resolve(paths: &[PathBuf], create: bool) -> Result<(FingerprintKey, KeySource), String> {
    if let Some(v) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) {
        let key =
            FingerprintKey::new(v.as_encoded_bytes()).map_err(|e| format!("{KEY_ENV}: {e}"))?;
        return Ok((key, KeySource::Env));
    }
    let file = key_file_for(paths);
    match std::fs::read(&file) {
        Ok(text) => {
            let key = FingerprintKey::new(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            return Ok((key, KeySource::File(file)));
        }
        Err(e)
            if !matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Err(format!("{}: {e}", file.display()));
        }
        Err(_) => {}
    }
    if !create {
        return Ok((FingerprintKey::ephemeral(), KeySource::Ephemeral(None)));
    }
    match create_key_file(&file) {
        Ok(key) => Ok((key, KeySource::Created(file))),
        Err(e) => Ok((
            FingerprintKey::ephemeral(),
            KeySource::Ephemeral(Some(format!("cannot create {}: {e}", file.display()))),
        )),
    }
}

/// Writes a new random key to `file` (mode 0600; never over an existing
/// file) and returns it.
pub fn create_key_file(file: &Path) -> Result<FingerprintKey, String> {
    use std::io::Write;
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no system randomness: {e}"))?;
    let text = hex(&b);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(file).map_err(|e| e.to_string())?;
    f.write_all(format!("{text}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| e.to_string())?;
    FingerprintKey::new(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1, 2 and 6 (a key longer than a block).
        let h = |k: &[u8], m: &[u8]| hex(&hmac_sha256(k, m));
        assert_eq!(
            h(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            h(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            h(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn fingerprints_are_keyed() {
        let a = FingerprintKey::new(b"0123456789abcdef0123").unwrap();
        let b = FingerprintKey::new(b"0123456789abcdef0124").unwrap();
        let f = a.fingerprint(b"hunter22");
        assert_eq!(f, a.fingerprint(b"hunter22"));
        assert_ne!(f, a.fingerprint(b"hunter23"));
        assert_ne!(f, b.fingerprint(b"hunter22"));
        assert_eq!(parse(&f), Parsed::Keyed { key_id: a.id() });
        assert_eq!(f.len(), SCHEME.len() + 1 + 8 + 1 + 32);
        assert_ne!(a.id(), b.id());
        // not the unkeyed hash, nor any part of it
        let plain = hex(&Sha256::digest(b"hunter22"));
        assert!(!f.contains(&plain[..16]));
        // the file's text and the variable's give the same key
        assert_eq!(
            FingerprintKey::new(b"  0123456789abcdef0123\n")
                .unwrap()
                .fingerprint(b"x"),
            a.fingerprint(b"x")
        );
        assert!(FingerprintKey::new(b"short").is_err());
        assert_ne!(
            FingerprintKey::ephemeral().id(),
            FingerprintKey::ephemeral().id()
        );
        assert!(!format!("{a:?}").contains("0123456789"));
    }

    #[test]
    fn fingerprint_kinds() {
        assert_eq!(parse(&"0a".repeat(16)), Parsed::Unkeyed);
        assert_eq!(
            parse(&format!("hmac-sha256:0badf00d:{}", "1".repeat(32))),
            Parsed::Keyed { key_id: "0badf00d" }
        );
        for s in ["", "f", "hmac-sha256:0badf00d", "md5:0badf00d:00"] {
            assert_eq!(parse(s), Parsed::Unknown, "{s}");
        }
    }

    #[test]
    fn key_files_are_created_once_and_private() {
        let d = std::env::temp_dir().join(format!("palisade-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let file = d.join(KEY_FILE);
        let k = create_key_file(&file).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.trim().len(), 64);
        assert_eq!(FingerprintKey::new(text.as_bytes()).unwrap().id(), k.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(create_key_file(&file).is_err(), "never overwritten");
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! Images assembled here from files: OCI archives, OCI layout directories and
//! docker-archives, with gzip layers, whiteouts, opaque directories, links,
//! and hostile entries that must never leave the image.

use std::io::Write;
use std::path::Path;

use palisade_sbom::Kind;

/// A tar entry: path as written (no checks), kind, content.
enum E<'a> {
    File(&'a str, &'a [u8], u32),
    Dir(&'a str),
    Link(&'a str, &'a str),
    Hard(&'a str, &'a str),
}

fn tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_old();
        let (path, data, ty, mode, link): (&str, &[u8], tar::EntryType, u32, Option<&str>) = match e
        {
            E::File(p, d, m) => (p, d, tar::EntryType::Regular, *m, None),
            E::Dir(p) => (p, b"", tar::EntryType::Directory, 0o755, None),
            E::Link(p, t) => (p, b"", tar::EntryType::Symlink, 0o777, Some(t)),
            E::Hard(p, t) => (p, b"", tar::EntryType::Link, 0o644, Some(t)),
        };
        // Raw names, so hostile paths reach the reader as a real tar has them.
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        if let Some(t) = link {
            h.as_old_mut().linkname[..t.len()].copy_from_slice(t.as_bytes());
        }
        h.set_entry_type(ty);
        h.set_mode(mode);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn sha(data: &[u8]) -> String {
    // Content-addressed names only need to be distinct here.
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    format!("{:016x}{:048x}", h.finish(), data.len())
}

const STATUS1: &[u8] = b"Package: dash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.5.12-2\n\nPackage: perl-base\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.36.0-7\n";
const STATUS2: &[u8] =
    b"Package: dash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.5.12-2\n";

fn layers() -> Vec<Vec<u8>> {
    let base = tar(&[
        E::Dir("etc/"),
        E::File("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n", 0o644),
        E::File("./var/lib/dpkg/status", STATUS1, 0o644),
        E::File("usr/bin/dash", b"\x7fELF not really", 0o755),
        E::Link("usr/bin/sh", "dash"),
        E::Link("bin", "usr/bin"),
        E::File("usr/bin/curl", b"x", 0o755),
        E::File("usr/bin/wget", b"x", 0o644),
        E::File(
            "app/old/node_modules/oldpkg/package.json",
            br#"{"name":"oldpkg","version":"1.0.0"}"#,
            0o644,
        ),
        E::File(
            "app/node_modules/left-pad/package.json",
            br#"{"name":"left-pad","version":"1.3.0","license":"WTFPL"}"#,
            0o644,
        ),
        E::File(
            "app/node_modules/gone/package.json",
            br#"{"name":"gone","version":"0.0.1"}"#,
            0o644,
        ),
        E::Link("loop1", "loop2"),
        E::Link("loop2", "/loop1"),
    ]);
    let app = tar(&[
        // Package removed from the database, its files whited out.
        E::File("var/lib/dpkg/status", STATUS2, 0o644),
        E::File("usr/bin/.wh.curl", b"", 0o644),
        E::File("app/node_modules/.wh.gone", b"", 0o644),
        // Hostile entries: never written outside, never followed.
        E::File("../../etc/evil", b"x", 0o644),
        E::File(
            "/abs/node_modules/abs-pkg/package.json",
            br#"{"name":"abs-pkg","version":"2.0.0"}"#,
            0o644,
        ),
        E::Link("app/escape", "../../../../../etc/passwd"),
        E::Hard("app/hard.json", "app/node_modules/left-pad/package.json"),
        E::File(
            "srv/venv/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n",
            0o644,
        ),
    ]);
    let opaque = tar(&[
        E::Dir("app/old/"),
        E::File("app/old/.wh..wh..opq", b"", 0o644),
        E::File("app/old/new.txt", b"n", 0o644),
    ]);
    vec![gzip(&base), app, gzip(&opaque)]
}

fn config(user: &str) -> Vec<u8> {
    format!(r#"{{"architecture":"amd64","os":"linux","config":{{"User":"{user}","Cmd":["/bin/sh"]}},"rootfs":{{"type":"layers","diff_ids":[]}}}}"#).into_bytes()
}

/// Writes an OCI layout (into `dir`) holding two images, tagged `app` (root)
/// and `nonroot`.
fn oci_layout(dir: &Path) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let d = sha(data);
        std::fs::write(blobs.join(&d), data).unwrap();
        format!("sha256:{d}")
    };
    let layer_descs: Vec<String> = layers()
        .iter()
        .map(|l| format!(r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}}"#, put(l), l.len()))
        .collect();
    let mut manifests = Vec::new();
    for (tag, user) in [("app", ""), ("nonroot", "10001:10001")] {
        let cfg = config(user);
        let m = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{}]}}"#,
            put(&cfg),
            cfg.len(),
            layer_descs.join(",")
        );
        manifests.push(format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"{tag}"}}}}"#,
            put(m.as_bytes()),
            m.len()
        ));
    }
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            manifests.join(",")
        ),
    )
    .unwrap();
}

fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

fn docker_archive(out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut names = Vec::new();
    for (i, l) in layers().iter().enumerate() {
        let n = format!("layer{i}/layer.tar");
        add(&n, l);
        names.push(format!("\"{n}\""));
    }
    add("cfg.json", &config("0"));
    add("manifest.json", format!(r#"[{{"Config":"cfg.json","RepoTags":["registry.example/team/app:1.2"],"Layers":[{}]}}]"#, names.join(",")).as_bytes());
    b.finish().unwrap();
}

fn check(s: &palisade_sbom::Sbom) {
    let pk: Vec<(Kind, &str, &str)> = s
        .packages
        .iter()
        .map(|p| (p.kind, p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        pk,
        [
            (Kind::Deb, "dash", "0.5.12-2"),
            (Kind::Python, "six", "1.16.0"),
            (Kind::Npm, "abs-pkg", "2.0.0"),
            (Kind::Npm, "left-pad", "1.3.0"),
        ],
        "{:#?}",
        s.packages
    );
    assert_eq!(s.distro.as_ref().unwrap().version_id, "12");
    let msgs: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains("layer 2")
            && msgs[0].ends_with("../../etc/evil: path climbs out of the image root; ignored"),
        "{msgs:?}"
    );
    let ids: Vec<&str> = s.findings.iter().map(|f| f.id).collect();
    // curl was whited out; wget is not executable.
    assert!(!ids.contains(&"IMG-NETWORK-TOOL"), "{:?}", s.findings);
    assert!(ids.contains(&"IMG-SHELL"));
}

#[test]
fn oci_archive_with_whiteouts_and_hostile_entries() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    oci_layout(&layout);
    let archive = dir.path().join("image.tar");
    tar_dir(&layout, &archive);
    let s = palisade_sbom::scan(&archive, Some("app")).unwrap();
    assert_eq!(s.source.kind, palisade_imagefs::TargetKind::OciArchive);
    check(&s);
    assert!(s.findings.iter().any(|f| f.id == "IMG-RUNS-AS-ROOT"));
    // Nothing was written next to the archive.
    assert!(!dir.path().join("etc").exists() && !Path::new("/abs").exists());
}

#[test]
fn oci_layout_directory_and_tag_selection() {
    let dir = tempfile::tempdir().unwrap();
    oci_layout(dir.path());
    let s = palisade_sbom::scan(dir.path(), Some("nonroot")).unwrap();
    assert_eq!(s.source.kind, palisade_imagefs::TargetKind::OciDirectory);
    check(&s);
    assert!(!s.findings.iter().any(|f| f.id == "IMG-RUNS-AS-ROOT"));
    let img = s.source.image.as_ref().unwrap();
    assert_eq!(
        (img.config.user.as_str(), img.layers, img.tags.as_slice()),
        ("10001:10001", 3, &["nonroot".to_string()][..])
    );
    let err = palisade_sbom::scan(dir.path(), Some("missing"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no image tagged \"missing\"") && err.contains("app, nonroot"),
        "{err}"
    );
}

#[test]
fn docker_archive_image() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("docker.tar");
    docker_archive(&archive);
    let s = palisade_sbom::scan(&archive, None).unwrap();
    assert_eq!(s.source.kind, palisade_imagefs::TargetKind::DockerArchive);
    check(&s);
    let root = s
        .findings
        .iter()
        .find(|f| f.id == "IMG-RUNS-AS-ROOT")
        .unwrap();
    assert_eq!(root.evidence, ["config.User = \"0\""]);
    assert_eq!(
        s.source.image.as_ref().unwrap().tags,
        ["registry.example/team/app:1.2"]
    );
    // PATH:TAG selection by the tag alone.
    let (p, sel) = palisade_imagefs::split_selector(&format!("{}:1.2", archive.display()));
    assert!(palisade_sbom::scan(&p, sel.as_deref()).is_ok());
}

#[test]
fn corrupt_archives_fail_or_warn_but_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("docker.tar");
    docker_archive(&archive);
    let full = std::fs::read(&archive).unwrap();
    for cut in [100, 700, 1500, 3000, full.len() / 2, full.len() - 1100] {
        let p = dir.path().join(format!("cut{cut}.tar"));
        std::fs::write(&p, &full[..cut]).unwrap();
        // Either the archive is refused, naming it, or what could be read
        // is catalogued and the damage reported.
        match palisade_sbom::scan(&p, None) {
            Ok(s) => assert!(!s.warnings.is_empty(), "cut {cut}: no warning"),
            Err(e) => assert!(e.to_string().contains(&format!("cut{cut}.tar")), "{e}"),
        }
    }
    // A gzipped layer cut short: a located warning, the other layers read.
    let layout = dir.path().join("layout");
    oci_layout(&layout);
    let idx = std::fs::read_to_string(layout.join("index.json")).unwrap();
    assert!(idx.contains("\"app\""));
    let blobs = layout.join("blobs/sha256");
    let first_layer = sha(&layers()[0]);
    let data = std::fs::read(blobs.join(&first_layer)).unwrap();
    std::fs::write(blobs.join(&first_layer), &data[..data.len() / 2]).unwrap();
    let s = palisade_sbom::scan(&layout, Some("app")).unwrap();
    assert!(
        s.warnings.iter().any(|w| w.location.contains("layer 1")),
        "{:?}",
        s.warnings
    );
    assert!(s.packages.iter().any(|p| p.name == "six"));
}

//! Catalogers on real files: a Debian dpkg database cut from a debootstrap
//! root filesystem, an rpmdb.sqlite written by rpm 4.18, lock files made by
//! their tools, the workspace's own Cargo.lock, a Go binary built here.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use palisade_sbom::{Kind, Package, Sbom};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn find<'a>(s: &'a Sbom, kind: Kind, name: &str) -> &'a Package {
    s.packages
        .iter()
        .find(|p| p.kind == kind && p.name == name)
        .unwrap_or_else(|| {
            panic!(
                "{name} not found in {:#?}",
                s.packages.iter().map(|p| &p.name).collect::<Vec<_>>()
            )
        })
}

#[test]
fn debian_dpkg_database() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("debian"), dir.path());
    // Merged /usr: /bin is a link, /usr/bin/sh a link to dash.
    std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
    std::os::unix::fs::symlink("usr/bin", dir.path().join("bin")).unwrap();
    let dash = dir.path().join("usr/bin/dash");
    std::fs::write(&dash, "#!/not/really\n").unwrap();
    std::fs::set_permissions(&dash, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("dash", dir.path().join("usr/bin/sh")).unwrap();

    let s = palisade_sbom::scan(dir.path(), None).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let d = s.distro.as_ref().unwrap();
    assert_eq!((d.id.as_str(), d.version_id.as_str()), ("debian", "12"));
    let names: Vec<_> = s.packages.iter().map(|p| p.name.as_str()).collect();
    // The deinstalled package whose config files remain is not installed.
    assert_eq!(names, ["base-files", "dash", "libc6", "zlib1g"]);
    let z = find(&s, Kind::Deb, "zlib1g");
    assert_eq!(z.version, "1:1.2.13.dfsg-1");
    assert_eq!(z.arch.as_deref(), Some("amd64"));
    assert_eq!(z.source.as_ref().unwrap().name, "zlib");
    assert_eq!(
        z.purl,
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"
    );
    assert!(
        z.files
            .iter()
            .any(|f| f == "lib/x86_64-linux-gnu/libz.so.1.2.13"),
        "{:?}",
        z.files
    );
    assert!(z.licenses.iter().any(|l| l == "Zlib"), "{:?}", z.licenses);
    assert_eq!(
        z.locations,
        [
            "var/lib/dpkg/status",
            "var/lib/dpkg/info/zlib1g:amd64.list",
            "usr/share/doc/zlib1g/copyright"
        ]
    );
    assert_eq!(z.ecosystem(s.distro.as_ref()).as_deref(), Some("Debian:12"));
    // The shell is found through both links.
    let shell = s.findings.iter().find(|f| f.id == "IMG-SHELL").unwrap();
    assert_eq!(shell.evidence, ["usr/bin/sh -> usr/bin/dash"]);
    // A directory has no image config: no run-as-root finding.
    assert!(!s.findings.iter().any(|f| f.id == "IMG-RUNS-AS-ROOT"));
}

#[test]
fn rpm_sqlite_database() {
    rpm_database("rpm", "var/lib/rpm/rpmdb.sqlite");
}

/// The same three headers in a Berkeley DB hash database (RHEL ≤ 8), two on
/// overflow pages.
#[test]
fn rpm_berkeley_database() {
    rpm_database("rpm-bdb", "var/lib/rpm/Packages");
}

fn rpm_database(dir: &str, db: &str) {
    let s = palisade_sbom::scan(&fixture(dir), None).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // expected.txt: rpm -qa --qf '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE} %{SOURCERPM}'
    let expected = std::fs::read_to_string(fixture(dir).join("expected.txt")).unwrap();
    let mut got = Vec::new();
    for p in &s.packages {
        assert_eq!(p.kind, Kind::Rpm);
        let (epoch, vr) = match p.version.split_once(':') {
            Some((e, vr)) => (e.to_string(), vr.to_string()),
            None => ("(none)".to_string(), p.version.clone()),
        };
        let (v, r) = vr.rsplit_once('-').unwrap();
        let src = p.source.as_ref().unwrap();
        got.push(format!(
            "{} {epoch} {v} {r} {} {} {}-{}.src.rpm",
            p.name,
            p.arch.as_deref().unwrap(),
            p.licenses.join(""),
            src.name,
            src.version.as_deref().unwrap()
        ));
    }
    got.sort();
    assert_eq!(got.join("\n"), expected.trim());
    let tool = find(&s, Kind::Rpm, "hello-tool");
    assert_eq!(
        tool.files,
        ["usr/bin/hello-tool", "usr/share/doc/hello-tool/README"]
    );
    assert_eq!(
        tool.purl,
        "pkg:rpm/redhat/hello-tool@1.4.2-3.fix?arch=x86_64&epoch=2"
    );
    assert_eq!(tool.locations, [db]);
}

#[test]
fn rpm_unsupported_and_truncated_databases_are_located_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let rpm = dir.path().join("var/lib/rpm");
    std::fs::create_dir_all(&rpm).unwrap();
    let real = std::fs::read(fixture("rpm/var/lib/rpm/rpmdb.sqlite")).unwrap();
    std::fs::write(rpm.join("rpmdb.sqlite"), &real[..real.len() / 3]).unwrap();
    let mut bdb = vec![0u8; 512];
    bdb[12..16].copy_from_slice(&0x061561u32.to_le_bytes());
    std::fs::write(rpm.join("Packages"), bdb).unwrap();
    let s = palisade_sbom::scan(dir.path(), None).unwrap();
    let msgs: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter()
            .any(|m| m
                .starts_with("var/lib/rpm/Packages: cannot read the rpmdb: invalid page size 0")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("var/lib/rpm/rpmdb.sqlite: ")),
        "{msgs:?}"
    );

    // A Berkeley DB cut short, and an NDB database, under the SUSE path.
    let sys = dir.path().join("usr/lib/sysimage/rpm");
    std::fs::create_dir_all(&sys).unwrap();
    let bdb = std::fs::read(fixture("rpm-bdb/var/lib/rpm/Packages")).unwrap();
    std::fs::write(sys.join("Packages"), &bdb[..bdb.len() - 5000]).unwrap();
    std::fs::write(
        sys.join("Packages.db"),
        b"RpmP\0\0\0\0 rest of an ndb header",
    )
    .unwrap();
    let s = palisade_sbom::scan(dir.path(), None).unwrap();
    let msgs: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter().any(|m| m
            == "usr/lib/sysimage/rpm/Packages: cannot read the rpmdb: truncated: 4 of 6 pages"),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m
                .starts_with("usr/lib/sysimage/rpm/Packages.db: unsupported rpmdb format (NDB)")),
        "{msgs:?}"
    );
}

#[test]
fn workspace_cargo_lock() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    let s = palisade_sbom::scan(dir.path(), None).unwrap();
    let serde = find(&s, Kind::Cargo, "serde");
    assert!(serde.purl.starts_with("pkg:cargo/serde@1."));
    assert!(s.packages.len() > 200);
}

#[test]
fn invalid_lock_files_warn_with_file_and_line_and_the_rest_is_catalogued() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("a")).unwrap();
    std::fs::write(
        p.join("a/package-lock.json"),
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    oops\n}",
    )
    .unwrap();
    std::fs::write(
        p.join("poetry.lock"),
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n\n[[package]\n",
    )
    .unwrap();
    std::fs::write(p.join("requirements.txt"), "six==1.16.0\n").unwrap();
    std::fs::write(p.join("pnpm-lock.yaml"), "packages:\n  ms@2.1.3: {\n").unwrap();
    let s = palisade_sbom::scan(p, None).unwrap();
    let msgs: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("a/package-lock.json:4: invalid JSON")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("poetry.lock:5: invalid TOML")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with("pnpm-lock.yaml:")),
        "{msgs:?}"
    );
    assert_eq!(find(&s, Kind::Python, "six").version, "1.16.0");
}

fn versions(s: &Sbom, location_prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .packages
        .iter()
        .filter(|p| p.locations.iter().any(|l| l.starts_with(location_prefix)))
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    v.sort();
    v
}

#[test]
fn lock_files_made_by_their_tools() {
    let s = palisade_sbom::scan(&fixture("lockfiles"), None).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let js = [
        "@types/ms@0.7.34",
        "ansi-styles@4.3.0",
        "chalk@4.1.2",
        "color-convert@2.0.1",
        "color-name@1.1.4",
        "debug@4.4.3",
        "has-flag@4.0.0",
        "lodash@4.18.1",
        "ms@2.1.3",
        "supports-color@7.2.0",
    ];
    // The same project locked by four tools gives the same packages
    // (npm's lock also names the project itself).
    for lock in ["pnpm/", "yarn-v1/", "yarn-berry/"] {
        assert_eq!(versions(&s, lock), js, "{lock}");
    }
    let mut npm = js.to_vec();
    npm.insert(6, "fixture-js@1.0.0");
    assert_eq!(versions(&s, "npm/"), npm);
    // Poetry 2 and Pipfile.lock: the dev group (pytest) is left out.
    let poetry = versions(&s, "poetry/");
    assert!(
        poetry.contains(&"requests@2.32.5".to_string())
            && !poetry.iter().any(|p| p.starts_with("pytest@")),
        "{poetry:?}"
    );
    let pipenv = versions(&s, "pipenv/");
    assert_eq!(
        pipenv,
        [
            "attrs@26.1.0",
            "certifi@2026.10.19.post1",
            "charset-normalizer@3.5.3",
            "click@8.5.1",
            "idna@3.20",
            "requests@2.34.2",
            "urllib3@2.8.0"
        ]
    );
    // uv.lock keeps both forks of its resolution; the project itself is not a package.
    let uv = versions(&s, "uv/");
    assert!(
        uv.contains(&"click@8.1.8".to_string())
            && uv.contains(&"click@8.5.1".to_string())
            && !uv.iter().any(|p| p.starts_with("fixture")),
        "{uv:?}"
    );
    assert_eq!(
        versions(&s, "requirements/"),
        ["requests@2.32.3", "urllib3@2.2.2"]
    );
    assert_eq!(
        versions(&s, "go/"),
        [
            "github.com/google/uuid@v1.6.0",
            "golang.org/x/net@v0.26.0",
            "golang.org/x/sys@v0.20.0",
            "golang.org/x/text@v0.15.0"
        ]
    );
    assert_eq!(
        versions(&s, "ruby/"),
        [
            "actionpack@7.1.3",
            "actionview@7.1.3",
            "nokogiri@1.16.2",
            "racc@1.7.3",
            "rack@3.0.9.1"
        ]
    );
    let chalk = s.packages.iter().find(|p| p.name == "chalk").unwrap();
    assert_eq!(
        chalk.locations.len(),
        4,
        "one package, four pieces of evidence: {:?}",
        chalk.locations
    );
    assert_eq!(
        find(&s, Kind::Npm, "@types/ms").purl,
        "pkg:npm/%40types/ms@0.7.34"
    );
}

#[test]
fn java_archives() {
    let s = palisade_sbom::scan(&fixture("java"), None).unwrap();
    let got: Vec<_> = s
        .packages
        .iter()
        .map(|p| {
            (
                p.group.as_deref().unwrap_or(""),
                p.name.as_str(),
                p.version.as_str(),
                p.purl.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "commons-cli",
                "commons-cli",
                "1.5.0",
                "pkg:maven/commons-cli/commons-cli@1.5.0"
            ),
            (
                "org.slf4j",
                "slf4j-api",
                "1.7.32",
                "pkg:maven/org.slf4j/slf4j-api@1.7.32"
            ),
        ]
    );
    // A war holding the jar: nested archives are read from memory.
    let dir = tempfile::tempdir().unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(dir.path().join("shop.war")).unwrap());
    w.start_file(
        "WEB-INF/lib/slf4j-api-1.7.32.jar",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(
        &mut w,
        &std::fs::read(fixture("java/slf4j-api-1.7.32.jar")).unwrap(),
    )
    .unwrap();
    w.start_file(
        "META-INF/MANIFEST.MF",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(
        &mut w,
        b"Manifest-Version: 1.0\r\nImplementation-Title: shop\r\nImplementation-Version: 2.1\r\n",
    )
    .unwrap();
    w.finish().unwrap();
    let s = palisade_sbom::scan(dir.path(), None).unwrap();
    let got: Vec<_> = s
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.locations[0].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("shop", "2.1", "shop.war"),
            (
                "slf4j-api",
                "1.7.32",
                "shop.war:WEB-INF/lib/slf4j-api-1.7.32.jar"
            )
        ]
    );
}

/// Builds a small Go program (with a local module as its dependency) and
/// reads its embedded build information. Needs `go` on PATH; CI installs
/// it and sets PALISADE_REQUIRE_GO=1 so a missing toolchain fails there.
#[test]
fn go_binary_built_here() {
    if std::process::Command::new("go")
        .arg("version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("PALISADE_REQUIRE_GO").is_none(),
            "go is not installed"
        );
        eprintln!("skipped: go is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("greet")).unwrap();
    std::fs::write(src.join("go.mod"), "module example.com/hello\n\ngo 1.19\n\nrequire example.com/greet v0.3.1\n\nreplace example.com/greet => ./greet\n").unwrap();
    std::fs::write(
        src.join("main.go"),
        "package main\n\nimport \"example.com/greet\"\n\nfunc main() { greet.Hello() }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("greet/go.mod"),
        "module example.com/greet\n\ngo 1.19\n",
    )
    .unwrap();
    std::fs::write(
        src.join("greet/greet.go"),
        "package greet\n\nimport \"fmt\"\n\nfunc Hello() { fmt.Println(\"hello\") }\n",
    )
    .unwrap();
    let out = dir.path().join("root/usr/local/bin/hello");
    let status = std::process::Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(&src)
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOCACHE", dir.path().join("cache"))
        .env("GOPATH", dir.path().join("gopath"))
        .status()
        .unwrap();
    assert!(status.success());
    let version = String::from_utf8(
        std::process::Command::new("go")
            .arg("env")
            .arg("GOVERSION")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let s = palisade_sbom::scan(&dir.path().join("root"), None).unwrap();
    let got: Vec<_> = s
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.locations[0].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("example.com/greet", "(devel)", "usr/local/bin/hello"),
            ("example.com/hello", "(devel)", "usr/local/bin/hello"),
            (
                "stdlib",
                version.trim().trim_start_matches("go"),
                "usr/local/bin/hello"
            ),
        ]
    );
}

#[test]
fn alpine_apk_database() {
    let s = palisade_sbom::scan(&fixture("alpine"), None).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let got: Vec<_> = s
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "busybox",
                "1.36.1-r15",
                "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1"
            ),
            (
                "musl",
                "1.2.4_git20230717-r4",
                "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
            ),
            (
                "ssl_client",
                "1.36.1-r15",
                "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1"
            ),
        ]
    );
    let bb = find(&s, Kind::Apk, "busybox");
    assert_eq!(bb.files, ["bin/busybox", "etc/securetty"]);
    assert_eq!(bb.licenses, ["GPL-2.0-only"]);
    assert_eq!(
        find(&s, Kind::Apk, "ssl_client")
            .source
            .as_ref()
            .unwrap()
            .name,
        "busybox"
    );
    assert_eq!(
        bb.ecosystem(s.distro.as_ref()).as_deref(),
        Some("Alpine:v3.19")
    );
}

#[test]
fn distroless_status_d() {
    let s = palisade_sbom::scan(&fixture("distroless"), None).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let p = find(&s, Kind::Deb, "base-files");
    assert_eq!(p.version, "12.4+deb12u15");
    assert_eq!(
        p.files,
        ["etc/debian_version", "usr/share/common-licenses/GPL-3"]
    );
    assert_eq!(
        p.locations,
        [
            "var/lib/dpkg/status.d/base-files",
            "var/lib/dpkg/status.d/base-files.md5sums"
        ]
    );
    assert_eq!(s.packages.len(), 1);
}

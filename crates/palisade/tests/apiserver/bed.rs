//! The real API server test bed (`testbed/cluster.sh up`), as the tests see it.
//!
//! `PALISADE_TESTBED` names the test bed's state directory (`cluster.sh env`
//! prints it). Without it every test here is skipped with the reason
//! printed; with `PALISADE_REQUIRE_APISERVER=1` (CI) a missing or stopped
//! API server fails them instead.
//!
//! The tests share one cluster, so they run one at a time ([`Bed::lock`])
//! and each cleans up what it created.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub struct Bed {
    pub dir: PathBuf,
    pub bin: PathBuf,
    pub admin: PathBuf,
    pub restricted: PathBuf,
}

static LOCK: Mutex<()> = Mutex::new(());

fn find() -> Result<Bed, String> {
    let dir = std::env::var_os("PALISADE_TESTBED")
        .map(PathBuf::from)
        .ok_or("PALISADE_TESTBED is not set (run `testbed/cluster.sh up` and `eval \"$(testbed/cluster.sh env)\"`)")?;
    let bin = std::env::var_os("PALISADE_TESTBED_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.parent().unwrap().join(".bin"));
    let bed = Bed {
        admin: dir.join("admin.kubeconfig"),
        restricted: dir.join("restricted.kubeconfig"),
        bin,
        dir,
    };
    if !bed.admin.exists() {
        return Err(format!(
            "{} does not exist: the test bed is not up",
            bed.admin.display()
        ));
    }
    let out = bed.kubectl(&["get", "--raw", "/readyz"]);
    if !out.status.success() {
        return Err(format!(
            "the test-bed API server does not answer: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bed)
}

/// The test bed, or `None` (and a printed reason) when it is not running.
pub fn bed() -> Option<&'static Bed> {
    static BED: OnceLock<Result<Bed, String>> = OnceLock::new();
    match BED.get_or_init(find) {
        Ok(b) => Some(b),
        Err(why) => {
            if std::env::var("PALISADE_REQUIRE_APISERVER").as_deref() == Ok("1") {
                panic!("PALISADE_REQUIRE_APISERVER=1 but {why}");
            }
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Takes the test bed for one test (the others wait).
pub fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bed {
    pub fn kubectl_path(&self) -> PathBuf {
        let p = self.bin.join("kubectl");
        if p.exists() {
            p
        } else {
            PathBuf::from("kubectl")
        }
    }

    /// kubectl as the admin.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_as(&self.admin, args, None)
    }

    pub fn kubectl_as(&self, kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = Command::new(self.kubectl_path());
        c.arg("--kubeconfig").arg(kubeconfig).args(args);
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("kubectl");
        if let Some(s) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// kubectl that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `kubectl apply --server-side` of a YAML stream; must succeed.
    pub fn apply(&self, yaml: &str) {
        let out = self.kubectl_as(
            &self.admin,
            &[
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=palisade-tests",
                "-f",
                "-",
            ],
            Some(yaml),
        );
        assert!(
            out.status.success(),
            "apply: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Deletes namespaces (and waits until they are gone, so the next test
    /// starts clean) and cluster-scoped objects by `KIND/NAME`.
    pub fn delete(&self, namespaces: &[&str], cluster_objects: &[&str]) {
        for o in cluster_objects {
            // `KIND/NAME`, or `-n NS KIND/NAME` for an object of a namespace that stays
            let mut args = vec!["delete", "--ignore-not-found", "--wait=false"];
            args.extend(o.split(' '));
            let _ = self.kubectl(&args);
        }
        for ns in namespaces {
            let _ = self.kubectl(&[
                "delete",
                "namespace",
                "--ignore-not-found",
                "--wait=false",
                ns,
            ]);
        }
        let deadline = Instant::now() + Duration::from_secs(90);
        for ns in namespaces {
            while Instant::now() < deadline {
                let out = self.kubectl(&["get", "namespace", ns]);
                if !out.status.success() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    }

    /// Waits for `cond` to hold (polling), up to `secs`.
    pub fn wait_for(&self, secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if cond() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("timed out after {secs} s waiting for {what}");
    }
}

/// Deletes what a test created when the test ends, also when it fails,
/// so the next test starts from a clean cluster.
pub struct Cleanup<'a> {
    bed: &'a Bed,
    namespaces: Vec<String>,
    cluster_objects: Vec<String>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let ns: Vec<&str> = self.namespaces.iter().map(String::as_str).collect();
        let objs: Vec<&str> = self.cluster_objects.iter().map(String::as_str).collect();
        self.bed.delete(&ns, &objs);
    }
}

impl Bed {
    /// Namespaces and cluster-scoped `kind/name`s to delete when the
    /// returned guard goes.
    pub fn cleanup<'a>(&'a self, namespaces: &[&str], cluster_objects: &[&str]) -> Cleanup<'a> {
        Cleanup {
            bed: self,
            namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
            cluster_objects: cluster_objects.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A palisade server (`admission serve`, `audit serve`) running for a
/// test: stopped (killed, as a crash would) when dropped.
pub struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `palisade ARGS…` and waits until it listens on `port`.
pub fn serve<I, S>(args: I, port: u16) -> Server
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let child = Command::new(assert_cmd::cargo::cargo_bin("palisade"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "palisade did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// The palisade binary under test.
pub fn palisade() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("palisade").unwrap()
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What `palisade generate admission-policy ARGS` writes (it must succeed).
pub fn generate_policies(args: &[&str]) -> String {
    let out = palisade()
        .args(["generate", "admission-policy"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `palisade policy eval --policies POLICIES OBJECTS --format json`: the
/// report.
pub fn policy_eval(policies: &Path, objects: &Path) -> serde_json::Value {
    let out = palisade()
        .args(["policy", "eval", "--policies"])
        .arg(policies)
        .arg(objects)
        .args(["--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "policy eval: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

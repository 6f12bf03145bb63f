//! Everything palisade writes is accepted by the API server
//! (`kubectl apply --dry-run=server`, which runs validation and admission
//! without storing).

use super::bed::{self, Bed, palisade};
use super::live::{apply_demo, demo_cleanup};

fn generated(args: &[&str]) -> String {
    let out = palisade().args(args).output().unwrap();
    assert!(
        out.status.code() == Some(0),
        "palisade {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn accepted(b: &Bed, what: &str, yaml: &str) -> usize {
    let out = b.kubectl_as(
        &b.admin,
        &["apply", "--dry-run=server", "-f", "-"],
        Some(yaml),
    );
    assert!(
        out.status.success(),
        "the API server refuses {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(server dry run)"))
        .count()
}

#[test]
fn the_api_server_accepts_everything_palisade_writes() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let _clean = demo_cleanup(b);
    let _palisade = b.cleanup(&["palisade"], &[]);
    let repo = bed::repo();
    let mut counts = Vec::new();

    // The demo after every fix, unsafe ones included, created in its
    // namespaces (creates: a Job's template cannot change once stored).
    b.ok(&[
        "apply",
        "--server-side",
        "-f",
        repo.join("examples/demo/namespaces.yaml").to_str().unwrap(),
    ]);
    // the demo after every fix, unsafe ones included
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("demo");
    copy_dir(&repo.join("examples/demo"), &copy);
    let out = palisade()
        .arg("fix")
        .arg("--unsafe")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = b.kubectl(&[
        "apply",
        "--dry-run=server",
        "-R",
        "-f",
        copy.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "the fixed demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    counts.push((
        "the demo after fix --unsafe",
        String::from_utf8_lossy(&out.stdout).lines().count(),
    ));

    apply_demo(b);
    let demo = repo.join("examples/demo");
    let demo = demo.to_str().unwrap();

    let netpol = generated(&["generate", "netpol", demo]);
    counts.push(("generate netpol", accepted(b, "generate netpol", &netpol)));
    let quotas = generated(&["generate", "quotas", demo]);
    counts.push(("generate quotas", accepted(b, "generate quotas", &quotas)));

    // RBAC from the API server's own audit log: shop/api, with a token of
    // its own, asks for what it needs (and is refused), then the generated
    // Role is applied and answers yes to the same requests
    let token = b.ok(&["-n", "shop", "create", "token", "api", "--duration=10m"]);
    let server = std::fs::read_to_string(&b.admin).unwrap();
    let server = server
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap()
        .to_string();
    let as_api = |args: &[&str]| {
        let mut a = vec!["--server", &server, "--certificate-authority"];
        let ca = b.dir.join("pki/ca.crt");
        let ca = ca.to_str().unwrap().to_string();
        a.push(&ca);
        let t = format!("--token={}", token.trim());
        a.push(&t);
        a.extend_from_slice(args);
        let out = std::process::Command::new(b.kubectl_path())
            .arg("--kubeconfig=/dev/null")
            .args(&a)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let asks: [&[&str]; 3] = [
        &["-n", "shop", "get", "pods"],
        &["-n", "shop", "get", "deployment", "api"],
        &["-n", "shop", "get", "services"],
    ];
    for a in asks {
        let (ok, err) = as_api(a);
        assert!(!ok && err.contains("forbidden"), "{a:?}: {err}");
    }
    let log = b.dir.join("audit/audit.log");
    let rbac = generated(&[
        "generate",
        "rbac",
        "--audit-log",
        log.to_str().unwrap(),
        "--serviceaccount",
        "shop:api",
    ]);
    counts.push(("generate rbac", accepted(b, "generate rbac", &rbac)));
    b.apply(&rbac);
    for a in asks {
        let (ok, err) = as_api(a);
        assert!(ok, "after applying the generated RBAC, {a:?}: {err}");
    }

    // the webhook's namespace must exist for a dry run of what goes in it
    let install = generated(&["admission", "install", "--mutate", "--cluster-inventory"]);
    b.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: palisade}\n");
    counts.push((
        "admission install",
        accepted(b, "admission install", &install),
    ));

    // the audit Policy the API server loaded is the one palisade generates
    let policy = generated(&["generate", "audit-policy"]);
    let loaded = std::fs::read_to_string(b.dir.join("audit/audit-policy.yaml")).unwrap();
    assert_eq!(
        policy, loaded,
        "the test bed runs with `palisade audit install`'s policy"
    );
    let flags = std::fs::read_to_string(b.dir.join("kube-apiserver.yaml")).unwrap();
    assert!(flags.contains("--audit-policy-file="), "{flags}");
    assert!(flags.contains("--audit-webhook-config-file="), "{flags}");

    for (what, n) in &counts {
        eprintln!("accepted by the API server: {what}: {n} objects");
        assert!(*n > 0, "{what} wrote objects");
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

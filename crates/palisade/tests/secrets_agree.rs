//! `palisade scan` and `palisade secrets` read a manifest's objects with
//! one analysis (`palisade_secrets::object`): on the same directory they
//! report the same (id, object, key) for literal env values, Secret
//! `data`/`stringData` and the last-applied-configuration annotation.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.env_remove("PALISADE_FINGERPRINT_KEY");
    c
}

/// A deterministic pseudo-random token (no live-looking secret committed).
fn tok(alphabet: &[u8], n: usize, seed: u64) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// (id, "Kind name", key, in the annotation) from what a finding says
/// (`Secret db stringData.password`, `Deployment api container api env
/// DB_PASSWORD`, then `, in the … annotation of …`).
fn parse(id: &str, what: &str) -> (String, String, String, bool) {
    let annotation = what.contains("last-applied-configuration annotation");
    // `palisade secrets` adds the recognised format after `: `.
    let head = what.split(',').next().unwrap().split(": ").next().unwrap();
    let words: Vec<&str> = head.split_whitespace().collect();
    let object = format!("{} {}", words[0], words[1]);
    let key = if let Some(i) = words.iter().position(|w| *w == "env") {
        words[i + 1].to_string()
    } else {
        let field = words[2];
        field.split_once('.').unwrap().1.to_string()
    };
    (id.to_string(), object, key, annotation)
}

#[test]
fn scan_and_secrets_report_the_same_object_secrets() {
    let d = tempfile::tempdir().unwrap();
    let pw = tok(ALNUM, 14, 1);
    let gh = format!("ghp_{}", tok(ALNUM, 36, 2));
    let api = tok(ALNUM, 24, 3);
    let old = tok(ALNUM, 20, 4);
    let manifest = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"api","namespace":"shop"}},"spec":{{"template":{{"spec":{{"containers":[{{"name":"api","image":"x:1","env":[{{"name":"OLD_PASSWORD","value":"{old}"}}]}}]}}}}}}}}'
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
      - name: api
        image: registry.invalid/api:1.0
        env:
        - name: DB_PASSWORD
          value: {pw}
        - name: GITHUB_TOKEN
          value: {gh}
        - name: LOG_LEVEL
          value: debug
        - name: API_TOKEN
          value: my-token
        - name: CommandGitAskPass
          value: argocd-git-ask-pass
        - name: FROM_SECRET
          valueFrom:
            secretKeyRef: {{name: db, key: password}}
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
data:
  password: {pw_b64}
  username: {user_b64}
stringData:
  api-key: {api}
  url: https://github.com/argoproj
  bearerToken: my-token
  sshPrivateKey: |
    -----BEGIN OPENSSH PRIVATE KEY-----
    ...
    -----END OPENSSH PRIVATE KEY-----
  grafana.ini: |
    [date_formats]
    default_timezone = UTC
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"token","namespace":"shop"}},"stringData":{{"token":"{gh}"}}}}'
type: Opaque
"#,
        pw_b64 = b64(&pw),
        user_b64 = b64("shop"),
    );
    std::fs::write(d.path().join("app.yaml"), &manifest).unwrap();

    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "-f", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    let secrets: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = palisade()
        .current_dir(d.path())
        .args(["scan", ".", "--format", "json", "--fail-on", "none"])
        .args(["--check", "env-literal-secret,kubernetes-secret-data"])
        .output()
        .unwrap();
    let scan_text = String::from_utf8(out.stdout).unwrap();
    let scan: Value =
        serde_json::from_str(&scan_text).unwrap_or_else(|e| panic!("{e}: {scan_text}"));

    let ids = ["env-literal-secret", "kubernetes-secret-data"];
    let from_secrets: BTreeSet<_> = secrets["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ids.contains(&f["rule"].as_str().unwrap()))
        .map(|f| {
            let p = parse(f["rule"].as_str().unwrap(), f["note"].as_str().unwrap());
            assert_eq!(f["key"].as_str(), Some(p.2.as_str()), "{f}");
            p
        })
        .collect();
    let from_scan: BTreeSet<_> = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ids.contains(&f["id"].as_str().unwrap()))
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            // scan names the object apart from the message
            let object = format!(
                "{} {}",
                f["object"]["kind"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap()
            );
            let what = format!("{object} {}", message.split(" is a ").next().unwrap());
            parse(f["id"].as_str().unwrap(), &what)
        })
        .collect();
    let expected: BTreeSet<_> = [
        ("env-literal-secret", "Deployment api", "DB_PASSWORD", false),
        (
            "env-literal-secret",
            "Deployment api",
            "GITHUB_TOKEN",
            false,
        ),
        ("env-literal-secret", "Deployment api", "OLD_PASSWORD", true),
        ("kubernetes-secret-data", "Secret db", "password", false),
        ("kubernetes-secret-data", "Secret db", "api-key", false),
        ("kubernetes-secret-data", "Secret token", "token", true),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d))
    .collect();
    assert_eq!(from_secrets, expected, "palisade secrets");
    assert_eq!(from_scan, expected, "palisade scan");
    // Nothing else in the manifest is a finding of `secrets` either: the
    // text pass leaves the objects' values to the object analysis.
    assert_eq!(
        secrets["findings"].as_array().unwrap().len(),
        expected.len(),
        "{secrets:#}"
    );
    // No value is printed by either.
    for v in [&pw, &gh, &api, &old] {
        assert!(!scan_text.contains(v.as_str()));
        assert!(!secrets.to_string().contains(v.as_str()));
    }
}

//! Each rule on real-format values (generated here, so no live-looking
//! secret is committed), and the look-alikes it must leave alone.

use base64::Engine;
use palisade_secrets::{Finding, Scanner};

/// A deterministic pseudo-random token over `alphabet`.
fn tok(alphabet: &str, n: usize, seed: u64) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const UPPER32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &str = "0123456789abcdef";

fn scan(path: &str, text: &str) -> Vec<Finding> {
    Scanner::new().scan(path, text.as_bytes())
}

fn rules(path: &str, text: &str) -> Vec<String> {
    scan(path, text).into_iter().map(|f| f.rule).collect()
}

fn pem(kind: &str, seed: u64) -> String {
    let body = tok(B64, 1600, seed);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {kind}-----\n{}\n-----END {kind}-----\n",
        lines.join("\n")
    )
}

fn jwt(seed: u64) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        e.encode(r#"{"alg":"RS256","kid":"k1"}"#),
        e.encode(format!(
            r#"{{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:prod:api","n":"{}"}}"#,
            tok(ALNUM, 8, seed)
        )),
        tok("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 86, seed + 1)
    )
}

#[test]
fn provider_tokens_are_found_with_their_rule() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "settings.py",
            format!("AWS_ACCESS_KEY_ID = \"AKIA{}\"\n", tok(UPPER32, 16, 1)),
            "aws-access-key-id",
        ),
        (
            ".aws/credentials",
            format!("[default]\naws_secret_access_key = {}\n", tok(B64, 40, 2)),
            "aws-secret-access-key",
        ),
        (
            "web/app.js",
            format!("const maps = \"AIza{}\";\n", tok(ALNUM, 35, 3)),
            "gcp-api-key",
        ),
        (
            "appsettings.ini",
            format!(
                "conn=DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={}==;EndpointSuffix=core.windows.net\n",
                tok(B64, 86, 4)
            ),
            "azure-storage-account-key",
        ),
        (
            "azure.env",
            format!(
                "CLIENT_SECRET={}8Q~{}\n",
                tok(ALNUM, 3, 5),
                tok(ALNUM, 34, 6)
            ),
            "azure-ad-client-secret",
        ),
        (
            ".env",
            format!("GITHUB_TOKEN=ghp_{}\n", tok(ALNUM, 36, 7)),
            "github-token",
        ),
        (
            "ci.sh",
            format!("export GH=github_pat_{}\n", tok(ALNUM, 82, 8)),
            "github-fine-grained-token",
        ),
        (
            "ci.yml",
            format!("token: glpat-{}\n", tok(ALNUM, 20, 9)),
            "gitlab-token",
        ),
        (
            "bot.py",
            format!(
                "client = Slack(\"xoxb-{}-{}\")\n",
                tok("0123456789", 12, 10),
                tok(ALNUM, 24, 11)
            ),
            "slack-token",
        ),
        (
            "notify.sh",
            format!(
                "curl -X POST https://hooks.slack.com/services/T{}/B{}/{}\n",
                tok("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8, 12),
                tok("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10, 13),
                tok(ALNUM, 24, 14)
            ),
            "slack-webhook",
        ),
        (
            "billing.rb",
            format!("Stripe.api_key = 'sk_live_{}'\n", tok(ALNUM, 24, 15)),
            "stripe-live-key",
        ),
        (
            "config/twilio.yaml",
            format!("api_key_sid: SK{}\n", tok(HEX, 32, 16)),
            "twilio-api-key",
        ),
        (
            "mail.go",
            format!(
                "key := \"SG.{}.{}\"\n",
                tok(ALNUM, 22, 17),
                tok(ALNUM, 43, 18)
            ),
            "sendgrid-api-key",
        ),
        (
            ".npmrc",
            format!(
                "//registry.npmjs.org/:_authToken=npm_{}\n",
                tok(ALNUM, 36, 19)
            ),
            "npm-token",
        ),
        (
            ".pypirc",
            format!(
                "[pypi]\npassword = pypi-AgEIcHlwaS5vcmc{}\n",
                tok(ALNUM, 60, 20)
            ),
            "pypi-token",
        ),
        (
            "login.sh",
            format!(
                "echo dckr_pat_{} | docker login -u ci --password-stdin\n",
                tok(ALNUM, 27, 21)
            ),
            "docker-hub-token",
        ),
        (
            "vault.env",
            format!("VAULT_TOKEN=hvs.{}\n", tok(ALNUM, 90, 22)),
            "vault-token",
        ),
        (
            "llm.py",
            format!(
                "client = OpenAI(api_key=\"sk-proj-{}\")\n",
                tok(ALNUM, 120, 23)
            ),
            "openai-api-key",
        ),
        (
            "claude.ts",
            format!("const k = 'sk-ant-api03-{}';\n", tok(ALNUM, 93, 24)),
            "anthropic-api-key",
        ),
        ("deploy/id_rsa", pem("RSA PRIVATE KEY", 25), "private-key"),
        (
            "keys/ed25519",
            pem("OPENSSH PRIVATE KEY", 26),
            "private-key",
        ),
        (
            "keys/signing.asc",
            pem("PGP PRIVATE KEY BLOCK", 27),
            "private-key",
        ),
        (
            "client.go",
            format!("req.Header.Set(\"X\", \"{}\")\n", jwt(28)),
            "jwt",
        ),
        (
            "kubeconfig",
            format!(
                "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
                tok(B64, 200, 29),
                tok(B64, 400, 30)
            ),
            "kubeconfig-client-key",
        ),
        (
            "docker-compose.yml",
            format!(
                "  DATABASE_URL: postgres://app:{}@db:5432/app\n",
                tok(ALNUM, 14, 31)
            ),
            "url-password",
        ),
        (
            "config.json",
            format!(
                "{{\"auths\":{{\"registry.example.invalid\":{{\"auth\":\"{}\"}}}}}}\n",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("ci:{}", tok(ALNUM, 20, 32)))
            ),
            "docker-config-auth",
        ),
        (
            "call.sh",
            format!(
                "curl -H \"Authorization: Bearer {}\" https://api.invalid\n",
                tok(ALNUM, 40, 33)
            ),
            "http-authorization",
        ),
        (
            "app.yaml",
            "db:\n  password: Tr0ub4dor&3x\n".to_string(),
            "generic-password",
        ),
        (
            "db.py",
            "DB_PASSWORD = \"hunter22x\"\n".to_string(),
            "generic-password",
        ),
        (
            ".env",
            "SESSION_PASSWORD=#nHF8btaC!V0AU0S\n".to_string(),
            "generic-password",
        ),
        (
            ".env",
            "SESSION_PASSWORD=!1eDQr3Vd7Ftw2D0\n".to_string(),
            "generic-password",
        ),
        (
            "values.yaml",
            format!("oauth:\n  clientSecret: {}\n", tok(ALNUM, 32, 34)),
            "generic-secret",
        ),
    ];
    for (path, text, want) in cases {
        let found = scan(path, &text);
        assert_eq!(
            found.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            vec![want],
            "{path}: {text}"
        );
        let f = &found[0];
        assert!(f.line >= 1 && f.column >= 1);
        // The value never appears in the finding.
        let json = serde_json::to_string(f).unwrap();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.len() >= 12 && word.bytes().any(|b| b.is_ascii_digit()) {
                assert!(!json.contains(word), "{path}: {word} leaked in {json}");
            }
        }
    }
}

#[test]
fn stripe_test_keys_are_low() {
    let f = scan(
        "pay.py",
        &format!("stripe.api_key = \"sk_test_{}\"\n", tok(ALNUM, 24, 40)),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "stripe-test-key");
    assert_eq!(f[0].severity, palisade_findings::Severity::Low);
    assert_eq!(f[0].redacted, "sk_test_****************");
}

#[test]
fn gcp_service_account_json_is_one_finding() {
    let key = pem("PRIVATE KEY", 41).replace('\n', "\\n");
    let text = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{key}\",\n  \"client_email\": \"ci@acme-prod.iam.gserviceaccount.invalid\"\n}}\n",
        tok(HEX, 40, 42)
    );
    let f = scan("ci/sa.json", &text);
    assert_eq!(
        f.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["gcp-service-account"]
    );
    assert_eq!(f[0].line, 5);
}

#[test]
fn look_alikes_are_left_alone() {
    let cases: Vec<(&str, String)> = vec![
        ("app.py", "password = os.environ[\"DB_PASSWORD\"]\n".into()),
        ("app.py", "password = getpass.getpass()\n".into()),
        ("login.ts", "interface Login { password: string; token: string }\n".into()),
        ("values.yaml", "password: ${DB_PASSWORD}\nauth:\n  existingSecret: postgres-credentials\n  secretName: my-db-secret\n".into()),
        ("oauth.yaml", "token_type: bearer\ntoken_url: https://auth.invalid/token\n".into()),
        ("ids.json", "{\"id\": \"3fa85f64-5717-4562-b3fc-2c963f66afa6\", \"commit\": \"9fceb02d0ae598e95dc970b74767f19372d61af8\"}\n".into()),
        ("checksums.txt", format!("sha256: {}\n", tok(HEX, 64, 50))),
        ("package-lock.json", format!("\"integrity\": \"sha512-{}==\"\n", tok(B64, 86, 51))),
        ("docs/aws.md", "Use AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.\n".into()),
        ("ca.crt", pem("CERTIFICATE", 52)),
        ("pub.pem", pem("PUBLIC KEY", 53)),
        ("index.html", format!("<img src=\"data:image/png;base64,{}\">\n", tok(B64, 3000, 54))),
        ("compose.yml", "DATABASE_URL: postgres://app:${DB_PASS}@db/app\nREDIS: redis://:@cache:6379\n".into()),
        ("fake.js", format!("const t = \"eyJ{}.eyJ{}.{}\";\n", tok(ALNUM, 20, 55), tok(ALNUM, 30, 56), tok(ALNUM, 40, 57))),
        ("login.py", "if password == \"\":\n    pass\n".into()),
        ("settings.yaml", "password: changeme\napi_key: <your-api-key>\nsecret: xxxxxxxxxxxxxxxx\n".into()),
        ("deploy.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ=\n".into()),
        ("task.go", "const DiskMask = \"SKIP\"\nfunc ask() {}\n".into()),
        ("keys.rs", "let api_key = config.api_key.clone();\n".into()),
        ("env.sh", "export API_TOKEN=$API_TOKEN_FROM_VAULT\n".into()),
        ("url.rs", "/// let url = Url::parse(\"ftp://rms:secret123@example.com\")?;\n".into()),
        ("values.yaml", "password: # set by the operator\nsecret_token:   #TODO-rotate-me-later\n".into()),
    ];
    for (path, text) in cases {
        let found = rules(path, &text);
        assert!(found.is_empty(), "{path}: {found:?} in {text}");
    }
}

#[test]
fn kubernetes_objects() {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let aws = format!("AKIA{}", tok(UPPER32, 16, 60));
    let text = format!(
        "apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: {}
  aws: {}
stringData:
  api: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: api
        env:
        - name: DB_PASSWORD
          value: {}
        - name: LOG_LEVEL
          value: debug
        - name: FROM_SECRET
          valueFrom:
            secretKeyRef: {{name: db, key: password}}
",
        b64("pg-Pa55word-9"),
        b64(&aws),
        tok(ALNUM, 24, 61),
        "Sup3rS3cret!x"
    );
    let found = scan("deploy/app.yaml", &text);
    let got: Vec<(&str, u32, Option<&str>)> = found
        .iter()
        .map(|f| (f.rule.as_str(), f.line, f.key.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("kubernetes-secret-data", 6, Some("password")),
            ("kubernetes-secret-data", 7, Some("aws")),
            ("kubernetes-secret-data", 9, Some("api")),
            ("env-literal-secret", 22, Some("DB_PASSWORD")),
        ]
    );
    // the object's id, the format as evidence, the format's severity
    assert_eq!(found[1].evidence.as_deref(), Some("aws-access-key-id"));
    assert_eq!(found[1].severity, palisade_findings::Severity::Critical);
    assert!(found[1].note.as_deref().unwrap().contains("base64-decoded"));
}

#[test]
fn last_applied_annotation_is_read() {
    let inner = r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"pg-Pa55word-9"}}"#;
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{inner}'\ntype: Opaque\n"
    );
    let found = scan("dump.yaml", &text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, "kubernetes-secret-data");
    assert_eq!(found[0].line, 6);
    assert!(
        found[0]
            .note
            .as_deref()
            .unwrap()
            .contains("last-applied-configuration")
    );
}

#[test]
fn test_paths_are_info_and_binaries_are_skipped() {
    let text = format!("key = \"AKIA{}\"\n", tok(UPPER32, 16, 70));
    let f = scan("tests/fixtures/keys.py", &text);
    assert_eq!(f.len(), 1);
    assert!(f[0].test_fixture);
    assert_eq!(f[0].severity, palisade_findings::Severity::Info);
    let mut bin = text.into_bytes();
    bin.insert(0, 0);
    assert!(Scanner::new().scan("app.bin", &bin).is_empty());
}

#[test]
fn huge_lines_and_many_hits_stay_linear() {
    // 4 MB on one line full of keywords: every window is bounded.
    let line = "token=abc password= pass pwd secret: ".repeat(100_000);
    let f = scan("big.txt", &line);
    assert!(f.is_empty());
    let many: String = (0..2000)
        .map(|i| format!("k{i} = \"AKIA{}\"\n", tok(UPPER32, 16, 100 + i)))
        .collect();
    let f = scan("many.py", &many);
    assert_eq!(f.len(), 2000);
    assert_eq!(f[1999].line, 2000);
}

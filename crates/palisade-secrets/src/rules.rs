//! The catalogue of secret rules: what each detects, how it is found, why it
//! matters and what to do. One table, so `palisade secrets --list-rules`, the
//! docs and the scanner read the same data.

use palisade_findings::Severity;

/// How a rule's pattern is applied once one of its keywords is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The token starts `back` bytes before the keyword hit; the pattern
    /// (which starts with `^`) is matched against at most `max` bytes from
    /// there. Cheap: most hits fail on their first bytes.
    Anchored { back: usize, max: usize },
    /// The pattern is matched against the line that holds the hit.
    Line,
    /// The pattern is matched against the whole file (multi-line formats
    /// such as a service-account JSON document).
    File,
    /// Reported by the Kubernetes object pass, not by keywords.
    Object,
}

/// A check of a candidate beyond its pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validate {
    None,
    /// Header and payload are base64url JSON objects; the header names `alg`.
    Jwt,
    /// The value is base64 of `user:password` with a non-empty password.
    BasicAuth,
    /// A PEM body with enough base64 in it (not `...` or a placeholder).
    PemBody,
}

/// One kind of secret.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Lower-case ASCII words; any of them (case-insensitively) wakes the rule.
    pub keywords: &'static [&'static str],
    pub mode: Mode,
    /// The secret is the `secret` group, else the whole match. Generic rules
    /// also name the `key` and the opening quote `q`.
    pub pattern: &'static str,
    /// Shannon entropy (bits per byte) the secret must reach.
    pub min_entropy: f32,
    /// Leading characters of the token that are a public, fixed prefix and
    /// may be shown (`AKIA`, `ghp_`); the rest is always masked.
    pub shown_prefix: usize,
    /// The token must not touch a letter or digit on either side.
    pub boundary: bool,
    /// A `key = value` assignment found by the key's name: placeholders and
    /// references are skipped, and in program code the value must be quoted.
    pub generic: bool,
    pub validate: Validate,
    /// When two findings cover the same bytes, the higher priority stays.
    pub priority: u8,
    pub why: &'static str,
    pub fix: &'static str,
}

const ROTATE: &str = "Revoke and rotate the credential first (it is in the history), then remove it from the file and load it at run time from a secret store or a Kubernetes Secret that is not committed (External Secrets, Sealed Secrets, SOPS).";

// The two object rules, shared with `palisade scan`'s checks of the same
// ids (see [`crate::object`]).
pub const SECRET_DATA_TITLE: &str = "Kubernetes Secret with a credential in the file";
pub const SECRET_DATA_WHY: &str = "base64 is an encoding, not encryption: a Secret manifest committed to git gives its values to everyone who can read the repository, for ever.";
pub const SECRET_DATA_FIX: &str = "Rotate the values, remove the Secret from the repository, and commit an ExternalSecret, a SealedSecret or a SOPS-encrypted file instead.";
pub const ENV_LITERAL_TITLE: &str = "Credential as a literal container environment value";
pub const ENV_LITERAL_WHY: &str = "A literal env value is stored in the pod spec: it is in git history, CI logs and `kubectl get -o yaml` output, readable by anyone who can read the workload (and the last-applied annotation, and etcd backups), while Secrets exist so that access to credentials can be controlled and rotated separately.";
pub const ENV_LITERAL_FIX: &str = "Move the value into a Secret created outside git (External Secrets, Sealed Secrets) and reference it: env[].valueFrom.secretKeyRef {name, key}; rotate the exposed credential.";

/// Every rule, in the order the report lists them.
pub static RULES: &[Rule] = &[
    Rule {
        id: "aws-access-key-id",
        title: "AWS access key ID",
        severity: Severity::Critical,
        keywords: &["akia", "asia", "abia", "acca"],
        mode: Mode::Anchored { back: 0, max: 20 },
        pattern: r"^(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
        min_entropy: 2.5,
        shown_prefix: 4,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Identifies an AWS IAM key pair; with its secret key it gives the key's full AWS permissions.",
        fix: ROTATE,
    },
    Rule {
        id: "aws-secret-access-key",
        title: "AWS secret access key",
        severity: Severity::Critical,
        keywords: &["aws"],
        mode: Mode::Line,
        pattern: r#"(?i)aws[a-z0-9_.\-]{0,20}?(?:secret|sk)[a-z0-9_.\-]{0,20}?["']?\s*(?::=|=>|[:=])\s*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        min_entropy: 4.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Signs AWS API requests: whoever holds it acts as the IAM user or role.",
        fix: ROTATE,
    },
    Rule {
        id: "gcp-service-account",
        title: "Google Cloud service-account key",
        severity: Severity::Critical,
        keywords: &["service_account"],
        mode: Mode::File,
        pattern: r#""private_key"\s*:\s*"(?P<secret>-----BEGIN[ A-Z]*PRIVATE KEY-----[^"]{64,})""#,
        min_entropy: 4.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::PemBody,
        priority: 3,
        why: "A service-account JSON key authenticates as that account to every Google Cloud API it is granted.",
        fix: "Delete the key in IAM (gcloud iam service-accounts keys delete), then use Workload Identity instead of exported keys.",
    },
    Rule {
        id: "gcp-api-key",
        title: "Google API key",
        severity: Severity::High,
        keywords: &["aiza"],
        mode: Mode::Anchored { back: 0, max: 39 },
        pattern: r"^AIza[0-9A-Za-z_\-]{35}",
        min_entropy: 3.5,
        shown_prefix: 4,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Bills and authorises Google APIs for the project that owns it.",
        fix: ROTATE,
    },
    Rule {
        id: "azure-storage-account-key",
        title: "Azure storage account key",
        severity: Severity::Critical,
        keywords: &["accountkey="],
        mode: Mode::Anchored { back: 0, max: 100 },
        pattern: r"^(?i:accountkey)=(?P<secret>[A-Za-z0-9+/]{86}==)",
        min_entropy: 4.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Full read and write access to every blob, queue, table and file share of the storage account.",
        fix: ROTATE,
    },
    Rule {
        id: "azure-ad-client-secret",
        title: "Microsoft Entra ID (Azure AD) client secret",
        severity: Severity::High,
        keywords: &["q~"],
        mode: Mode::Anchored { back: 4, max: 40 },
        pattern: r"^[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.\-]{31,34}",
        min_entropy: 3.5,
        shown_prefix: 0,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Authenticates as the application registration to Microsoft Graph and Azure.",
        fix: ROTATE,
    },
    Rule {
        id: "github-token",
        title: "GitHub token",
        severity: Severity::High,
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        mode: Mode::Anchored { back: 0, max: 40 },
        pattern: r"^gh[pousr]_[A-Za-z0-9]{36}",
        min_entropy: 3.5,
        shown_prefix: 4,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Acts as the GitHub user or app: code, packages and workflows of every repository it can reach.",
        fix: ROTATE,
    },
    Rule {
        id: "github-fine-grained-token",
        title: "GitHub fine-grained personal access token",
        severity: Severity::High,
        keywords: &["github_pat_"],
        mode: Mode::Anchored { back: 0, max: 93 },
        pattern: r"^github_pat_[A-Za-z0-9_]{82}",
        min_entropy: 3.5,
        shown_prefix: 11,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Acts as the GitHub user on the repositories the token was granted.",
        fix: ROTATE,
    },
    Rule {
        id: "gitlab-token",
        title: "GitLab token",
        severity: Severity::High,
        keywords: &["glpat-", "glptt-", "gldt-", "glrt-"],
        mode: Mode::Anchored { back: 0, max: 56 },
        pattern: r"^gl(?:pat|ptt|dt|rt)-[A-Za-z0-9_\-]{20,50}",
        min_entropy: 3.5,
        shown_prefix: 6,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Acts on GitLab with the token's scopes: repositories, registries, CI.",
        fix: ROTATE,
    },
    Rule {
        id: "slack-token",
        title: "Slack token",
        severity: Severity::High,
        keywords: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"],
        mode: Mode::Anchored { back: 0, max: 256 },
        pattern: r"^xox[bpares]-[0-9A-Za-z\-]{10,250}",
        min_entropy: 3.0,
        shown_prefix: 5,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Reads and posts in the Slack workspace as the bot or user.",
        fix: ROTATE,
    },
    Rule {
        id: "slack-webhook",
        title: "Slack incoming webhook",
        severity: Severity::Medium,
        keywords: &["hooks.slack.com/"],
        mode: Mode::Anchored { back: 0, max: 100 },
        pattern: r"^hooks\.slack\.com/services/(?P<secret>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})",
        min_entropy: 3.5,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Anyone with the URL can post into the channel (phishing from a trusted source).",
        fix: ROTATE,
    },
    Rule {
        id: "stripe-live-key",
        title: "Stripe live secret key",
        severity: Severity::Critical,
        keywords: &["sk_live_", "rk_live_"],
        mode: Mode::Anchored { back: 0, max: 107 },
        pattern: r"^[sr]k_live_[0-9A-Za-z]{24,99}",
        min_entropy: 3.5,
        shown_prefix: 8,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Moves money: charges, refunds and payouts on the live Stripe account.",
        fix: ROTATE,
    },
    Rule {
        id: "stripe-test-key",
        title: "Stripe test secret key",
        severity: Severity::Low,
        keywords: &["sk_test_", "rk_test_"],
        mode: Mode::Anchored { back: 0, max: 107 },
        pattern: r"^[sr]k_test_[0-9A-Za-z]{24,99}",
        min_entropy: 3.5,
        shown_prefix: 8,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Test-mode keys move no money but expose the account's test data and configuration.",
        fix: ROTATE,
    },
    Rule {
        id: "twilio-api-key",
        title: "Twilio API key",
        severity: Severity::High,
        keywords: &["sk"],
        mode: Mode::Anchored { back: 0, max: 34 },
        pattern: r"^SK[0-9a-fA-F]{32}",
        min_entropy: 3.0,
        shown_prefix: 2,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Sends messages and calls billed to the Twilio account.",
        fix: ROTATE,
    },
    Rule {
        id: "sendgrid-api-key",
        title: "SendGrid API key",
        severity: Severity::High,
        keywords: &["sg."],
        mode: Mode::Anchored { back: 0, max: 69 },
        pattern: r"^SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
        min_entropy: 3.5,
        shown_prefix: 3,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Sends mail as the organisation's verified domains.",
        fix: ROTATE,
    },
    Rule {
        id: "npm-token",
        title: "npm access token",
        severity: Severity::High,
        keywords: &["npm_"],
        mode: Mode::Anchored { back: 0, max: 40 },
        pattern: r"^npm_[A-Za-z0-9]{36}",
        min_entropy: 3.5,
        shown_prefix: 4,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Publishes packages as the npm user: a supply-chain attack on everyone who installs them.",
        fix: ROTATE,
    },
    Rule {
        id: "pypi-token",
        title: "PyPI upload token",
        severity: Severity::High,
        keywords: &["pypi-ageichlwas5vcmc"],
        mode: Mode::Anchored { back: 0, max: 256 },
        pattern: r"^pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,230}",
        min_entropy: 3.5,
        shown_prefix: 5,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Uploads releases of the PyPI projects it is scoped to.",
        fix: ROTATE,
    },
    Rule {
        id: "docker-hub-token",
        title: "Docker Hub personal access token",
        severity: Severity::High,
        keywords: &["dckr_pat_"],
        mode: Mode::Anchored { back: 0, max: 64 },
        pattern: r"^dckr_pat_[A-Za-z0-9_\-]{27,50}",
        min_entropy: 3.5,
        shown_prefix: 9,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Pushes images to the account's repositories: whoever holds it can replace what the cluster pulls.",
        fix: ROTATE,
    },
    Rule {
        id: "vault-token",
        title: "HashiCorp Vault token",
        severity: Severity::High,
        keywords: &["hvs.", "hvb."],
        mode: Mode::Anchored { back: 0, max: 200 },
        pattern: r"^hv[sb]\.[A-Za-z0-9_\-]{24,190}",
        min_entropy: 3.5,
        shown_prefix: 4,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Reads every secret its Vault policies allow.",
        fix: ROTATE,
    },
    Rule {
        id: "openai-api-key",
        title: "OpenAI API key",
        severity: Severity::High,
        keywords: &["sk-proj-", "sk-svcacct-", "sk-admin-"],
        mode: Mode::Anchored { back: 0, max: 220 },
        pattern: r"^sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,200}",
        min_entropy: 3.5,
        shown_prefix: 8,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Spends the organisation's API credit and reads its files and fine-tunes.",
        fix: ROTATE,
    },
    Rule {
        id: "anthropic-api-key",
        title: "Anthropic API key",
        severity: Severity::High,
        keywords: &["sk-ant-"],
        mode: Mode::Anchored { back: 0, max: 120 },
        pattern: r"^sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,100}",
        min_entropy: 3.5,
        shown_prefix: 7,
        boundary: true,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Spends the organisation's API credit.",
        fix: ROTATE,
    },
    Rule {
        id: "private-key",
        title: "Private key (PEM, OpenSSH, PGP)",
        severity: Severity::Critical,
        keywords: &["-----begin"],
        mode: Mode::Anchored {
            back: 0,
            max: 32 << 10,
        },
        pattern: r"^-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----(?P<secret>(?:\\[nr]|[\s\x20A-Za-z0-9+/=:,.\-])+?)-----END",
        min_entropy: 4.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::PemBody,
        priority: 2,
        why: "Whoever has the private key can impersonate the server or user it identifies and decrypt what was sent to it.",
        fix: "Replace the key pair (new key, new certificate or authorized_keys entry), then mount the key from a Secret or a secret store instead of committing it.",
    },
    Rule {
        id: "jwt",
        title: "JSON Web Token",
        severity: Severity::Medium,
        keywords: &["eyj"],
        mode: Mode::Anchored {
            back: 0,
            max: 8 << 10,
        },
        pattern: r"^eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,}",
        min_entropy: 3.5,
        shown_prefix: 0,
        boundary: true,
        generic: false,
        validate: Validate::Jwt,
        priority: 2,
        why: "A signed bearer token (a Kubernetes service-account token is one): valid until it expires, for whoever presents it.",
        fix: "Revoke it (for a service-account token: delete its Secret or rotate the signing key) and stop committing tokens; mount projected tokens instead.",
    },
    Rule {
        id: "kubeconfig-client-key",
        title: "Kubeconfig with an embedded client key",
        severity: Severity::Critical,
        keywords: &["client-key-data"],
        mode: Mode::Anchored {
            back: 0,
            max: 16 << 10,
        },
        pattern: r#"^client-key-data["']?\s*:\s*["']?(?P<secret>[A-Za-z0-9+/=]{40,})"#,
        min_entropy: 4.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::None,
        priority: 3,
        why: "Authenticates to the API server as the certificate's user and groups (often system:masters) until the certificate expires: client certificates cannot be revoked.",
        fix: "Remove the user from the cluster's trust (rotate the CA or, on managed clusters, the credentials), and hand out kubeconfigs that use an exec or OIDC plugin instead.",
    },
    Rule {
        id: "url-password",
        title: "Password in a URL",
        severity: Severity::High,
        keywords: &["://"],
        mode: Mode::Anchored { back: 0, max: 400 },
        pattern: r#"^://[^\s:/@"'?#<>{}$]{1,128}:(?P<secret>[^\s:/@"'?#<>]{3,128})@[A-Za-z0-9\[][^\s/"'?#<>]{0,120}"#,
        min_entropy: 1.5,
        shown_prefix: 0,
        boundary: false,
        generic: true,
        validate: Validate::None,
        priority: 2,
        why: "A connection string with its password (database, broker, registry, git remote) gives its access to whoever reads the file.",
        fix: "Change the password, then build the URL at run time from a Secret (valueFrom.secretKeyRef) or use the client's separate password setting.",
    },
    Rule {
        id: "docker-config-auth",
        title: "Registry credentials in a Docker config",
        severity: Severity::High,
        keywords: &["\"auth\""],
        mode: Mode::Anchored { back: 0, max: 1024 },
        pattern: r#"^"auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/=]{8,})""#,
        min_entropy: 2.5,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::BasicAuth,
        priority: 3,
        why: "Pulls (and often pushes) images as the registry user.",
        fix: ROTATE,
    },
    Rule {
        id: "http-authorization",
        title: "HTTP Authorization header value",
        severity: Severity::Medium,
        keywords: &["authorization"],
        mode: Mode::Line,
        pattern: r#"(?i)authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+(?P<secret>[A-Za-z0-9._~+/=\-]{16,})"#,
        min_entropy: 3.0,
        shown_prefix: 0,
        boundary: false,
        generic: true,
        validate: Validate::None,
        priority: 1,
        why: "A literal bearer or basic credential sent with every request of that client.",
        fix: ROTATE,
    },
    Rule {
        id: "generic-password",
        title: "Password assigned in code or configuration",
        severity: Severity::Medium,
        keywords: &["pass", "pwd"],
        mode: Mode::Line,
        pattern: r#"(?i)(?P<key>[a-z0-9_.\-]*(?:pass(?:word|wd|phrase)?|pwd))["']?\s*(?::=|=>|[:=])\s*(?P<q>["'`]?)(?P<secret>[^\s"'`,;:][^\s"'`,;]{5,199})"#,
        min_entropy: 1.5,
        shown_prefix: 0,
        boundary: false,
        generic: true,
        validate: Validate::None,
        priority: 0,
        why: "A literal password in a file is readable by everyone with access to the repository, the image or the object.",
        fix: ROTATE,
    },
    Rule {
        id: "generic-secret",
        title: "Secret, token or API key assigned in code or configuration",
        severity: Severity::Medium,
        keywords: &[
            "secret",
            "token",
            "api_key",
            "apikey",
            "api-key",
            "access_key",
            "accesskey",
            "access-key",
            "auth_key",
            "private_key",
            "credential",
            "signing",
            "encryption",
            "hmac",
            "master",
        ],
        mode: Mode::Line,
        pattern: r#"(?i)(?P<key>[a-z0-9_.\-]*(?:secret|token|api[_.\-]?key|access[_.\-]?key|auth[_.\-]?key|private[_.\-]?key|secret[_.\-]?key|(?:signing|encryption|hmac|master)[_.\-]?key|credentials?))["']?\s*(?::=|=>|[:=])\s*(?P<q>["'`]?)(?P<secret>[^\s"'`,;:][^\s"'`,;]{11,399})"#,
        min_entropy: 3.3,
        shown_prefix: 0,
        boundary: false,
        generic: true,
        validate: Validate::None,
        priority: 0,
        why: "A high-entropy literal assigned to a secret-named setting is almost always a live credential.",
        fix: ROTATE,
    },
    Rule {
        id: crate::object::SECRET_DATA,
        title: SECRET_DATA_TITLE,
        severity: Severity::High,
        keywords: &[],
        mode: Mode::Object,
        pattern: "",
        min_entropy: 0.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::None,
        priority: 1,
        why: SECRET_DATA_WHY,
        fix: SECRET_DATA_FIX,
    },
    Rule {
        id: crate::object::ENV_LITERAL,
        title: ENV_LITERAL_TITLE,
        severity: Severity::High,
        keywords: &[],
        mode: Mode::Object,
        pattern: "",
        min_entropy: 0.0,
        shown_prefix: 0,
        boundary: false,
        generic: false,
        validate: Validate::None,
        priority: 1,
        why: ENV_LITERAL_WHY,
        fix: ENV_LITERAL_FIX,
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

pub(crate) fn index(id: &str) -> usize {
    RULES
        .iter()
        .position(|r| r.id == id)
        .expect("rule ids used in the code are in the table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_patterns_compile() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            if r.mode == Mode::Object {
                assert!(r.keywords.is_empty() && r.pattern.is_empty(), "{}", r.id);
                continue;
            }
            assert!(!r.keywords.is_empty(), "{} has no keyword", r.id);
            for k in r.keywords {
                assert_eq!(
                    *k,
                    k.to_ascii_lowercase(),
                    "{}: keywords are lower case",
                    r.id
                );
            }
            regex::bytes::Regex::new(r.pattern).unwrap_or_else(|e| panic!("{}: {e}", r.id));
            if let Mode::Anchored { .. } = r.mode {
                assert!(r.pattern.starts_with('^'), "{} is anchored", r.id);
            }
            if r.generic && r.id.starts_with("generic") {
                assert!(r.pattern.contains("(?P<key>") && r.pattern.contains("(?P<q>"));
            }
        }
    }
}

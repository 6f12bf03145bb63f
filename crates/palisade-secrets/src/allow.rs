//! What is not a secret although it looks like one: placeholders, references
//! to where the real value lives, identifiers, and files that are test
//! fixtures.

/// Substrings that mark a value as a placeholder or a reference.
const PLACEHOLDER_PARTS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "placeholder",
    "dummy",
    "redacted",
    "your_",
    "your-",
    "yourpass",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "xxxx",
    "****",
    "...",
    "…",
    "fake",
    "sample",
    "insert_",
    "insert-",
    "replace_",
    "replace-",
    "replaceme",
    "enc[",
    "vault:",
    "ref+",
    "secretsmanager",
];

/// Whole values that are words, not secrets.
const PLACEHOLDER_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api_key",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "test",
    "testing",
    "string",
    "required",
    "optional",
    "default",
    "unknown",
    "notset",
    "not_set",
    "%s",
    "%v",
];

/// Parts that mark even a provider token (whose random part could spell a
/// word by chance) as documentation.
const TOKEN_PLACEHOLDER_PARTS: &[&str] = &["example", "xxxxx", "*****", "<", "${", "{{"];

/// A provider token that is documentation: the vendors' own examples,
/// masked or templated values.
pub fn is_placeholder_token(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let lower = s.to_ascii_lowercase();
    if TOKEN_PLACEHOLDER_PARTS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let first = v.first().copied();
    first.is_some() && v.iter().all(|&b| Some(b) == first)
}

/// A value that stands for a secret rather than being one.
pub fn is_placeholder(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let lower = s.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) {
        return true;
    }
    if PLACEHOLDER_PARTS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    // One character repeated (`aaaaaaaa`, `00000000`).
    let first = v.first().copied();
    first.is_some() && v.iter().all(|&b| Some(b) == first)
}

/// Words that name a secret rather than being one: `my-password`,
/// `my_token`, `argocd-git-ask-pass`, `grafana_admin_password`,
/// `your-api-key` — only letters and separators, and either a `my`/`your`
/// prefix or a credential word among them.
pub fn names_a_secret(v: &[u8]) -> bool {
    if !is_wordish(v) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let words: Vec<&[u8]> = lower.split(|c| matches!(c, b'-' | b'_' | b'.')).collect();
    if words.len() > 1 && matches!(words[0], b"my" | b"your" | b"the" | b"some") {
        return true;
    }
    const WORDS: &[&str] = &[
        "pass",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "key",
        "apikey",
        "cred",
        "creds",
        "credential",
        "credentials",
        "auth",
    ];
    words
        .iter()
        .any(|w| WORDS.iter().any(|x| x.as_bytes() == *w))
        || words.len() == 1
            && ["password", "secret", "token"]
                .iter()
                .any(|x| memchr::memmem::find(&lower, x.as_bytes()).is_some())
}

/// Values made up for documentation rather than generated: a run of six
/// or more consecutive characters (`abcdef123456`, `ABCDEFG1234567890`),
/// `abc123`, or base64 of plain words (`c3Ryb25nLXBhc3N3b3Jk` is
/// `strong-password`). For detection only: redaction still hides them.
pub fn looks_made_up(v: &[u8]) -> bool {
    let mut run = 1;
    for w in v.windows(2) {
        if w[0].is_ascii_alphanumeric()
            && w[1] == w[0].wrapping_add(1)
            && w[1].is_ascii_alphanumeric()
        {
            run += 1;
            if run >= 6 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    if v.eq_ignore_ascii_case(b"abc123") {
        return true;
    }
    use base64::Engine;
    v.len() >= 8
        && base64::engine::general_purpose::STANDARD
            .decode(v)
            .is_ok_and(|d| d.len() >= 5 && is_wordish(&d))
}

/// What a generic `key = value` candidate must also pass: the value is a
/// literal, not a reference, an identifier or a path.
pub fn generic_value_ok(v: &[u8], quoted: Option<bool>, code: bool, key: Option<&str>) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    if let Some(false) = quoted
        && code
    {
        // `password = getenv(...)`, `token: string`: program code assigns
        // literals in quotes.
        return false;
    }
    // A YAML tag (`!vault`, `!Ref`) names where the value comes from.
    if let Some(tag) = s.strip_prefix('!')
        && tag.bytes().all(|c| c.is_ascii_alphabetic())
    {
        return false;
    }
    if s.starts_with([
        '$', '%', '@', '&', '*', '|', '>', '{', '[', '(', '=', '?', '+',
    ]) || s.contains(['(', ')', '{', '}'])
        || s.contains("::")
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with('/')
        || lower.starts_with("./")
        || lower.starts_with("~/")
        || lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("file:")
        || lower.starts_with("arn:")
        || lower.starts_with("projects/")
    {
        return false;
    }
    const FILE_ENDINGS: &[&str] = &[
        ".txt",
        ".pem",
        ".key",
        ".json",
        ".crt",
        ".cer",
        ".yaml",
        ".yml",
        ".env",
        ".p12",
        ".pfx",
        ".jks",
        ".der",
        ".conf",
        ".properties",
        ".secret",
        ".file",
    ];
    if FILE_ENDINGS.iter().any(|e| lower.ends_with(e)) {
        return false;
    }
    if let Some(k) = key
        && k.eq_ignore_ascii_case(s)
    {
        return false;
    }
    if is_identifier(s) {
        return false;
    }
    true
}

/// Names rather than values: `DB_PASSWORD`, `config.db.password`,
/// `my-secret-name`, `mySecretName`, all-digit numbers.
fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    // Upper snake case: an environment variable's name.
    if b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && b.contains(&b'_')
    {
        return true;
    }
    // Dotted paths of identifiers: `settings.db.password`, `os.environ`.
    if b.contains(&b'.')
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.as_bytes()[0].is_ascii_alphabetic()
                && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
        && s.split('.').count() >= 2
        && !b.iter().any(u8::is_ascii_digit)
    {
        return true;
    }
    false
}

/// Words-only values (`my-db-secret`, `existingSecret`) carry no entropy of
/// their own: generic secrets must not be only letters and separators in
/// one case pattern of ordinary words.
pub fn is_wordish(s: &[u8]) -> bool {
    if s.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let parts: Vec<&[u8]> = s.split(|c| matches!(c, b'-' | b'_' | b'.')).collect();
    parts.iter().all(|p| {
        !p.is_empty()
            && p.iter().all(u8::is_ascii_alphabetic)
            && (p.iter().all(u8::is_ascii_lowercase)
                || p.iter().all(u8::is_ascii_uppercase)
                // camelCase and PascalCase: capitals only at word starts.
                || camel(p))
    })
}

fn camel(p: &[u8]) -> bool {
    // Every word has at least two lower-case letters after its capital.
    let mut run = 0;
    for (i, c) in p.iter().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && run < 2 {
                return false;
            }
            run = 0;
        } else {
            run += 1;
        }
    }
    run >= 2
}

/// Test code and fixtures: findings there are reported as `info`.
pub fn is_test_path(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "testdata",
        "test-data",
        "test_data",
        "fixtures",
        "fixture",
        "__tests__",
        "__fixtures__",
        "__mocks__",
        "mocks",
        "spec",
        "specs",
        "testing",
        "e2e",
        "example",
        "examples",
        "sample",
        "samples",
        // documentation: its values are examples
        "doc",
        "docs",
        "documentation",
    ];
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split(['/', '\\']).filter(|p| !p.is_empty());
    let file = parts.next_back().unwrap_or("");
    if parts.any(|d| DIRS.contains(&d)) {
        return true;
    }
    let stem = file.split('.').next().unwrap_or("");
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || file.contains(".test.")
        || file.contains(".spec.")
        || stem.ends_with("test") && file.ends_with(".java")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "${DB_PASSWORD}",
            "<your-token>",
            "AKIAIOSFODNN7EXAMPLE",
            "xxxxxxxxxxxx",
            "********",
            "{{ .Values.password }}",
            "ENC[AES256_GCM,data:abc]",
            "aaaaaaaaaaaaaaaa",
            "Password",
            "...",
            "-----BEGIN KEY-----\n...\n-----END KEY-----",
            "eyJhbGciOiJIUzI1Ni...",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for p in [
            "my-password",
            "my_token",
            "your-api-key",
            "argocd-git-ask-pass",
            "grafana_admin_password",
            "mysecretpassword",
            "secret-password",
        ] {
            assert!(names_a_secret(p.as_bytes()), "{p}");
        }
        for s in [
            "hunter",
            "correct-horse-battery",
            "q8Hf2kLm9Zt4Xw",
            "s3cr3t-Pa55",
        ] {
            assert!(!names_a_secret(s.as_bytes()), "{s}");
        }
        for p in [
            "abcdef123456",
            "ABCDEFG1234567890abcdefg",
            "abc123",
            "c3Ryb25nLXBhc3N3b3Jk",
            "aGVsbG8td29ybGQ=",
        ] {
            assert!(looks_made_up(p.as_bytes()), "{p}");
        }
        for s in [
            "q8Hf2kLm9Zt4Xw7PvB3n",
            "hunter22",
            "UGvTjXVFAQ8EkMv2x4GbPcrEwrJGWZ0s",
        ] {
            assert!(!looks_made_up(s.as_bytes()), "{s}");
        }
        for s in ["hunter22", "s3cr3t-Pa55", "ghp_abc", "AKIAZ7Q3MVX2K4RT5JLB"] {
            assert!(!is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn generic_values() {
        assert!(generic_value_ok(b"hunter22", Some(true), true, None));
        assert!(!generic_value_ok(b"hunter22", Some(false), true, None));
        assert!(generic_value_ok(b"hunter22", Some(false), false, None));
        for v in [
            "DB_PASSWORD",
            "settings.db.password",
            "getpass()",
            "/run/secrets/db",
            "token.txt",
            "123456789012",
            "$PASSWORD",
        ] {
            assert!(
                !generic_value_ok(v.as_bytes(), Some(false), false, None),
                "{v}"
            );
        }
        assert!(!generic_value_ok(
            b"password",
            None,
            false,
            Some("password")
        ));
    }

    #[test]
    fn words() {
        assert!(is_wordish(b"my-db-secret"));
        assert!(is_wordish(b"existingSecret"));
        assert!(is_wordish(b"GITHUB_TOKEN"));
        assert!(!is_wordish(b"q8Hf2kLm9Zt4Xw"));
        assert!(!is_wordish(b"aBcDeFgHiJkL"));
    }

    #[test]
    fn test_paths() {
        assert!(is_test_path("src/tests/keys.py"));
        assert!(is_test_path("pkg/auth/token_test.go"));
        assert!(is_test_path("web/src/api.spec.ts"));
        assert!(is_test_path("testdata/creds.json"));
        assert!(is_test_path(
            "docs/operator-manual/argocd-repositories.yaml"
        ));
        assert!(is_test_path("doc/setup.md"));
        assert!(!is_test_path("src/docker/app.py"));
        assert!(!is_test_path("src/contest/app.py"));
        assert!(!is_test_path("deploy/app.yaml"));
    }
}

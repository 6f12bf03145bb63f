//! Secret values never leave palisade: outputs that would print a
//! ConfigMap's or Secret's data keep the keys and blank the values.

use serde_json::Value;

/// The placeholder printed instead of a value.
pub const REDACTED: &str = "<redacted>";

fn blank_map(v: &mut Value) {
    if let Value::Object(m) = v {
        for (_, x) in m.iter_mut() {
            *x = Value::String(REDACTED.into());
        }
    } else if !v.is_null() {
        *v = Value::String(REDACTED.into());
    }
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A command-line flag whose value is a credential (`--token`, `--db-password`).
fn credential_flag(flag: &str) -> bool {
    let f = flag.trim_start_matches('-').to_ascii_lowercase();
    f.starts_with(|c: char| c.is_ascii_alphabetic())
        && [
            "token",
            "password",
            "passwd",
            "secret",
            "apikey",
            "api-key",
            "api_key",
            "access-key",
            "credential",
        ]
        .iter()
        .any(|p| f.contains(p))
}

/// `args`/`command`: the value of `--token=X` and the word after `--token`.
fn blank_args(items: &mut [Value]) {
    let mut next_is_value = false;
    for item in items {
        let Value::String(s) = item else {
            next_is_value = false;
            continue;
        };
        if next_is_value && !s.starts_with('-') {
            *s = REDACTED.into();
            next_is_value = false;
            continue;
        }
        next_is_value = false;
        if let Some((flag, _)) = s.split_once('=') {
            if flag.starts_with('-') && credential_flag(flag) {
                *s = format!("{flag}={REDACTED}");
            }
        } else if s.starts_with('-') && credential_flag(s) {
            next_is_value = true;
        }
    }
}

/// Blanks the values of every `data`, `stringData` and `binaryData` map,
/// every container `env[].value`, credential flags in `args` and
/// `command`, and the same inside a `last-applied-configuration`
/// annotation (a JSON copy of the object), at any depth.
pub fn blank_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match k.as_str() {
                    "data" | "stringData" | "binaryData" => blank_map(x),
                    "args" | "command" if x.is_array() => {
                        if let Value::Array(items) = x {
                            blank_args(items);
                        }
                    }
                    LAST_APPLIED => {
                        if let Value::String(text) = x {
                            *text = objects_or_blank(text);
                        }
                    }
                    "env" => {
                        if let Value::Array(items) = x {
                            for e in items {
                                if let Some(val) = e.get_mut("value") {
                                    *val = Value::String(REDACTED.into());
                                }
                            }
                        }
                    }
                    _ => blank_objects(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(blank_objects),
        _ => {}
    }
}

/// A JSON copy of an object with its values blanked; anything else whole.
fn objects_or_blank(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) if v.is_object() => {
            blank_objects(&mut v);
            v.to_string()
        }
        _ => REDACTED.into(),
    }
}

/// A rendered data map (`{"key":"value",…}`) with its values blanked; text
/// that is not a JSON map is blanked whole.
pub fn data_map(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            blank_map(&mut v);
            v.to_string()
        }
        Err(_) => REDACTED.into(),
    }
}

/// A rendered JSON value with embedded data maps blanked; text that is not
/// JSON is returned as is (it holds no object).
pub fn objects(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            blank_objects(&mut v);
            match v {
                Value::String(s) => s,
                v => v.to_string(),
            }
        }
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_go_keys_stay() {
        assert_eq!(
            data_map(r#"{"password":"hunter2"}"#),
            r#"{"password":"<redacted>"}"#
        );
        let o = objects(
            r#"{"requestObject":{"kind":"Secret","data":{"k":"c2VjcmV0"},"spec":{"containers":[{"env":[{"name":"A","value":"s3cr3t"}]}]}}}"#,
        );
        assert!(!o.contains("c2VjcmV0") && !o.contains("s3cr3t"), "{o}");
        assert!(o.contains("\"k\"") && o.contains("\"A\""), "{o}");
        assert_eq!(objects("plain"), "plain");
    }

    #[test]
    fn last_applied_copies_and_credential_flags() {
        let mut ev = serde_json::json!({
            "requestObject": {"kind": "Secret", "metadata": {"annotations": {
                LAST_APPLIED: "{\"kind\":\"Secret\",\"stringData\":{\"password\":\"hunter2-planted\"}}",
                "team": "shop"}}},
            "responseObject": {"spec": {"containers": [{"name": "c",
                "args": ["--token=abc-planted-123", "--api-key", "def-planted-456", "--verbose", "serve"],
                "command": ["/bin/app", "--db-password", "ghi-planted-789"]}]}}
        });
        blank_objects(&mut ev);
        let text = ev.to_string();
        for planted in [
            "hunter2-planted",
            "abc-planted-123",
            "def-planted-456",
            "ghi-planted-789",
        ] {
            assert!(!text.contains(planted), "{planted}: {text}");
        }
        // what is not a credential stays
        for kept in [
            "--verbose",
            "serve",
            "/bin/app",
            "--token=",
            "\\\"password\\\"",
            "shop",
        ] {
            assert!(text.contains(kept), "{kept}: {text}");
        }
    }
}

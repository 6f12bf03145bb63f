//! Redaction of JSON documents: audit events (request and response
//! objects), alert fields, anything stored or sent.

use crate::{LAST_APPLIED, REDACTED, flag_value_positions};
use serde_json::Value;

fn blank_map(v: &mut Value) {
    if let Value::Object(m) = v {
        for (_, x) in m.iter_mut() {
            *x = Value::String(REDACTED.into());
        }
    } else if !v.is_null() {
        *v = Value::String(REDACTED.into());
    }
}

/// `args`/`command`: the value of `--token=X` and the word after `--token`.
fn blank_args(items: &mut [Value]) {
    let words: Vec<&str> = items.iter().map(|v| v.as_str().unwrap_or("")).collect();
    let positions = flag_value_positions(&words);
    for (i, at) in positions {
        if let Value::String(s) = &mut items[i] {
            s.truncate(at);
            s.push_str(REDACTED);
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
    use crate::LAST_APPLIED;

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

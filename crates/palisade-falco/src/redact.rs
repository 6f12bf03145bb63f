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

/// Blanks the values of every `data`, `stringData` and `binaryData` map and
/// every container `env[].value`, at any depth.
pub fn blank_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match k.as_str() {
                    "data" | "stringData" | "binaryData" => blank_map(x),
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
}

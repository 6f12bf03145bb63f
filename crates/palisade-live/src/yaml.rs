//! A small YAML writer for JSON values: block style, every string
//! double-quoted with JSON escapes (valid YAML), so the output reads back
//! exactly.

use serde_json::Value;
use std::fmt::Write;

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).expect("string"),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn write(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let key = serde_json::to_string(k).expect("key");
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let _ = writeln!(out, "{pad}{key}:");
                        write(out, x, indent + 2);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        let _ = writeln!(out, "{pad}{key}:");
                        write(out, x, indent);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{key}: {}", inline(x));
                    }
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        write(&mut inner, x, indent + 2);
                        // the first line of the item follows the dash
                        let inner = inner.trim_start_matches(' ').to_string();
                        let _ = write!(out, "{pad}- {inner}");
                    }
                    Value::Array(b) if !b.is_empty() => {
                        let _ = writeln!(out, "{pad}-");
                        write(out, x, indent + 2);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}- {}", inline(x));
                    }
                }
            }
        }
        _ => {
            let _ = writeln!(out, "{pad}{}", inline(v));
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => scalar(other),
    }
}

/// `items` as a `kind: List` document.
pub fn to_yaml_list(items: &[Value]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": items,
    });
    let mut out = String::from("# written by palisade scan --cluster --dump\n");
    write(&mut out, &list, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_reader() {
        let items = vec![serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "x", "labels": {"k": "yes"}, "annotations": {}},
            "data": {"multi": "line1\nline2: \"q\"", "n": "0644", "empty": ""},
            "nested": [[1, 2], [], {"a": null}, true],
        })];
        let text = to_yaml_list(&items);
        let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
        assert!(stream.errors.is_empty(), "{:?}\n{text}", stream.errors);
        let back = stream.documents[0].root.to_json();
        assert_eq!(back["items"][0], items[0], "{text}");
    }
}

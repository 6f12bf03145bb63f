//! Block YAML through serde-saphyr's serializer.
//!
//! Kubernetes, kubectl and Helm read YAML 1.1, where `on`, `no`, `y`,
//! `0755`, `1e3`, `1:20`, `2024-01-01` and `~` are not strings. A string
//! with such a spelling is quoted; every other string is written plain, so
//! the output reads like a hand-written manifest. Keys keep the order the
//! value serializes them in (a struct's field order), lists are indented
//! under their key, and text with line breaks becomes a literal block.
//! Nothing is folded: a long PromQL or CEL expression stays on one line.

use serde::Serialize;

fn options() -> serde_saphyr::SerializerOptions {
    let mut o = serde_saphyr::SerializerOptions::default();
    o.indent_step = 2;
    o.compact_list_indent = false;
    o.prefer_block_scalars = true;
    // strings longer than this would be folded with `>`: never
    o.folded_wrap_chars = usize::MAX;
    o.min_fold_chars = usize::MAX;
    o
}

/// `value` as one YAML document.
///
/// Serializing plain data (structs, maps with string keys, lists,
/// strings, numbers) cannot fail; a value that cannot be YAML at all (a map
/// keyed by lists) is a programming error, and the message says which.
pub fn to_string<T: Serialize>(value: &T) -> String {
    serde_saphyr::to_string_with_options(value, options())
        .unwrap_or_else(|e| panic!("a value palisade built is not YAML: {e}"))
}

/// `value` as one item of a block sequence whose dashes stand `indent`
/// spaces in: for lists written item by item between comments.
pub fn list_item<T: Serialize>(value: &T, indent: usize) -> String {
    let text = to_string(&[value]);
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + indent * 8);
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// `comment` as `# ` lines (one per line of it; none when empty).
pub fn comment(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Documents separated by `---`, each after its comment: a header comment
/// for the whole stream first (when not empty).
pub fn stream<'a, T: Serialize + 'a>(
    header: &str,
    documents: impl IntoIterator<Item = (String, &'a T)>,
) -> String {
    let mut out = comment(header);
    for (i, (note, value)) in documents.into_iter().enumerate() {
        if i > 0 || !out.is_empty() {
            out.push_str("---\n");
        }
        out.push_str(&comment(&note));
        out.push_str(&to_string(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// What palisade's reader (Kubernetes' YAML 1.1 semantics) makes of it.
    fn read(text: &str) -> Vec<Value> {
        let s = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        assert!(s.errors.is_empty(), "{:?}\n{text}", s.errors);
        s.documents.iter().map(|d| d.root.to_json()).collect()
    }

    const TRAPS: &[&str] = &[
        "on",
        "off",
        "On",
        "OFF",
        "yes",
        "no",
        "Yes",
        "NO",
        "y",
        "n",
        "Y",
        "N",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "",
        " ",
        "0755",
        "0o755",
        "0x1F",
        "1e3",
        "1E3",
        "-1",
        "+1",
        ".5",
        "1.",
        "1_000",
        ".inf",
        "-.Inf",
        ".nan",
        "1:20",
        "190:20:30",
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "- item",
        "a: b",
        "a #b",
        "#x",
        "&anchor",
        "*alias",
        "!tag",
        "%directive",
        "@at",
        "`tick",
        "|",
        ">",
        "[x]",
        "{x}",
        "'q'",
        "\"q\"",
        "trailing ",
        " leading",
        "tab\there",
        "line\nbreak",
        "two\n",
        "ends\n\n",
        "\u{feff}bom",
        "back\\slash",
        "ü",
        "=",
        "<<",
        "?",
        ":",
        "-",
        "---",
        "...",
        "a,b",
        "x: ",
        "key:value",
        "0",
        "00",
        "08",
        "09",
        "123",
        "1,000",
        "10m",
        "500Mi",
        "0.5",
        "v1",
        "null?",
    ];

    #[test]
    fn yaml_1_1_spellings_stay_strings() {
        for s in TRAPS {
            let doc = json!({ "value": s, "list": [s], *s: "key" });
            let text = to_string(&doc);
            assert_eq!(read(&text), [doc], "{s:?} written as:\n{text}");
        }
    }

    #[test]
    fn reads_like_a_manifest() {
        #[derive(Serialize)]
        struct Meta<'a> {
            name: &'a str,
            namespace: &'a str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Obj<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: Meta<'a>,
            data: Vec<&'a str>,
            script: &'a str,
        }
        let o = Obj {
            api_version: "v1",
            kind: "ConfigMap",
            metadata: Meta {
                name: "app",
                namespace: "no",
            },
            data: vec!["a", "0755"],
            script: "set -e\nrun\n",
        };
        assert_eq!(
            to_string(&o),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: \"no\"\ndata:\n  - a\n  - \"0755\"\nscript: |\n  set -e\n  run\n"
        );
    }

    #[test]
    fn streams_and_comments() {
        let a = json!({"kind": "A"});
        let b = json!({"kind": "B"});
        let text = stream(
            "made by a test\n\nsecond",
            [("one".to_string(), &a), (String::new(), &b)],
        );
        assert_eq!(
            text,
            "# made by a test\n#\n# second\n---\n# one\nkind: A\n---\nkind: B\n"
        );
        assert_eq!(read(&text), [a, b]);
        assert_eq!(stream::<Value>("", []), "");
    }

    #[test]
    fn list_items_between_comments() {
        let item = json!({"level": "Request", "verbs": ["create", "on"], "note": "a\n\nb\n"});
        let text = format!(
            "rules:\n  # first\n{}  # second\n{}",
            list_item(&item, 2),
            list_item(&json!("no"), 2)
        );
        assert_eq!(read(&text), [json!({"rules": [item, "no"]})], "{text}");
    }

    proptest! {
        #[test]
        fn any_string_reads_back(s in "\\PC{0,12}", k in "[a-z0-9:#. -]{1,6}") {
            let doc = json!({ k.clone(): s.clone(), "list": [s.clone(), {"in": s}] });
            let text = to_string(&doc);
            prop_assert_eq!(read(&text), vec![doc.clone()], "{}", text);
        }
    }
}

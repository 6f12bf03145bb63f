//! What was read, written back as one `kind: List` document through the
//! project's YAML writer, so the dump reads back exactly.

use serde_json::Value;

/// `items` as a `kind: List` document.
pub fn to_yaml_list(items: &[Value]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": items,
    });
    palisade_emit::yaml::comment("written by palisade scan --cluster --dump")
        + &palisade_emit::yaml::to_string(&list)
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

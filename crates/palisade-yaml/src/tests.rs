use super::*;
use palisade_value::Path;

fn parse(text: &str) -> Stream {
    parse_stream(text, &Limits::default())
}

fn at<'a>(n: &'a Node, p: &str) -> &'a Node {
    n.at(&p.parse::<Path>().unwrap())
        .unwrap_or_else(|| panic!("no {p}"))
}

#[test]
fn lines_point_at_keys() {
    let s = parse(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    securityContext:\n      privileged: true\n",
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let d = &s.documents[0].root;
    assert_eq!(d.line, 1);
    assert_eq!(at(d, "spec").line, 5);
    assert_eq!(at(d, "spec.containers[0]").line, 7);
    assert_eq!(at(d, "spec.containers[0].securityContext").line, 8);
    let p = at(d, "spec.containers[0].securityContext.privileged");
    assert_eq!((p.line, p.column), (9, 7));
    assert_eq!(p.as_bool(), Some(true));
}

#[test]
fn multi_document_and_empty_documents() {
    let s = parse("---\n# only a comment\n---\na: 1\n---\n---\nb: 2\n...\n");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.documents.len(), 2);
    assert_eq!(s.documents[0].root.get("a").unwrap().as_i64(), Some(1));
    assert_eq!(s.documents[1].root.get("b").unwrap().line, 7);
    assert!(s.documents[0].index < s.documents[1].index);
}

#[test]
fn json_is_read_too() {
    let s = parse(
        "{\n\t\"kind\": \"Pod\",\n\t\"spec\": {\"hostPID\":true, \"n\": [1, 2.5, null]}\n}\n",
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let d = &s.documents[0].root;
    assert_eq!(d.get_str("kind"), Some("Pod"));
    assert_eq!(at(d, "spec.hostPID").as_bool(), Some(true));
    assert_eq!(at(d, "spec.hostPID").line, 3);
    assert_eq!(at(d, "spec.n[1]").value, Value::Float(2.5));
    assert!(at(d, "spec.n[2]").is_null());
}

#[test]
fn quoted_scalars_stay_strings() {
    let s =
        parse("a: \"yes\"\nb: 'true'\nc: yes\nd: \"0644\"\ne: 0644\nf: !!str 12\ng: |\n  multi\n");
    let d = &s.documents[0].root;
    assert_eq!(at(d, "a").as_str(), Some("yes"));
    assert_eq!(at(d, "b").as_str(), Some("true"));
    assert_eq!(at(d, "c").as_bool(), Some(true));
    assert_eq!(at(d, "d").as_str(), Some("0644"));
    assert_eq!(at(d, "e").as_i64(), Some(420));
    assert_eq!(at(d, "f").as_str(), Some("12"));
    assert_eq!(at(d, "g").as_str(), Some("multi\n"));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let s = parse(
        "base: &b\n  image: nginx\n  pull: Always\nuse:\n  <<: *b\n  pull: Never\nlist: [&x 1, *x]\n",
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let d = &s.documents[0].root;
    assert_eq!(at(d, "use.image").as_str(), Some("nginx"));
    assert_eq!(at(d, "use.pull").as_str(), Some("Never"));
    assert_eq!(at(d, "list[1]").as_i64(), Some(1));
}

#[test]
fn billion_laughs_is_refused() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        text.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    text.push_str("---\nkind: After\n");
    let s = parse(&text);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(s.errors[0].message.contains("billion laughs"));
    assert!(
        s.errors[0]
            .message
            .contains("the rest of this file is not read")
    );
    assert!(s.documents.is_empty());
}

/// Ten 10 KB strings aliased level upon level: few nodes, many bytes. The
/// budget counts bytes, so this is refused after copying at most 16 MiB.
#[test]
fn large_strings_aliased_are_counted_by_their_bytes() {
    let mut text = String::from("l0: &l0\n");
    for i in 0..10 {
        text.push_str(&format!("  - &s{i} \"{}\"\n", "x".repeat(10_000)));
    }
    for lvl in 1..=4 {
        let refs = vec![format!("*l{}", lvl - 1); 10].join(", ");
        text.push_str(&format!("l{lvl}: &l{lvl} [{refs}]\n"));
    }
    let s = parse(&text);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(
        s.errors[0].message.contains("billion laughs"),
        "{:?}",
        s.errors
    );
}

/// The budget is the stream's: one large object split over many documents
/// does not get a fresh budget with each.
#[test]
fn the_budget_spans_the_documents_of_a_stream() {
    let doc = format!(
        "items: [{}]\n",
        vec!["abcdefghijklmnopqrstuvwxyz0123456789"; 1000].join(", ")
    );
    let text = vec![doc.as_str(); 20].join("---\n");
    let one = parse(&doc);
    assert!(one.errors.is_empty());
    let per_doc = one.documents[0].root.bytes();
    let limits = Limits {
        max_bytes: per_doc * 5,
        ..Limits::default()
    };
    let s = parse_stream(&text, &limits);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(
        s.errors[0].message.contains("--max-memory"),
        "{:?}",
        s.errors
    );
    assert!(s.documents.len() <= 5, "{}", s.documents.len());
}

/// A budget shared by several streams bounds them together, and a stream
/// read again (the quoted-indent repair) gives back what it took.
#[test]
fn a_shared_budget_bounds_every_stream() {
    let doc = format!(
        "items: [{}]\n",
        vec!["abcdefghijklmnopqrstuvwxyz0123456789"; 20_000].join(", ")
    );
    let shared = std::sync::Arc::new(Budget::new(3 << 20));
    let limits = Limits {
        shared: Some(shared.clone()),
        ..Limits::default()
    };
    let mut refused = 0;
    for _ in 0..10 {
        let s = parse_stream(&doc, &limits);
        refused += usize::from(!s.errors.is_empty());
    }
    assert!(refused > 0);
    assert!(shared.used() <= shared.limit());
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let text = format!("{}{}\n---\nok: 1\n", "[".repeat(depth), "]".repeat(depth));
    let s = parse(&text);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("nesting") || e.message.contains("recursion")),
        "{:?}",
        s.errors
    );
    assert_eq!(s.documents.len(), 1);
    // block style goes through our own depth limit
    let mut block = String::new();
    for i in 0..300 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    block.push_str("---\nok: 1\n");
    let s = parse(&block);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("nesting deeper")),
        "{:?}",
        s.errors
    );
    assert_eq!(s.documents.len(), 1);
}

#[test]
fn syntax_error_keeps_other_documents() {
    let text = "a: 1\n---\nb: [unclosed\nc: 2\n---\nd: 4\n";
    let s = parse(text);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(s.errors[0].line >= 3, "{:?}", s.errors);
    let keys: Vec<_> = s
        .documents
        .iter()
        .map(|d| d.root.as_map().unwrap().entries[0].0.clone())
        .collect();
    assert_eq!(keys, ["a", "d"]);
    assert_eq!(s.documents[1].root.get("d").unwrap().line, 6);
}

#[test]
fn duplicate_keys_are_reported() {
    let s = parse("a: 1\nb: 2\na: 3\n");
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].line, 3);
    assert_eq!(s.documents[0].root.get("a").unwrap().as_i64(), Some(3));
}

#[test]
fn complex_keys_are_an_error_not_a_panic() {
    let s = parse("? [a, b]\n: 1\n---\nx: 1\n");
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.documents.len(), 1);
}

#[test]
fn scalar_document_is_returned() {
    let s = parse("just a string\n");
    assert_eq!(s.documents[0].root.as_str(), Some("just a string"));
}

#[test]
fn garbage_never_panics() {
    for text in [
        "\u{0}",
        "- - - -",
        ": :",
        "[}",
        "&a *a",
        "*unknown",
        "a: *unknown\n",
        "%YAML 1.1\n---\na: 1",
        "\t- a",
        "key: \"unterminated",
        "<<: 5\n",
        "<<: [1]\n",
        "--- |\n  x\n",
        "a:\n  - b\n  c: d\n",
    ] {
        let _ = parse(text);
    }
}

#[test]
fn quoted_continuation_at_key_indentation_reads_as_go_does() {
    let s = parse(
        "a:\n  type: boolean\n  description: \"When set, it's \\\"on\\\",\n  defaults\n\n  to false.\"\n  b: 'x\n  ''y'''\nc: 1\n",
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let d = &s.documents[0].root;
    assert_eq!(
        at(d, "a.description").as_str(),
        Some("When set, it's \"on\", defaults\nto false.")
    );
    assert_eq!(at(d, "a.b").as_str(), Some("x 'y'"));
    assert_eq!(at(d, "c").line, 9);
    // an unterminated scalar is still an error, not a loop
    assert!(!parse("a:\n  b: \"x\n  y\n").errors.is_empty());
}

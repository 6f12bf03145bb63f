//! Packagist (Composer) ordering: PHP's `version_compare`, after a leading
//! `v`/`V` is dropped.
//!
//! The version is canonicalised: `-`, `_` and `+` become `.`, and a `.` is
//! put between every run of digits and non-digits (`1.0rc1` is
//! `1.0.rc.1`). Parts then compare in turn: numbers by value; words by
//! the special form they start with, case-sensitively as PHP does (so
//! `BETA` is no beta; the reference's fixtures rely on it): `dev` <
//! `alpha` = `a` < `beta` = `b` < `RC` = `rc` < `#` < `pl` = `p`, any other
//! word below them all (and equal to each other); a number stands as `#`
//! against a word. When
//! one version runs out, a further number makes the other greater, a
//! further word is compared against `#`.

use std::cmp::Ordering;

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (parts(a), parts(b));
    compare_parts(&a, &b)
}

/// The canonical parts of a version: runs of digits and runs of other
/// characters, split at `.`, `-`, `_`, `+` and at digit/non-digit changes.
fn parts(v: &str) -> Vec<&str> {
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut out = Vec::new();
    for piece in v.split(['.', '-', '_', '+']) {
        let mut rest = piece;
        while let Some(first) = rest.chars().next() {
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (run, after) = rest.split_at(end);
            out.push(run);
            rest = after;
        }
    }
    out
}

fn is_number(part: &str) -> bool {
    part.starts_with(|c: char| c.is_ascii_digit())
}

/// The rank of a word by the special form it starts with; -1 for none.
fn special_form(word: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| word.starts_with(name))
        .map_or(-1, |&(_, rank)| rank)
}

fn compare_part(a: &str, b: &str) -> Ordering {
    match (is_number(a), is_number(b)) {
        (true, true) => crate::cmp_digits(a, b),
        (false, false) => special_form(a).cmp(&special_form(b)),
        (true, false) => special_form("#").cmp(&special_form(b)),
        (false, true) => special_form(a).cmp(&special_form("#")),
    }
}

fn compare_parts(a: &[&str], b: &[&str]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match compare_part(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    let n = a.len().min(b.len());
    match (
        a.get(n..).unwrap_or_default(),
        b.get(n..).unwrap_or_default(),
    ) {
        ([], []) => Ordering::Equal,
        ([next, ..], []) if is_number(next) => Ordering::Greater,
        ([], [next, ..]) if is_number(next) => Ordering::Less,
        (rest, []) => compare_parts(rest, &["#"]),
        ([], rest) => compare_parts(&["#"], rest),
        // Unreachable: the zip stops when either side runs out.
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn special_forms_order() {
        let ordered = [
            "1.0-dev",
            "1.0alpha1",
            "1.0a2",
            "1.0-beta.1",
            "1.0RC1",
            "1.0rc2",
            "1.0",
            "1.0pl1",
            "1.0-p2",
            "1.1",
        ];
        for w in ordered.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
        // A patch level outranks a number in the same place, as in PHP.
        assert_eq!(compare("1.0-p2", "1.0.1"), Greater);
        // Unknown words sort below `dev` and equal to each other.
        assert_eq!(compare("1.0-foo", "1.0-dev"), Less);
        assert_eq!(compare("1.0-foo", "1.0-xyz"), Equal);
        // Forms match by prefix: `bar` reads as `b`, a beta.
        assert_eq!(compare("1.0-bar", "1.0-beta"), Equal);
    }

    #[test]
    fn canonical_spellings_are_equal() {
        for (a, b) in [
            ("1.0.0rc2", "1.0.0.rc2"),
            ("1.25.0-beta2.1", "1.25.0-b.2.1"),
            ("v1.0.0", "V1.0.0"),
            ("1.0_RC1", "1.0+rc1"),
            ("1.0a1", "1.0alpha1"),
            ("1.2.3.#", "1.2.3"),
        ] {
            assert_eq!(compare(a, b), Equal, "{a} = {b}");
        }
    }

    #[test]
    fn running_out_of_parts() {
        assert_eq!(compare("1.0.0", "1.0"), Greater);
        assert_eq!(compare("1.0-dev", "1.0"), Less);
        assert_eq!(compare("1.2.3.#.beta", "1.2.3"), Less);
        assert_eq!(compare("1.2.3.#.p3", "1.2.3"), Greater);
        assert_eq!(compare("dev-foo", "1.26.0"), Less);
        assert_eq!(
            compare("99999999999999999999991", "99999999999999999999999"),
            Less
        );
        assert_eq!(compare("", ""), Equal);
        assert_eq!(compare("ünï", "1"), Less);
        assert_eq!(compare("1.0-ALPHA", "1.0-BETA"), Equal);
    }
}

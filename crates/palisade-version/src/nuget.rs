//! NuGet ordering: SemVer 2.0 extended to four numeric parts.
//!
//! `major.minor.patch.revision[-prerelease][+metadata]`: missing numeric
//! parts are 0 (`1.0` = `1.0.0.0`), numbers compare by value whatever their
//! leading zeros or length, build metadata is ignored. A version without a
//! prerelease is above one with; prerelease labels compare identifier by
//! identifier, numeric ones by value and below alphanumeric ones, which
//! compare case-insensitively; a label that prefixes another is below it.
//! A leading `v` is ignored, and parts that are not numbers (invalid
//! versions) still order deterministically: after numbers, as text.

use std::cmp::Ordering;

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (parse(a), parse(b));
    let len = a.release.len().max(b.release.len());
    for i in 0..len {
        let (x, y) = (
            a.release.get(i).copied().unwrap_or("0"),
            b.release.get(i).copied().unwrap_or("0"),
        );
        match cmp_part(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    match (a.pre, b.pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let (mut x, mut y) = (x.split('.'), y.split('.'));
            loop {
                match (x.next(), y.next()) {
                    (None, None) => return Ordering::Equal,
                    (None, Some(_)) => return Ordering::Less,
                    (Some(_), None) => return Ordering::Greater,
                    (Some(p), Some(q)) => match cmp_part(p, q) {
                        Ordering::Equal => {}
                        o => return o,
                    },
                }
            }
        }
    }
}

struct Version<'a> {
    release: Vec<&'a str>,
    pre: Option<&'a str>,
}

fn parse(v: &str) -> Version<'_> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let v = v.split_once('+').map_or(v, |(v, _metadata)| v);
    let (release, pre) = match v.split_once('-') {
        Some((r, p)) => (r, Some(p)),
        None => (v, None),
    };
    // An empty part (`1..2`, or an empty string) counts as 0.
    let release = release
        .split('.')
        .map(|p| if p.is_empty() { "0" } else { p })
        .collect();
    Version { release, pre }
}

/// Numbers by value (any length), below text; text case-insensitively
/// (as .NET's ordinal-ignore-case comparison, by upper case).
fn cmp_part(a: &str, b: &str) -> Ordering {
    let num = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => crate::cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a
            .chars()
            .flat_map(char::to_uppercase)
            .cmp(b.chars().flat_map(char::to_uppercase)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn four_parts_and_metadata() {
        assert_eq!(compare("1.0", "1.0.0.0"), Equal);
        assert_eq!(compare("1.0.01", "1.0.1.0"), Equal);
        assert_eq!(compare("1.0.0+build.5", "1.0.0"), Equal);
        assert_eq!(compare("1.0.0", "1.0.0.1"), Less);
        assert_eq!(compare("1.0.0.10", "1.0.0.9"), Greater);
        assert_eq!(
            compare("99999999999999999999999.0", "99999999999999999999998.1"),
            Greater
        );
    }

    #[test]
    fn prerelease_order() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-ALPHA.1",
            "1.0.0-alpha.2",
            "1.0.0-alpha.10",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-Beta2",
            "1.0.0",
            "1.0.0.1-alpha",
        ];
        for w in ordered.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
        assert_eq!(compare("1.0.0-BETA.X+AA", "1.0.0-beta.x+bb"), Equal);
    }

    #[test]
    fn invalid_versions_still_order() {
        assert_eq!(compare("", "0"), Equal);
        assert_eq!(compare("abc", "1.0"), Greater);
        assert_eq!(compare("1.x", "1.X"), Equal);
        assert_eq!(compare("1.0-", "1.0"), Less);
    }
}

//! RubyGems version order (`Gem::Version#<=>`).
//!
//! A `-` stands for `.pre.`. The version is split into segments: runs of
//! ASCII digits (numbers) and runs of ASCII letters (strings); anything else
//! only separates. The first string segment makes the version a prerelease.
//! Trailing zero numbers are dropped both from the numeric part before the
//! first string and from the end, so `1.0.0 = 1` and `1.0.a = 1.a`.
//! Segments compare pairwise with a missing one counting as `0`: numbers by
//! value, strings byte-wise, and a string sorts before any number, so
//! `1.0.a9 < 1.0`.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    /// Digits without leading zeros (`""` is zero).
    Num(&'a str),
    Str(&'a str),
}

impl Segment<'_> {
    fn is_zero(self) -> bool {
        self == Segment::Num("")
    }
}

/// Orders two RubyGems versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (canonical(a), canonical(b));
    let zero = Segment::Num("");
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(zero),
            b.get(i).copied().unwrap_or(zero),
        );
        let ord = match (x, y) {
            (Segment::Num(x), Segment::Num(y)) => crate::cmp_digits(x, y),
            (Segment::Str(x), Segment::Str(y)) => x.cmp(y),
            (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
            (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Splits `v` into segments and drops the insignificant trailing zeros.
fn canonical(v: &str) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'-' {
            // `-` is `.pre.`
            segments.push(Segment::Str("pre"));
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // ASCII boundaries, so the slice is on char boundaries
            segments.push(Segment::Num(v[start..i].trim_start_matches('0')));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            segments.push(Segment::Str(&v[start..i]));
        } else {
            i += 1;
        }
    }
    let first_str = segments
        .iter()
        .position(|s| matches!(s, Segment::Str(_)))
        .unwrap_or(segments.len());
    let mut release: Vec<Segment<'_>> = segments[..first_str].to_vec();
    while release.last().is_some_and(|s| s.is_zero()) {
        release.pop();
    }
    let mut pre = &segments[first_str..];
    while let Some((last, rest)) = pre.split_last() {
        if !last.is_zero() {
            break;
        }
        pre = rest;
    }
    release.extend_from_slice(pre);
    release
}

/// Orders two digit strings without leading zeros by numeric value.
#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(compare("3.10", "3.2"), Greater);
        assert_eq!(compare("1.2.4", "1.3.0"), Less);
        assert_eq!(
            compare(
                "999999999999999999999999999991",
                "999999999999999999999999999999"
            ),
            Less
        );
        assert_eq!(compare("01.2", "1.2"), Equal);
    }

    #[test]
    fn trailing_zeros_are_ignored() {
        assert_eq!(compare("1.0.0", "1"), Equal);
        assert_eq!(compare("1.0.a", "1.a"), Equal);
        assert_eq!(compare("1.a.0", "1.a"), Equal);
    }

    #[test]
    fn letters_make_a_prerelease() {
        assert_eq!(compare("1", "1beta"), Greater);
        assert_eq!(compare("1.2.4.beta", "1.2.4"), Less);
        assert_eq!(compare("1.0.a2", "1.0.a.2"), Equal);
        assert_eq!(compare("1.0.a10", "1.0.a9"), Greater);
        assert_eq!(compare("3.0.0.beta4", "3.0.0.rc"), Less);
    }

    #[test]
    fn hyphen_is_pre() {
        assert_eq!(compare("1.0-1", "1.0.pre.1"), Equal);
        assert_eq!(compare("1.0-1", "1.0"), Less);
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(compare("", "0"), Equal);
        assert_eq!(compare("é1", "1"), Equal);
        assert_eq!(compare("1.α", "1.a"), Greater);
    }
}

//! Red Hat / RPM version order (`[epoch:]version[-release]`, `rpmvercmp`).
//!
//! The epoch is what precedes the first `:` (none is `0`), the release what
//! follows the last `-` of the rest; epoch, version, then release are
//! compared with `rpmvercmp`, and a version without a release sorts below
//! the same version with one (even an empty one: `1 < 1-`). `rpmvercmp`
//! walks both strings in segments, skipping characters other than ASCII
//! letters, digits, `~` and `^`: a `~` sorts before everything, the end of
//! the string included (`1.0~rc1 < 1.0`); a `^` sorts after the end but
//! before any other segment (`1.0 < 1.0^git1 < 1.0.1`); a run of digits
//! compares numerically (leading zeros ignored) and beats a run of letters;
//! letter runs compare byte-wise; when one string runs out first, the one
//! with segments left is higher.

use std::cmp::Ordering;

/// Orders two RPM versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (parse(a), parse(b));
    rpmvercmp(a.epoch, b.epoch)
        .then_with(|| rpmvercmp(a.version, b.version))
        .then_with(|| match (a.release, b.release) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => rpmvercmp(x, y),
        })
}

struct Evr<'a> {
    epoch: &'a [u8],
    version: &'a [u8],
    release: Option<&'a [u8]>,
}

fn parse(v: &str) -> Evr<'_> {
    let (epoch, rest) = match v.split_once(':') {
        Some((epoch, rest)) => (epoch, rest),
        None => ("0", v),
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((version, release)) => (version, Some(release.as_bytes())),
        None => (rest, None),
    };
    Evr {
        epoch: epoch.as_bytes(),
        version: version.as_bytes(),
        release,
    }
}

/// RPM's segment-wise comparison of two version (or release) strings.
fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    let significant = |c: &u8| c.is_ascii_alphanumeric() || *c == b'~' || *c == b'^';
    let (mut a, mut b) = (a, b);
    loop {
        a = &a[a.iter().position(significant).unwrap_or(a.len())..];
        b = &b[b.iter().position(significant).unwrap_or(b.len())..];
        let (x, y) = (a.first().copied(), b.first().copied());
        if x == Some(b'~') || y == Some(b'~') {
            if x != Some(b'~') {
                return Ordering::Greater;
            }
            if y != Some(b'~') {
                return Ordering::Less;
            }
            (a, b) = (&a[1..], &b[1..]);
            continue;
        }
        if x == Some(b'^') || y == Some(b'^') {
            match (x, y) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    (a, b) = (&a[1..], &b[1..]);
                    continue;
                }
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        let (Some(x), Some(_)) = (x, y) else {
            // one side (or both) ran out: the one with segments left wins
            return a.is_empty().cmp(&b.is_empty()).reverse();
        };
        let numeric = x.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (na, nb) = (
            a.iter().take_while(|c| class(c)).count(),
            b.iter().take_while(|c| class(c)).count(),
        );
        if nb == 0 {
            // segments of different kinds: a number beats letters
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[..na], &b[..nb]);
        let ord = if numeric {
            let (sa, sb) = (trim_zeros(sa), trim_zeros(sb));
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        (a, b) = (&a[na..], &b[nb..]);
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    &digits[digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len())..]
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn segments() {
        assert_eq!(compare("2.0.1a", "2.0.1"), Greater);
        assert_eq!(compare("5.5p1", "5.5p10"), Less);
        assert_eq!(compare("xyz.4", "2"), Less);
        assert_eq!(compare("6.0.rc1", "6.0"), Greater);
        assert_eq!(compare("10.0001", "10.1"), Equal);
        assert_eq!(compare("2_0", "2.0"), Equal);
        assert_eq!(compare("1.0a", "1.0aa"), Less);
    }

    #[test]
    fn tilde_and_caret() {
        assert_eq!(compare("1.0~rc1", "1.0"), Less);
        assert_eq!(compare("1.0~rc1~git123", "1.0~rc1"), Less);
        assert_eq!(compare("1.0^", "1.0"), Greater);
        assert_eq!(compare("1.0^git1", "1.0.1"), Less);
        assert_eq!(compare("1.0^git1~pre", "1.0^git1"), Less);
    }

    #[test]
    fn epoch_and_release() {
        assert_eq!(compare("3", "1:2"), Less);
        assert_eq!(compare("0:1", "1"), Equal);
        assert_eq!(compare("01:2", "1:2"), Equal);
        assert_eq!(compare("1-123", "1-2"), Greater);
        assert_eq!(compare("1", "1-"), Less);
        assert_eq!(compare("0:3.10.0-229.el7", "0:3.10.0-229.1.2.ael7b"), Less);
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(compare("1.1.α", "1.1.ββ"), Equal);
        assert_eq!(compare("1.1.α", "1.1.a"), Less);
        assert_eq!(compare("", ""), Equal);
        assert_eq!(compare("-:-", "-:-"), Equal);
        assert_eq!(compare("~", ""), Less);
        assert_eq!(compare("^", ""), Greater);
    }
}

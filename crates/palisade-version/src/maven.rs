//! Maven ordering: the POM reference's "Version Order Specification" (which
//! describes `ComparableVersion`), as OSV's reference implements it.
//!
//! A version is split, case-insensitively, into tokens at `.`, `-` and
//! every digit/non-digit transition (a transition counts as `-`); each token
//! remembers its separator, and an empty token is `0`. Trailing "null"
//! tokens (`0`, `""`, `ga`, `final`, `release`) are trimmed from the end and
//! again before each remaining `-`. Tokens then compare pairwise, the
//! shorter version padded with nulls (`0` against a number, `""` against a
//! qualifier): `.qualifier` < `-qualifier` < `-number` < `.number` (the
//! specification's earlier wording, which OSV keeps); numbers by value;
//! qualifiers `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` <
//! `""` = `ga` = `final` = `release` < `sp` < any other, the others
//! lexically. `a`, `b` and `m` directly followed by a digit mean `alpha`,
//! `beta` and `milestone`.

use std::cmp::Ordering;

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    let (a, b) = (tokens(&a), tokens(&b));
    for i in 0..a.len().max(b.len()) {
        let (x, y) = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => (*x, *y),
            (Some(x), None) => (*x, x.null()),
            (None, Some(y)) => (y.null(), *y),
            (None, None) => break,
        };
        match x.order(&y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// Whether a token followed a `.` or a `-` (or a digit/non-digit transition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Hyphen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    /// Digits without leading zeros (`""` is 0).
    Number(&'a str),
    /// A qualifier with aliases resolved (`""` is the release).
    Qualifier(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token<'a> {
    sep: Sep,
    value: Value<'a>,
}

impl<'a> Token<'a> {
    fn is_null(self) -> bool {
        matches!(self.value, Value::Number("") | Value::Qualifier(""))
    }

    /// The padding that stands against `self` in a shorter version: the
    /// null value of its own kind (`0` or `""`), after the same separator.
    fn null(self) -> Token<'static> {
        let value = match self.value {
            Value::Number(_) => Value::Number(""),
            Value::Qualifier(_) => Value::Qualifier(""),
        };
        Token {
            sep: self.sep,
            value,
        }
    }

    fn order(&self, other: &Token<'_>) -> Ordering {
        match (self.value, other.value) {
            (Value::Number(x), Value::Number(y)) => match (self.sep, other.sep) {
                (Sep::Hyphen, Sep::Dot) => Ordering::Less,
                (Sep::Dot, Sep::Hyphen) => Ordering::Greater,
                _ => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            },
            (Value::Qualifier(x), Value::Qualifier(y)) => match (self.sep, other.sep) {
                (Sep::Dot, Sep::Hyphen) => Ordering::Less,
                (Sep::Hyphen, Sep::Dot) => Ordering::Greater,
                _ => qualifier_rank(x).cmp(&qualifier_rank(y)),
            },
            (Value::Number(_), Value::Qualifier(_)) => Ordering::Greater,
            (Value::Qualifier(_), Value::Number(_)) => Ordering::Less,
        }
    }
}

/// Known qualifiers by their index; unknown ones after them, lexically.
fn qualifier_rank(q: &str) -> (usize, &str) {
    const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
    match KNOWN.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        None => (KNOWN.len(), q),
    }
}

/// Splits a lowercased version into its tokens and trims the null ones.
fn tokens(v: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut sep = Sep::Dot;
    let mut rest = v;
    loop {
        let end = rest.find(['.', '-']).unwrap_or(rest.len());
        let piece = rest.get(..end).unwrap_or("");
        split_transitions(piece, sep, &mut out);
        sep = if rest.get(end..).is_some_and(|r| r.starts_with('-')) {
            Sep::Hyphen
        } else {
            Sep::Dot
        };
        match rest.get(end + 1..) {
            Some(r) => rest = r,
            None => break,
        }
    }

    // Trim trailing nulls, then again before each remaining hyphen; the
    // first token always stays.
    let mut i = out.len().saturating_sub(1);
    while i > 0 {
        if out.get(i).is_some_and(|t| t.is_null()) {
            out.remove(i);
            i -= 1;
            continue;
        }
        while i > 0 && out.get(i).is_some_and(|t| t.sep != Sep::Hyphen) {
            i -= 1;
        }
        i = i.saturating_sub(1);
    }
    out
}

/// Pushes the tokens of one `.`/`-`-delimited piece: its runs of digits and
/// non-digits, the first after `sep`, the others after a hyphen.
fn split_transitions<'a>(piece: &'a str, sep: Sep, out: &mut Vec<Token<'a>>) {
    if piece.is_empty() {
        out.push(Token {
            sep,
            value: Value::Number(""),
        });
        return;
    }
    let mut sep = sep;
    let mut rest = piece;
    while let Some(first) = rest.chars().next() {
        let digit = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(rest.len());
        let (run, after) = rest.split_at(end);
        let value = if digit {
            Value::Number(run.trim_start_matches('0'))
        } else {
            let followed_by_digit = !after.is_empty();
            Value::Qualifier(match run {
                "a" if followed_by_digit => "alpha",
                "b" if followed_by_digit => "beta",
                "m" if followed_by_digit => "milestone",
                "cr" => "rc",
                "ga" | "final" | "release" => "",
                q => q,
            })
        };
        out.push(Token { sep, value });
        sep = Sep::Hyphen;
        rest = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn qualifier_order() {
        let ordered = [
            "1-alpha-1",
            "1-alpha-2",
            "1-b1",
            "1-milestone-1",
            "1-rc-1",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.0.1",
            "1.1",
        ];
        for w in ordered.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
    }

    #[test]
    fn null_tokens_are_trimmed() {
        for (a, b) in [
            ("1", "1.0.0"),
            ("1", "1-ga"),
            ("1.FINAL", "1"),
            ("1-foo", "1.0.0-foo.0.0"),
            ("1-1", "1-ga-1"),
            ("1.0a", "1-a"),
            ("1a1", "1-alpha-1"),
            ("1cr", "1-RC"),
            ("1-", "1."),
            ("01", "1"),
        ] {
            assert_eq!(compare(a, b), Equal, "{a} = {b}");
        }
    }

    #[test]
    fn separators_order_tokens() {
        // .qualifier < -qualifier < -number < .number
        assert_eq!(compare("1.5.9.RC1", "1.5.9-RC0"), Less);
        assert_eq!(compare("6.1.12.rc5", "6.1.12rc1"), Less);
        assert_eq!(compare("2.0-1", "2.0.1"), Less);
        assert_eq!(compare("1-rc", "1-1"), Less);
        // The padding is the null of the other token's kind.
        assert_eq!(compare("42.0.0", "42.0.0.jre6"), Less);
        assert_eq!(compare("24.0.0.Final", "24.0.0.SP1"), Less);
    }

    #[test]
    fn long_numbers_and_odd_input() {
        assert_eq!(compare("12345678901234567890.1", "1234567890.2"), Greater);
        assert_eq!(compare("", "0"), Equal);
        assert_eq!(compare("..--", "0"), Equal);
        assert_eq!(compare("é-1", "é"), Greater);
    }
}

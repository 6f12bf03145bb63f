//! Alpine (apk) ordering: a version is read as a stream of tokens — numeric
//! components separated by `.` (after the first, a leading zero makes the
//! component compare as a decimal fraction), an optional lower-case letter
//! (which may be followed by more digits), `_suffix[N]` where alpha < beta <
//! pre < rc < (none) < cvs < svn < git < hg < p, and `-rN` — compared token
//! by token. Text that fits none of these ends the version as invalid,
//! which sorts below any valid continuation.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    Revision,
    End,
}

const PRE: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// A token's value: numbers as digit strings (compared by value), letters
/// and suffixes as small integers, fractions (leading zero) as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value<'a> {
    Number(&'a str),
    Fraction(&'a str),
    Small(i32),
}

fn cmp_value(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a, b) {
        (Value::Small(x), Value::Small(y)) => x.cmp(y),
        (Value::Fraction(x), Value::Fraction(y)) => x.cmp(y),
        (Value::Fraction(x), Value::Number(y)) => x.cmp(y),
        (Value::Number(x), Value::Fraction(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => crate::semver::cmp_numeric(
            if x.is_empty() { "0" } else { x },
            if y.is_empty() { "0" } else { y },
        ),
        (Value::Small(x), _) => x.cmp(&0),
        (_, Value::Small(y)) => 0.cmp(y),
    }
}

struct Lexer<'a> {
    s: &'a str,
    kind: Kind,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Self {
        Lexer {
            s: s.trim(),
            kind: Kind::Digit,
        }
    }

    /// Reads the token of the current kind and decides the next kind.
    fn token(&mut self) -> Value<'a> {
        if self.s.is_empty() {
            self.kind = Kind::End;
            return Value::Small(0);
        }
        let digits = |s: &'a str| &s[..s.bytes().take_while(u8::is_ascii_digit).count()];
        let (value, used) = match self.kind {
            Kind::DigitOrZero if self.s.starts_with('0') => {
                let d = digits(self.s);
                (Value::Fraction(d), d.len())
            }
            Kind::DigitOrZero | Kind::Digit | Kind::SuffixNo | Kind::Revision => {
                let d = digits(self.s);
                (Value::Number(d), d.len())
            }
            Kind::Letter => (Value::Small(i32::from(self.s.as_bytes()[0])), 1),
            Kind::Suffix => {
                if let Some(i) = PRE.iter().position(|p| self.s.starts_with(p)) {
                    (Value::Small(i as i32 - PRE.len() as i32), PRE[i].len())
                } else if let Some(i) = POST.iter().position(|p| self.s.starts_with(p)) {
                    (Value::Small(i as i32), POST[i].len())
                } else {
                    self.kind = Kind::Invalid;
                    return Value::Small(-1);
                }
            }
            Kind::Invalid | Kind::End => return Value::Small(0),
        };
        self.s = &self.s[used..];
        self.next_kind();
        value
    }

    fn next_kind(&mut self) {
        let b = self.s.as_bytes();
        let prev = self.kind;
        let Some(&c) = b.first() else {
            self.kind = Kind::End;
            return;
        };
        let mut skip = 1;
        let n = if matches!(prev, Kind::Digit | Kind::DigitOrZero) && c.is_ascii_lowercase() {
            skip = 0;
            Kind::Letter
        } else if prev == Kind::Letter && c.is_ascii_digit() {
            skip = 0;
            Kind::Digit
        } else if prev == Kind::Suffix && c.is_ascii_digit() {
            skip = 0;
            Kind::SuffixNo
        } else {
            match c {
                b'.' => Kind::DigitOrZero,
                b'_' => Kind::Suffix,
                b'-' if b.get(1) == Some(&b'r') => {
                    skip = 2;
                    Kind::Revision
                }
                _ => Kind::Invalid,
            }
        };
        // An invalid character may be multi-byte: nothing is read after it.
        self.s = self.s.get(skip..).unwrap_or("");
        // Tokens only move forward (digits may follow a letter, a new
        // component a digit, a suffix a suffix number).
        let allowed = n >= prev
            || (n == Kind::DigitOrZero && prev == Kind::Digit)
            || (n == Kind::Suffix && prev == Kind::SuffixNo)
            || (n == Kind::Digit && prev == Kind::Letter);
        self.kind = if allowed { n } else { Kind::Invalid };
    }
}

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (Lexer::new(a), Lexer::new(b));
    let (mut av, mut bv) = (Value::Small(0), Value::Small(0));
    while x.kind == y.kind
        && x.kind != Kind::End
        && x.kind != Kind::Invalid
        && cmp_value(&av, &bv) == Ordering::Equal
    {
        av = x.token();
        bv = y.token();
    }
    match cmp_value(&av, &bv) {
        Ordering::Equal => {}
        o => return o,
    }
    // A revision with no number in front of more text (`-ruff`), or an
    // unknown suffix (`_blah`), is not a version: it is invalid from there.
    let effective = |l: &Lexer<'_>| {
        let bad_revision = l.kind == Kind::Revision
            && !l.s.is_empty()
            && !l.s.starts_with(|c: char| c.is_ascii_digit());
        let bad_suffix =
            l.kind == Kind::Suffix && !PRE.iter().chain(POST.iter()).any(|p| l.s.starts_with(p));
        if bad_revision || bad_suffix {
            Kind::Invalid
        } else {
            l.kind
        }
    };
    let (xk, yk) = (effective(&x), effective(&y));
    if xk == yk {
        return Ordering::Equal;
    }
    // Equal so far: what follows decides. From lowest to highest: an
    // invalid tail, a pre-release suffix, the end, then the continuations
    // (a letter continuing a component, `0r2`, outranks a new component,
    // `0.r1`).
    let pre = |l: &Lexer<'_>, k: Kind| {
        let mut t = Lexer {
            s: l.s,
            kind: l.kind,
        };
        k == Kind::Suffix && matches!(t.token(), Value::Small(v) if v < 0)
    };
    let rank = |l: &Lexer<'_>, k: Kind| match k {
        Kind::Invalid => 0,
        _ if pre(l, k) => 1,
        Kind::End => 2,
        Kind::Revision => 3,
        Kind::SuffixNo => 4,
        Kind::Suffix => 5,
        Kind::Digit => 6,
        Kind::DigitOrZero => 7,
        Kind::Letter => 8,
    };
    rank(&x, xk).cmp(&rank(&y, yk))
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::*;

    #[test]
    fn apk_rules() {
        assert_eq!(compare("1.2.3-r1", "1.2.3-r10"), Less);
        assert_eq!(compare("1.2_rc1", "1.2"), Less);
        assert_eq!(compare("1.2_p1", "1.2"), Greater);
        assert_eq!(compare("1.2a", "1.2"), Greater);
        assert_eq!(compare("1.02", "1.1"), Less);
        // Found by fuzzing: a multi-byte character where a separator goes.
        assert_eq!(compare("1é", "1é"), Equal);
        assert_eq!(compare("\u{fffd}0.01", "1"), Less);
        // Two invalid tails are equal whichever is on the left.
        assert_eq!(compare("_W", "\u{1}0"), Equal);
        assert_eq!(compare("\u{1}0", "_W"), Equal);
        // An invalid tail is below a pre-release suffix, both ways.
        assert_eq!(compare("_beta", "~3"), Greater);
        assert_eq!(compare("~3", "_beta"), Less);
    }
}

//! PyPI ordering (PEP 440).
//!
//! A version is `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, matched
//! case-insensitively with PEP 440's normalisations: a leading `v`,
//! `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`, `rev`/`r` and a bare
//! `-N` for `post`, optional `.`/`-`/`_` separators and missing numbers (0).
//! Order: epoch, release (trailing zeros dropped), pre-release (a lone dev
//! release sorts before every pre-release, no pre-release after all of
//! them), post-release (none first), dev release (none last), local version
//! (none first; numeric segments above alphanumeric ones).
//!
//! Strings that are not PEP 440 versions are ordered as `packaging`'s
//! `LegacyVersion` did (and OSV's reference still does): below every valid
//! version, and among themselves by setuptools' legacy key.

use std::cmp::Ordering;

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (la, lb) = (a.trim().to_ascii_lowercase(), b.trim().to_ascii_lowercase());
    match (parse(&la), parse(&lb)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => legacy_key(a).cmp(&legacy_key(b)),
    }
}

/// A non-negative integer as its digits without leading zeros; orders by
/// value whatever its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Num<'a>(&'a str);

impl<'a> Num<'a> {
    fn new(digits: &'a str) -> Self {
        Num(digits.trim_start_matches('0'))
    }
    fn is_zero(self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Num<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(other.0))
    }
}

impl PartialOrd for Num<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The pre-release part of the sort key; variants are in sort order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pre<'a> {
    /// A dev release of the final version (`1.0.dev1`): before its pre-releases.
    DevOfFinal,
    /// `a` (0), `b` (1) or `rc` (2) and its number.
    Release(u8, Num<'a>),
    /// No pre-release.
    None,
}

/// The dev-release part of the sort key; variants are in sort order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dev<'a> {
    Release(Num<'a>),
    None,
}

/// A local version segment: alphanumeric ones sort below numeric ones.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Local<'a> {
    Text(&'a str),
    Number(Num<'a>),
}

impl<'a> Local<'a> {
    fn new(part: &'a str) -> Self {
        if part.bytes().all(|c| c.is_ascii_digit()) {
            Local::Number(Num::new(part))
        } else {
            Local::Text(part)
        }
    }
}

/// The sort key of a valid version; fields are compared in order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version<'a> {
    epoch: Num<'a>,
    release: Vec<Num<'a>>,
    pre: Pre<'a>,
    post: Option<Num<'a>>,
    dev: Dev<'a>,
    local: Option<Vec<Local<'a>>>,
}

/// A cursor over an (ASCII-lowercased) version string.
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.at..).unwrap_or("")
    }

    fn eat(&mut self, word: &str) -> bool {
        let hit = self.rest().starts_with(word);
        if hit {
            self.at += word.len();
        }
        hit
    }

    /// Eats an optional `.`, `-` or `_`.
    fn eat_separator(&mut self) {
        if self.rest().starts_with(['.', '-', '_']) {
            self.at += 1;
        }
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> Option<&'a str> {
        let rest = self.rest();
        let n = rest.bytes().take_while(|&c| f(c)).count();
        // `f` accepts ASCII bytes only, so `n` is a char boundary.
        let taken = rest.get(..n).filter(|t| !t.is_empty())?;
        self.at += n;
        Some(taken)
    }

    fn digits(&mut self) -> Option<&'a str> {
        self.take_while(|c| c.is_ascii_digit())
    }

    /// Eats the first of `words` the input continues with (longest
    /// spellings must come first) and returns its value.
    fn eat_one_of<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<T> {
        words.iter().find(|(w, _)| self.eat(w)).map(|&(_, t)| t)
    }
}

/// Parses a trimmed, ASCII-lowercased PEP 440 version; `None` when the
/// whole string is not one.
fn parse(s: &str) -> Option<Version<'_>> {
    let mut c = Cursor { s, at: 0 };
    c.eat("v");

    let save = c.at;
    let epoch = match c.digits() {
        Some(d) if c.eat("!") => Num::new(d),
        _ => {
            c.at = save;
            Num::new("0")
        }
    };

    let mut release = vec![Num::new(c.digits()?)];
    loop {
        let save = c.at;
        match c.eat(".").then(|| c.digits()).flatten() {
            Some(d) => release.push(Num::new(d)),
            None => {
                c.at = save;
                break;
            }
        }
    }
    while release.last().is_some_and(|n| n.is_zero()) {
        release.pop();
    }

    let save = c.at;
    c.eat_separator();
    const PRE: [(&str, u8); 8] = [
        ("alpha", 0),
        ("a", 0),
        ("beta", 1),
        ("b", 1),
        ("preview", 2),
        ("pre", 2),
        ("rc", 2),
        ("c", 2),
    ];
    let pre = match c.eat_one_of(&PRE) {
        Some(kind) => {
            c.eat_separator();
            Some((kind, Num::new(c.digits().unwrap_or("0"))))
        }
        None => {
            c.at = save;
            None
        }
    };

    let save = c.at;
    let mut post = c.eat("-").then(|| c.digits()).flatten().map(Num::new);
    if post.is_none() {
        c.at = save;
        c.eat_separator();
        if c.eat_one_of(&[("post", ()), ("rev", ()), ("r", ())])
            .is_some()
        {
            c.eat_separator();
            post = Some(Num::new(c.digits().unwrap_or("0")));
        } else {
            c.at = save;
        }
    }

    let save = c.at;
    c.eat_separator();
    let dev = if c.eat("dev") {
        c.eat_separator();
        Some(Num::new(c.digits().unwrap_or("0")))
    } else {
        c.at = save;
        None
    };

    let local = if c.eat("+") {
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        let mut parts = vec![c.take_while(alnum)?];
        loop {
            let save = c.at;
            c.eat_separator();
            match c.take_while(alnum) {
                Some(p) => parts.push(p),
                None => {
                    c.at = save;
                    break;
                }
            }
        }
        Some(parts.into_iter().map(Local::new).collect())
    } else {
        None
    };

    if !c.rest().is_empty() {
        return None;
    }

    let pre = match (pre, post, dev) {
        (Some((kind, n)), _, _) => Pre::Release(kind, n),
        (None, None, Some(_)) => Pre::DevOfFinal,
        (None, _, _) => Pre::None,
    };
    let dev = dev.map_or(Dev::None, Dev::Release);
    Some(Version {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// setuptools' legacy sort key: runs of digits (zero-padded to 8, so they
/// compare as text), runs of letters and other text (prefixed `*`), with
/// `pre`/`preview`/`rc` read as `c`, `dev` as `@`, `-` as `final-`, and a
/// closing `*final`; trailing zero runs and a `-` before a pre-release tag
/// are dropped.
fn legacy_key(v: &str) -> Vec<String> {
    let lower = v.to_lowercase();
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = lower.as_str();
    let mut other_start: Option<&str> = None;
    while let Some(c) = rest.chars().next() {
        let n = if c.is_ascii_digit() {
            rest.bytes().take_while(u8::is_ascii_digit).count()
        } else if c.is_ascii_lowercase() {
            rest.bytes().take_while(u8::is_ascii_lowercase).count()
        } else if c == '.' || c == '-' {
            1
        } else {
            // Text no token matches stays one piece until the next token.
            other_start.get_or_insert(rest);
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            continue;
        };
        if let Some(start) = other_start.take() {
            pieces.push(start.get(..start.len() - rest.len()).unwrap_or(""));
        }
        pieces.push(rest.get(..n).unwrap_or(""));
        rest = rest.get(n..).unwrap_or("");
    }
    if let Some(start) = other_start {
        pieces.push(start);
    }

    let mut parts: Vec<String> = Vec::new();
    let mapped = pieces
        .into_iter()
        .filter(|p| !p.is_empty() && *p != ".")
        .map(|p| match p {
            "pre" | "preview" | "rc" => "*c".to_string(),
            "dev" => "*@".to_string(),
            "-" => "*final-".to_string(),
            _ if p.starts_with(|c: char| c.is_ascii_digit()) => format!("{p:0>8}"),
            _ => format!("*{p}"),
        });
    for part in mapped.chain(std::iter::once("*final".to_string())) {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn normalised_spellings_are_equal() {
        for (a, b) in [
            ("1.0a1", "1.0.alpha.1"),
            ("1.0-r1", "1.0.post1"),
            ("1.0-1", "1.0.post1"),
            ("1.0rev", "1.0.post0"),
            ("1.0c2", "1.0rc2"),
            ("1.0.PREVIEW_3", "1.0rc3"),
            ("v1.0", "1.0.0"),
            ("0!1.0", "1"),
            ("1.0.DEV", "1.0dev0"),
            (" 1.0 ", "1.0"),
            ("1.0+Ubuntu-1", "1.0+ubuntu.1"),
        ] {
            assert_eq!(compare(a, b), Equal, "{a} = {b}");
        }
    }

    #[test]
    fn release_order() {
        let ordered = [
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0a2.post1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+abc",
            "1.0+abc.5",
            "1.0+5",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.0.1",
            "1.1",
            "1!0.1",
        ];
        for w in ordered.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
    }

    #[test]
    fn numbers_of_any_length() {
        assert_eq!(
            compare("1.99999999999999999999999", "1.100000000000000000000000"),
            Less
        );
        assert_eq!(compare("1.00002", "1.2"), Equal);
    }

    #[test]
    fn invalid_versions_sort_below_valid_ones() {
        assert_eq!(compare("0.9-doduo", "0.1"), Less);
        assert_eq!(compare("0.1-bulbasaur", "0.1-charmander"), Less);
        assert_eq!(compare("1.0-dev-x", "1.0-pre-x"), Less);
        assert_eq!(compare("trunk", "trunk"), Equal);
        assert_eq!(compare("1.0+", "1.0"), Less);
        assert_eq!(compare("ünï€ødé", "1.0"), Less);
        assert_eq!(compare("", "ünï€ødé"), Less);
    }
}

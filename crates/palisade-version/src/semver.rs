//! SemVer 2.0 ordering as npm, crates.io, Go and Hex use it, leniently: a
//! leading `v` is ignored, missing minor or patch count as 0, build
//! metadata (`+…`, and any component after the third) is ignored, and
//! numbers of any length compare by value.

use std::cmp::Ordering;

/// A version split into its numeric core, prerelease identifiers and build
/// identifiers (the build is kept for Pub, which orders by it).
pub(crate) struct Parsed<'a> {
    pub core: [&'a str; 3],
    pub pre: Vec<&'a str>,
    pub build: Vec<&'a str>,
}

pub(crate) fn parse(v: &str) -> Parsed<'_> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, b.split('.').collect()),
        None => (v, Vec::new()),
    };
    let (core_text, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, p.split('.').collect()),
        None => (rest, Vec::new()),
    };
    let mut core = ["0"; 3];
    for (i, part) in core_text.splitn(4, '.').take(3).enumerate() {
        core[i] = part;
    }
    Parsed { core, pre, build }
}

/// Compares digit strings of any length by value; non-numeric text sorts
/// after numbers and lexically among itself.
pub(crate) fn cmp_numeric(a: &str, b: &str) -> Ordering {
    let num = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => crate::cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// Compares dot-separated identifier lists as SemVer prereleases do:
/// numeric identifiers by value and below alphanumeric ones, a shorter list
/// below a longer one it prefixes.
pub(crate) fn cmp_identifiers(a: &[&str], b: &[&str]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match cmp_numeric(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    a.len().cmp(&b.len())
}

/// Core, then prerelease (a version without one is greater).
pub(crate) fn cmp_parsed(a: &Parsed<'_>, b: &Parsed<'_>) -> Ordering {
    for i in 0..3 {
        match cmp_numeric(a.core[i], b.core[i]) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => cmp_identifiers(&a.pre, &b.pre),
    }
}

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    cmp_parsed(&parse(a), &parse(b))
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::*;

    #[test]
    fn semver_rules() {
        assert_eq!(compare("1.0.0-alpha.1", "1.0.0-alpha.beta"), Less);
        assert_eq!(compare("1.0.0-beta.11", "1.0.0-beta.2"), Greater);
        assert_eq!(compare("v1.2.3+build", "1.2.3+other"), Equal);
        assert_eq!(compare("1.2.3-r100", "1.2.3-R2"), Greater);
        assert_eq!(compare("99999999999999999999999.0.0", "9.0.0"), Greater);
    }
}

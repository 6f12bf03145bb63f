//! Hackage version order (Haskell's `Data.Version`).
//!
//! A version is a dot-separated list of non-negative integers (its
//! `versionBranch`), compared as lists: component by component by numeric
//! value, and when one list is a prefix of the other the shorter one is
//! lower, so `1.0 < 1.0.0`. Deprecated tags (`1.2-foo`) take no part in the
//! order, as in `Data.Version`'s `Ord`. Input Cabal would reject is still
//! ordered: empty components are skipped and a component that is not all
//! digits sorts below any number, byte-wise against other such components.

use std::cmp::Ordering;

/// Orders two Hackage versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (branch(a), branch(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = crate::cran::compare_component(x, y);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// The components of `v`'s branch (tags after the first `-` dropped).
fn branch(v: &str) -> impl Iterator<Item = &str> {
    let branch = v.split_once('-').map_or(v, |(branch, _tags)| branch);
    branch.split('.').filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn branches_compare_as_lists() {
        assert_eq!(compare("1.0.0", "1.0"), Greater);
        assert_eq!(compare("0.1.26.0", "0"), Greater);
        assert_eq!(compare("1.0.0.0", "0.11.3.0"), Greater);
        assert_eq!(compare("0.1.0.0", "0.1.0.0"), Equal);
    }

    #[test]
    fn components_compare_numerically() {
        assert_eq!(compare("0.5.9", "0.5.10"), Less);
        assert_eq!(compare("1.010", "1.10"), Equal);
        assert_eq!(
            compare("1.99999999999999999999999", "1.100000000000000000000000"),
            Less
        );
    }

    #[test]
    fn tags_are_ignored() {
        assert_eq!(compare("1.2-beta", "1.2"), Equal);
        assert_eq!(compare("1.2-beta", "1.3"), Less);
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(compare("1.x", "1.0"), Less);
        assert_eq!(compare("", "0"), Less);
        assert_eq!(compare("ü.1", "ü.1"), Equal);
    }
}

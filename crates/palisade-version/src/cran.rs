//! CRAN version order (R's `package_version`).
//!
//! A version is a list of non-negative integers separated by `.` or `-`
//! (`1.0-2` is `[1, 0, 2]`), compared component by component by numeric
//! value (leading zeros do not count, so `0.01 = 0.1`); when one list is a
//! prefix of the other the shorter one is lower, so `1.8 < 1.8.0`. Input R
//! would reject is still ordered: empty components are skipped and a
//! component that is not all digits sorts below any number, byte-wise
//! against other such components.

use std::cmp::Ordering;

/// Orders two CRAN versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    compare_components(components(a), components(b))
}

fn components(v: &str) -> impl Iterator<Item = &str> {
    v.split(['.', '-']).filter(|c| !c.is_empty())
}

fn compare_components<'a>(
    mut a: impl Iterator<Item = &'a str>,
    mut b: impl Iterator<Item = &'a str>,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = compare_component(x, y);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// Numbers by value, above text; text byte by byte (also Hackage's rule).
pub(crate) fn compare_component(x: &str, y: &str) -> Ordering {
    let numeric = |c: &str| c.bytes().all(|b| b.is_ascii_digit());
    match (numeric(x), numeric(y)) {
        (true, true) => crate::cmp_digits(x, y),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x.cmp(y),
    }
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn components_compare_numerically() {
        assert_eq!(compare("0.9", "0.75"), Less);
        assert_eq!(compare("0.1.4", "0.1.18"), Less);
        assert_eq!(
            compare(
                "999999999999999999999999999991",
                "999999999999999999999999999999"
            ),
            Less
        );
    }

    #[test]
    fn dot_and_hyphen_are_the_same_separator() {
        assert_eq!(compare("0.01.0", "0.1-0"), Equal);
        assert_eq!(compare("1.0-1", "1.0.1"), Equal);
        assert_eq!(compare("0.1-2", "0.2-2"), Less);
    }

    #[test]
    fn missing_components_are_lower() {
        assert_eq!(compare("1.8", "1.8.0"), Less);
        assert_eq!(compare("0.3.2.0", "0.3.2"), Greater);
        assert_eq!(compare("2.0", "1.0.0"), Greater);
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(compare("1.a", "1.0"), Less);
        assert_eq!(compare("1..2", "1.2"), Equal);
        assert_eq!(compare("", "0"), Less);
        assert_eq!(compare("1.é", "1.é"), Equal);
    }
}

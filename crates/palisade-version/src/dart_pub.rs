//! Pub (Dart) ordering: SemVer, except that build metadata counts: a
//! version with build identifiers sorts after the same version without, and
//! build identifiers compare like prerelease ones.

use std::cmp::Ordering;

use crate::semver::{cmp_identifiers, cmp_parsed, parse};

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (parse(a), parse(b));
    cmp_parsed(&a, &b).then_with(|| match (a.build.is_empty(), b.build.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => cmp_identifiers(&a.build, &b.build),
    })
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::*;

    #[test]
    fn build_metadata_orders() {
        assert_eq!(compare("1.0.0", "1.0.0+build"), Less);
        assert_eq!(compare("1.2.3+9", "1.2.3+a"), Less);
        assert_eq!(compare("1.0.0-pre+build", "1.0.0"), Less);
    }
}

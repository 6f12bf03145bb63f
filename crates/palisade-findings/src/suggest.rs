//! "Did you mean": the nearest of a set of names to one that is unknown.

/// The candidate nearest to `word` (Levenshtein distance; the first in
/// order among equals) that `near(distance, candidate)` accepts.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    near: impl Fn(usize, &str) -> bool,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, c)| near(*d, c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_accepted_first_among_equals() {
        let words = ["get", "list", "gets"];
        assert_eq!(closest("gett", words, |d, _| d <= 2), Some("get"));
        assert_eq!(closest("zzzzzz", words, |d, _| d <= 2), None);
        assert_eq!(
            closest("li", words, |_, c| c.starts_with("li")),
            Some("list")
        );
    }
}

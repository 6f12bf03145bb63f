//! Label selectors, as `metav1.LabelSelectorAsSelector` evaluates them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// Whether `labels` satisfy `selector`. An empty selector (`{}`) matches
/// everything; an unknown operator matches nothing (the API rejects it).
pub fn matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    if let Some(ml) = &selector.match_labels
        && !ml.iter().all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    selector.match_expressions.iter().flatten().all(|req| {
        let values = req.values.as_deref().unwrap_or(&[]);
        let have = labels.get(&req.key);
        match req.operator.as_str() {
            "In" => have.is_some_and(|v| values.contains(v)),
            "NotIn" => have.is_none_or(|v| !values.contains(v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        }
    })
}

/// A Service-style equality selector (`spec.selector`). An empty map
/// selects nothing for a Service; callers decide what empty means.
pub fn matches_map(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Whether a selector has no requirements at all (`{}`).
pub fn is_empty(selector: &LabelSelector) -> bool {
    selector
        .match_labels
        .as_ref()
        .is_none_or(BTreeMap::is_empty)
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn empty_matches_all() {
        let s = LabelSelector::default();
        assert!(is_empty(&s));
        assert!(matches(&s, &labels(&[])));
        assert!(matches(&s, &labels(&[("a", "b")])));
    }

    #[test]
    fn labels_and_expressions_are_anded() {
        let s = LabelSelector {
            match_labels: Some(labels(&[("app", "api")])),
            match_expressions: Some(vec![
                req("tier", "In", &["web", "api"]),
                req("canary", "DoesNotExist", &[]),
                req("env", "NotIn", &["dev"]),
            ]),
        };
        assert!(matches(&s, &labels(&[("app", "api"), ("tier", "api")])));
        assert!(matches(
            &s,
            &labels(&[("app", "api"), ("tier", "web"), ("env", "prod")])
        ));
        assert!(!matches(
            &s,
            &labels(&[("app", "api"), ("tier", "web"), ("env", "dev")])
        ));
        assert!(!matches(
            &s,
            &labels(&[("app", "api"), ("tier", "api"), ("canary", "1")])
        ));
        assert!(!matches(&s, &labels(&[("app", "web"), ("tier", "api")])));
        assert!(!matches(&s, &labels(&[("app", "api")])));
    }

    #[test]
    fn unknown_operator_matches_nothing() {
        let s = LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![req("a", "Bogus", &[])]),
        };
        assert!(!matches(&s, &labels(&[("a", "b")])));
    }

    #[test]
    fn map_selector() {
        assert!(matches_map(
            &labels(&[("app", "x")]),
            &labels(&[("app", "x"), ("b", "c")])
        ));
        assert!(!matches_map(&labels(&[("app", "x")]), &labels(&[])));
    }
}

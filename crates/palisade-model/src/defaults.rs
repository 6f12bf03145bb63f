//! Defaults the API server writes into stored objects, so that what a file
//! says and what the cluster runs compare equal.

use k8s_openapi::api::core::v1::LimitRangeItem;

/// A LimitRange item as the API server stores it (its
/// `SetDefaults_LimitRangeItem`): for `Container` items an unset default
/// limit is the max, and an unset default request is the default limit,
/// else the min.
pub fn limit_range_item(item: &LimitRangeItem) -> LimitRangeItem {
    let mut out = item.clone();
    if item.type_ != "Container" {
        return out;
    }
    let mut default = item.default.clone().unwrap_or_default();
    for (r, q) in item.max.iter().flatten() {
        default.entry(r.clone()).or_insert_with(|| q.clone());
    }
    let mut request = item.default_request.clone().unwrap_or_default();
    for (r, q) in default.iter().chain(item.min.iter().flatten()) {
        request.entry(r.clone()).or_insert_with(|| q.clone());
    }
    out.default = (!default.is_empty()).then_some(default);
    out.default_request = (!request.is_empty()).then_some(request);
    out
}

/// [`limit_range_item`] over the `limits` of a LimitRange `spec` in JSON
/// (items that do not read as LimitRangeItems are left as they are).
pub fn limit_range_spec_json(spec: &mut serde_json::Value) {
    for item in spec
        .get_mut("limits")
        .and_then(serde_json::Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Ok(typed) = serde_json::from_value::<LimitRangeItem>(item.clone())
            && let Ok(v) = serde_json::to_value(limit_range_item(&typed))
        {
            *item = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_then_default_then_min() {
        let mut spec = serde_json::json!({"limits": [
            {"type": "Container", "defaultRequest": {"cpu": "100m"}, "default": {"memory": "256Mi"},
             "max": {"cpu": "2", "memory": "2Gi"}, "min": {"ephemeral-storage": "1Gi"}},
            {"type": "Pod", "max": {"cpu": "4"}}]});
        limit_range_spec_json(&mut spec);
        let c = &spec["limits"][0];
        assert_eq!(
            c["default"],
            serde_json::json!({"cpu": "2", "memory": "256Mi"})
        );
        assert_eq!(
            c["defaultRequest"],
            serde_json::json!({"cpu": "100m", "memory": "256Mi", "ephemeral-storage": "1Gi"})
        );
        assert!(
            spec["limits"][1].get("default").is_none(),
            "only Container items"
        );
    }
}

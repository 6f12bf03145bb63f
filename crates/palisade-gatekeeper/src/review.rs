//! The object under review, as Gatekeeper hands it to Rego
//! (`input.review`: an AdmissionRequest), and `data.inventory`.

use regorus::Value;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// An admission request, or an object reviewed as if it were created.
#[derive(Debug, Clone)]
pub struct Review {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    pub object: Json,
    pub old_object: Option<Json>,
    pub user_info: Option<Json>,
    /// The labels of the object's Namespace, for `namespaceSelector`.
    pub namespace_labels: Option<BTreeMap<String, String>>,
}

fn split_api_version(api_version: &str) -> (String, String) {
    match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

fn labels_of(obj: &Json) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

impl Review {
    /// An object reviewed as a CREATE (what `gator verify` and
    /// `palisade policy eval` do with manifests).
    pub fn create(object: Json) -> Review {
        let api_version = object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or("");
        let (group, version) = split_api_version(api_version);
        let s = |p: &str| {
            object
                .pointer(p)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        Review {
            group,
            version,
            kind: s("/kind"),
            name: s("/metadata/name"),
            namespace: s("/metadata/namespace"),
            operation: "CREATE".into(),
            object,
            old_object: None,
            user_info: None,
            namespace_labels: None,
        }
    }

    /// An AdmissionRequest (`AdmissionReview.request`, v1 or v1beta1).
    pub fn from_request(req: &Json) -> Review {
        let s = |p: &str| {
            req.pointer(p)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        let object = req.get("object").cloned().unwrap_or(Json::Null);
        let old_object = req.get("oldObject").filter(|o| !o.is_null()).cloned();
        // DELETE carries only oldObject; Gatekeeper reviews that
        let subject = if object.is_null() {
            old_object.clone().unwrap_or(Json::Null)
        } else {
            object.clone()
        };
        let name = match s("/name") {
            n if n.is_empty() => subject
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            n => n,
        };
        Review {
            group: s("/kind/group"),
            version: s("/kind/version"),
            kind: s("/kind/kind"),
            name,
            namespace: s("/namespace"),
            operation: match s("/operation") {
                o if o.is_empty() => "CREATE".into(),
                o => o,
            },
            object: subject,
            old_object,
            user_info: req.get("userInfo").cloned(),
            namespace_labels: None,
        }
    }

    pub fn labels(&self) -> BTreeMap<String, String> {
        labels_of(&self.object)
    }

    /// `input.review`.
    pub fn to_json(&self) -> Json {
        let mut r = json!({
            "kind": {"group": self.group, "version": self.version, "kind": self.kind},
            "name": self.name,
            "operation": self.operation,
            "object": self.object,
        });
        if !self.namespace.is_empty() {
            r["namespace"] = Json::String(self.namespace.clone());
        }
        if let Some(o) = &self.old_object {
            r["oldObject"] = o.clone();
        }
        if let Some(u) = &self.user_info {
            r["userInfo"] = u.clone();
        }
        r
    }
}

/// The regorus input `{review, parameters}`.
pub fn input(review: &Json, parameters: &Json) -> Value {
    Value::from(json!({"review": review, "parameters": parameters}))
}

/// `data.inventory`: cluster-scoped objects under
/// `cluster[apiVersion][kind][name]`, namespaced ones under
/// `namespace[ns][apiVersion][kind][name]`, as Gatekeeper syncs them.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    cluster: serde_json::Map<String, Json>,
    namespace: serde_json::Map<String, Json>,
    /// Namespace labels, for `namespaceSelector`.
    namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
    count: usize,
}

fn slot<'a>(
    m: &'a mut serde_json::Map<String, Json>,
    key: &str,
) -> &'a mut serde_json::Map<String, Json> {
    let v = m
        .entry(key.to_string())
        .or_insert_with(|| Json::Object(Default::default()));
    if !v.is_object() {
        *v = Json::Object(Default::default());
    }
    v.as_object_mut().expect("an object was just put here")
}

impl Inventory {
    pub fn add(&mut self, obj: &Json) {
        let s = |p: &str| obj.pointer(p).and_then(Json::as_str).unwrap_or("");
        let (api_version, kind, name, ns) = (
            s("/apiVersion"),
            s("/kind"),
            s("/metadata/name"),
            s("/metadata/namespace"),
        );
        if kind.is_empty() || name.is_empty() {
            return;
        }
        if kind == "Namespace" && !api_version.contains('/') {
            self.namespace_labels
                .insert(name.to_string(), labels_of(obj));
        }
        let root = if ns.is_empty() {
            &mut self.cluster
        } else {
            slot(&mut self.namespace, ns)
        };
        slot(slot(root, api_version), kind).insert(name.to_string(), obj.clone());
        self.count += 1;
    }

    /// Adds an object of the model, in its effective namespace.
    pub fn add_object(&mut self, o: &palisade_model::Object) {
        self.add(&o.admitted_json());
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn namespace_labels(&self, ns: &str) -> Option<&BTreeMap<String, String>> {
        self.namespace_labels.get(ns)
    }

    /// The value of `data.inventory`.
    pub fn to_value(&self) -> Value {
        Value::from(json!({"cluster": self.cluster, "namespace": self.namespace}))
    }
}

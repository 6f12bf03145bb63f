//! What one review may cost, and the answer when a request is over it.
//!
//! A review's memory grows with the reviewed object: with its bytes (the
//! parsed tree and the model built from it) and, far more, with its
//! containers (every check reports on every container: ~6 findings and
//! ~16–19 KB each, measured in `tests/budget.rs`). A request over a limit
//! is not an HTTP error, which the API server would turn into "admitted
//! unchecked" under `failurePolicy: Ignore`: it is an AdmissionReview that
//! refuses the object, names the limit and how to raise it.

use serde_json::{Value as Json, json};

/// Where a pod spec sits in the kinds that carry one: a Pod, a
/// PodTemplate, the workload controllers, a Job and a CronJob.
const POD_SPECS: &[&str] = &[
    "/spec",
    "/template/spec",
    "/spec/template/spec",
    "/spec/jobTemplate/spec/template/spec",
];

/// The containers, init containers and ephemeral containers of the pod
/// spec `object` carries (the largest count where several paths hold one;
/// 0 for objects without a pod spec).
pub fn count_containers(object: &Json) -> usize {
    POD_SPECS
        .iter()
        .filter_map(|p| object.pointer(p))
        .map(|spec| {
            ["containers", "initContainers", "ephemeralContainers"]
                .iter()
                .filter_map(|k| spec.get(k).and_then(Json::as_array))
                .map(Vec::len)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

/// What the start of an AdmissionReview says about the request: enough to
/// answer it without reading (or keeping) the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `apiVersion` (`admission.k8s.io/v1` when the prefix does not say).
    pub api_version: Option<String>,
    /// `request.uid`.
    pub uid: Option<String>,
    /// `request.namespace`.
    pub namespace: Option<String>,
}

/// Reads `apiVersion`, `request.uid` and `request.namespace` from the
/// start of a JSON document, which may be cut anywhere.
pub fn identity(prefix: &[u8]) -> Identity {
    let mut s = IdentityScanner::default();
    s.feed(prefix);
    s.found
}

/// Longest key or value kept while scanning; longer ones are skipped.
const MAX_TEXT: usize = 4096;

/// [`identity`] over a body that arrives in pieces: fed each piece as it
/// comes, it keeps the state of the scan and nothing of the body (the
/// kinds of the first two levels, a depth, and at most one short string),
/// so a body of any length, nesting or key order costs nothing to scan.
#[derive(Debug, Default)]
pub struct IdentityScanner {
    found: Identity,
    depth: usize,
    /// Whether levels 1 and 2 are objects (rather than arrays).
    objects: [bool; 2],
    /// The current key at levels 1 and 2.
    keys: [Option<String>; 2],
    expect_key: bool,
    in_string: bool,
    escaped: bool,
    /// The string being read (at levels 1 and 2), with its quotes.
    text: Vec<u8>,
    too_long: bool,
}

impl IdentityScanner {
    pub fn new() -> IdentityScanner {
        IdentityScanner::default()
    }

    /// What was found so far.
    pub fn identity(&self) -> &Identity {
        &self.found
    }

    /// All three found: the rest need not be scanned.
    pub fn complete(&self) -> bool {
        self.found.uid.is_some()
            && self.found.namespace.is_some()
            && self.found.api_version.is_some()
    }

    fn shallow(&self) -> bool {
        (1..=2).contains(&self.depth)
    }

    /// Scans the next piece of the body.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.complete() {
                return;
            }
            if self.in_string {
                if self.shallow() && !self.too_long {
                    if self.text.len() < MAX_TEXT {
                        self.text.push(b);
                    } else {
                        self.too_long = true;
                    }
                }
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    self.string_done();
                }
                continue;
            }
            match b {
                b'{' | b'[' => {
                    self.depth += 1;
                    if self.shallow() {
                        self.objects[self.depth - 1] = b == b'{';
                        self.keys[self.depth - 1] = None;
                    }
                    self.expect_key = b == b'{';
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.expect_key = false;
                }
                b':' => self.expect_key = false,
                b',' => self.expect_key = self.shallow() && self.objects[self.depth - 1],
                b'"' => {
                    self.in_string = true;
                    self.text.clear();
                    self.text.push(b'"');
                    self.too_long = false;
                }
                _ => {}
            }
        }
    }

    fn string_done(&mut self) {
        if !self.shallow() || self.too_long {
            return;
        }
        let d = self.depth;
        let text = serde_json::from_slice::<String>(&self.text).ok();
        if self.expect_key && self.objects[d - 1] {
            self.keys[d - 1] = text;
            return;
        }
        if !self.objects[..d].iter().all(|&o| o) {
            return;
        }
        let in_request = self.keys[0].as_deref() == Some("request");
        match (d, self.keys[d - 1].as_deref()) {
            (1, Some("apiVersion")) => self.found.api_version = text,
            (2, Some("uid")) if in_request => self.found.uid = text,
            (2, Some("namespace")) if in_request => self.found.namespace = text,
            _ => {}
        }
    }
}

/// The AdmissionReview refusing request `uid`: `allowed: false` with
/// `status` `code`, `reason` and `message`.
pub fn refusal(api_version: &str, uid: &str, code: u16, reason: &str, message: &str) -> Json {
    json!({
        "apiVersion": api_version,
        "kind": "AdmissionReview",
        "response": {
            "uid": uid,
            "allowed": false,
            "status": {"code": code, "reason": reason, "message": message},
        }
    })
}

/// The refusal of an AdmissionReview of `size` bytes (when known) over
/// `limit`, by what [`IdentityScanner`] found in its body; `None` when the
/// body did not name the request's uid (then only an HTTP 413 is left).
pub fn refuse_too_large(id: &Identity, size: Option<u64>, limit: usize) -> Option<crate::Decision> {
    let uid = id.uid.clone().filter(|u| !u.is_empty())?;
    let api_version = id
        .api_version
        .clone()
        .filter(|v| v == "admission.k8s.io/v1beta1")
        .unwrap_or_else(|| "admission.k8s.io/v1".into());
    let size = match size {
        Some(n) => format!("{n} bytes"),
        None => "more bytes".into(),
    };
    let message = format!(
        "palisade refused this request without checking it: its AdmissionReview is {size}, over the webhook's limit of {limit} bytes (raise it with `palisade admission serve --max-request-bytes` or limits.maxRequestBytes)"
    );
    Some(crate::Decision {
        response: refusal(&api_version, &uid, 413, "RequestEntityTooLarge", &message),
        allowed: false,
        outcome: "refused",
        namespace: id.namespace.clone().unwrap_or_default(),
        verdicts: Vec::new(),
        policy_errors: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_reads_the_request_uid_not_the_objects() {
        let body = br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"shop","object":{"metadata":{"uid":"not-this","namespace":"nor-this"},"spec":{"containers":[{"name":"c0"},{"name":"c1"#;
        let id = identity(body);
        assert_eq!(id.uid.as_deref(), Some("u-1"));
        assert_eq!(id.namespace.as_deref(), Some("shop"));
        assert_eq!(id.api_version.as_deref(), Some("admission.k8s.io/v1beta1"));
        // keys in another order, nested uids first, escapes
        let body = br#"{"request": {"object": {"metadata": {"uid": "obj"}}, "userInfo": {"uid": "user"}, "uid": "r\"2", "namespace": "a"}, "apiVersion": "admission.k8s.io/v1"}"#;
        let id = identity(body);
        assert_eq!(id.uid.as_deref(), Some("r\"2"));
        assert_eq!(id.namespace.as_deref(), Some("a"));
        // cut before the uid, inside a string, or no object at all
        assert_eq!(identity(br#"{"request":{"ui"#).uid, None);
        assert_eq!(identity(br#"{"request":{"uid":"abc"#).uid, None);
        assert_eq!(identity(b"[[[[[[[[[[[[[[[[[[[[[[[[").uid, None);
        assert_eq!(identity(br#"["request",{"uid":"x"}]"#).uid, None);
        assert_eq!(identity(br#"{"a":[{"request":{"uid":"x"}}]}"#).uid, None);
        // fed in pieces of any size: the same
        let body = br#"{"request": {"object": {"metadata": {"uid": "obj"}, "x": [[[["uid"]]]]}, "uid": "r-3", "namespace": "a"}, "apiVersion": "admission.k8s.io/v1"}"#;
        for size in [1, 2, 3, 7, 64] {
            let mut s = IdentityScanner::new();
            for piece in body.chunks(size) {
                s.feed(piece);
            }
            assert_eq!(s.identity().uid.as_deref(), Some("r-3"), "pieces of {size}");
            assert!(s.complete());
        }
    }

    #[test]
    fn containers_are_counted_in_every_kind_of_pod_spec() {
        let pod = json!({"spec": {"containers": [{}, {}], "initContainers": [{}], "ephemeralContainers": [{}]}});
        assert_eq!(count_containers(&pod), 4);
        let deploy = json!({"spec": {"template": {"spec": {"containers": [{}, {}, {}]}}}});
        assert_eq!(count_containers(&deploy), 3);
        let cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"initContainers": [{}]}}}}}});
        assert_eq!(count_containers(&cron), 1);
        assert_eq!(count_containers(&json!({"data": {"a": "b"}})), 0);
    }

    #[test]
    fn a_too_large_request_is_refused_by_uid() {
        let d = refuse_too_large(
            &identity(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","namespace":"ns","object":{"#),
            Some(5_000_000),
            3 << 20,
        )
        .unwrap();
        assert!(!d.allowed);
        assert_eq!(d.namespace, "ns");
        let r = &d.response["response"];
        assert_eq!(r["uid"], "u");
        assert_eq!(r["status"]["code"], 413);
        let m = r["status"]["message"].as_str().unwrap();
        assert!(
            m.contains("5000000 bytes") && m.contains("--max-request-bytes"),
            "{m}"
        );
        assert!(refuse_too_large(&identity(b"{\"request\":{\"object\":"), None, 1).is_none());
    }
}

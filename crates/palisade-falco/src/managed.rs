//! Managed clusters' audit logs: the records EKS (CloudWatch Logs), GKE
//! (Cloud Logging) and AKS (Azure Monitor) deliver, mapped to the
//! `audit.k8s.io/v1` Event JSON every field extractor reads.
//!
//! EKS and AKS carry the API server's own Event as a JSON string (a
//! CloudWatch log event's `message`, a diagnostic record's `properties.log`):
//! it is used as it is. GKE rewrites each request as a Cloud Audit Logs
//! `AuditLog` ([`gke_entry`] maps it back); the AKS Log Analytics tables
//! (`AKSAudit`, `AKSAuditAdmin`) spell the Event's fields in PascalCase
//! ([`aks_row`]). Which record is which is decided in [`crate::event`].

use serde_json::{Map, Value};

/// The format a record was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// `audit.k8s.io` `Event` or `EventList` (the log and webhook backends).
    Native,
    /// EKS: CloudWatch Logs log events (`aws logs filter-log-events` /
    /// `get-log-events` output, one event per line, or the export to S3).
    EksCloudWatch,
    /// EKS: CloudWatch Logs subscription data (Kinesis, Firehose, Lambda),
    /// decompressed.
    EksSubscription,
    /// GKE: Cloud Logging `LogEntry` with a Kubernetes `AuditLog` payload.
    Gke,
    /// AKS: Azure Monitor diagnostic records (`kube-audit`,
    /// `kube-audit-admin`; event hub, storage account, `AzureDiagnostics`).
    AksDiagnostics,
    /// AKS: Log Analytics `AKSAudit` / `AKSAuditAdmin` rows.
    AksTable,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Native => "audit.k8s.io Event",
            Format::EksCloudWatch => "EKS CloudWatch Logs",
            Format::EksSubscription => "EKS CloudWatch Logs subscription",
            Format::Gke => "GKE Cloud Logging",
            Format::AksDiagnostics => "AKS diagnostic logs",
            Format::AksTable => "AKS Log Analytics",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `protoPayload.@type` of Cloud Audit Logs entries.
pub const AUDIT_LOG_TYPE: &str = "type.googleapis.com/google.cloud.audit.AuditLog";

/// Subresources whose requests upgrade the connection (the API server logs
/// them at `ResponseStarted` with 101).
const CONNECT_SUBRESOURCES: [&str; 3] = ["exec", "attach", "portforward"];

/// `v1`, `v1beta1`, `v2alpha1`…
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let tail = &rest[digits..];
    tail.is_empty()
        || ["alpha", "beta"].iter().any(|p| {
            tail.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// What a GKE `methodName` (`io.k8s.core.v1.pods.exec.create`,
/// `io.k8s.authorization.rbac.v1.clusterrolebindings.create`) says: the
/// resource and subresource after the version, and the verb (last).
#[derive(Debug, PartialEq, Eq)]
struct Method<'a> {
    resource: Option<&'a str>,
    subresource: Option<&'a str>,
    verb: &'a str,
}

fn parse_method(m: &str) -> Method<'_> {
    let parts: Vec<&str> = m.split('.').collect();
    let last = parts.len() - 1;
    let verb = parts[last];
    let v = parts.iter().position(|p| is_version(p));
    let at = |i: usize| (i < last).then(|| parts[i]);
    Method {
        resource: v.and_then(|v| at(v + 1)),
        subresource: v.and_then(|v| at(v + 2)),
        verb,
    }
}

/// An `objectRef` from a GKE `resourceName`:
/// `GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]]`, the core
/// group spelled `core`. `method_resource` (from `methodName`) tells a
/// namespace's own subresource (`core/v1/namespaces/NS/status`) from a
/// namespaced collection.
#[derive(Debug, Default, PartialEq, Eq)]
struct ObjectRef<'a> {
    group: &'a str,
    version: &'a str,
    namespace: Option<&'a str>,
    resource: &'a str,
    name: Option<&'a str>,
    subresource: Option<&'a str>,
}

fn parse_resource_name<'a>(rn: &'a str, method_resource: Option<&str>) -> Option<ObjectRef<'a>> {
    let parts: Vec<&str> = rn.trim_matches('/').split('/').collect();
    if parts.len() < 3 || !is_version(parts[1]) {
        return None;
    }
    let group = if parts[0] == "core" { "" } else { parts[0] };
    let mut rest = &parts[2..];
    let mut namespace = None;
    if rest[0] == "namespaces" && rest.len() >= 3 && method_resource != Some("namespaces") {
        namespace = Some(rest[1]);
        rest = &rest[2..];
    }
    let nonempty = |s: Option<&&'a str>| s.copied().filter(|s| !s.is_empty());
    Some(ObjectRef {
        group,
        version: parts[1],
        namespace,
        resource: rest[0],
        name: nonempty(rest.get(1)),
        subresource: nonempty(rest.get(2)),
    })
}

/// A gRPC status code (`google.rpc.Code`, what `protoPayload.status.code`
/// holds) as the HTTP status the API server answered, following the mapping
/// `google/rpc/code.proto` documents: OK → 200 (201 for a create, 101 for
/// an exec/attach/portforward, which the API server answers with an
/// upgrade), INVALID_ARGUMENT 3 → 400, DEADLINE_EXCEEDED 4 → 504,
/// NOT_FOUND 5 → 404, ALREADY_EXISTS 6 → 409, PERMISSION_DENIED 7 → 403,
/// RESOURCE_EXHAUSTED 8 → 429, FAILED_PRECONDITION 9 → 400, ABORTED 10 →
/// 409, OUT_OF_RANGE 11 → 400, UNIMPLEMENTED 12 → 501, UNAVAILABLE 14 →
/// 503, UNAUTHENTICATED 16 → 401, CANCELLED 1 → 499, anything else
/// (UNKNOWN, INTERNAL, DATA_LOSS) → 500.
pub fn grpc_to_http(code: i64, verb: &str, connect: bool) -> u16 {
    match code {
        0 if connect => 101,
        0 if verb == "create" => 201,
        0 => 200,
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

fn str_of<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A Kubernetes object from `request`/`response`, without the `@type` the
/// proto-to-JSON conversion adds (`core.k8s.io/v1.Pod`).
fn k8s_object(v: Option<Value>) -> Option<Value> {
    match v? {
        Value::Object(mut o) => {
            o.remove("@type");
            (!o.is_empty()).then_some(Value::Object(o))
        }
        _ => None,
    }
}

/// A GKE Cloud Logging entry as an audit Event; `Err` says why an entry is
/// not a Kubernetes API audit record (another service's audit log, a
/// non-audit log). See `docs/audit.md` for the mapping.
pub fn gke_entry(mut entry: Map<String, Value>) -> Result<Value, String> {
    let mut p = match entry.remove("protoPayload") {
        Some(Value::Object(p)) => p,
        _ => {
            let log = str_of(&entry, "logName").unwrap_or("a Cloud Logging entry");
            return Err(format!("{log} has no AuditLog protoPayload"));
        }
    };
    let ty = str_of(&p, "@type").unwrap_or("");
    if ty != AUDIT_LOG_TYPE {
        return Err(format!("protoPayload is a {ty:?}, not an AuditLog"));
    }
    let method = str_of(&p, "methodName").unwrap_or("").to_string();
    let service = str_of(&p, "serviceName").unwrap_or("");
    if !(method.starts_with("io.k8s.") || service == "k8s.io") {
        return Err(format!(
            "an audit log of {service:?} ({method}), not of the Kubernetes API"
        ));
    }
    let m = parse_method(&method);
    let verb = m.verb.to_ascii_lowercase();
    let resource_name = str_of(&p, "resourceName").unwrap_or("").to_string();
    let obj = parse_resource_name(&resource_name, m.resource);
    let subresource = obj
        .as_ref()
        .and_then(|o| o.subresource)
        .or(m.subresource)
        .map(str::to_string);
    let connect = subresource
        .as_deref()
        .is_some_and(|s| CONNECT_SUBRESOURCES.contains(&s));

    let mut ev = Map::new();
    ev.insert("kind".into(), "Event".into());
    ev.insert("apiVersion".into(), "audit.k8s.io/v1".into());
    let request = k8s_object(p.remove("request"));
    let response = k8s_object(p.remove("response"));
    let level = if response.is_some() {
        "RequestResponse"
    } else if request.is_some() {
        "Request"
    } else {
        "Metadata"
    };
    ev.insert("level".into(), level.into());
    if let Some(id) = str_of(&entry, "insertId") {
        ev.insert("auditID".into(), id.into());
    }

    // The HTTP code: a Status in the response says it; otherwise the gRPC
    // code of the entry.
    let status = match p.get("status") {
        Some(Value::Object(s)) => s.clone(),
        _ => Map::new(),
    };
    let grpc = status.get("code").and_then(Value::as_i64).unwrap_or(0);
    let from_response = response
        .as_ref()
        .filter(|r| r.get("kind").and_then(Value::as_str) == Some("Status"))
        .and_then(|r| r.get("code")?.as_u64())
        .filter(|c| (100..600).contains(c));
    let code = from_response.unwrap_or_else(|| u64::from(grpc_to_http(grpc, &verb, connect)));
    // GKE logs an exec once; the API server logs it when the stream starts,
    // the stage Falco's exec/attach/port-forward rules look at.
    let stage = if connect && code == 101 {
        "ResponseStarted"
    } else {
        "ResponseComplete"
    };
    ev.insert("stage".into(), stage.into());

    let uri = match &obj {
        Some(o) => {
            let mut u = if o.group.is_empty() {
                format!("/api/{}", o.version)
            } else {
                format!("/apis/{}/{}", o.group, o.version)
            };
            if let Some(ns) = o.namespace {
                u.push_str("/namespaces/");
                u.push_str(ns);
            }
            u.push('/');
            u.push_str(o.resource);
            // A create is a POST to the collection.
            let collection = verb == "create" && subresource.is_none();
            if let Some(n) = o.name.filter(|_| !collection) {
                u.push('/');
                u.push_str(n);
            }
            if let Some(s) = &subresource {
                u.push('/');
                u.push_str(s);
            }
            u
        }
        None if !resource_name.is_empty() => format!("/{}", resource_name.trim_start_matches('/')),
        None => String::new(),
    };
    if !uri.is_empty() {
        ev.insert("requestURI".into(), uri.into());
    }
    ev.insert("verb".into(), verb.clone().into());

    let auth = match p.get("authenticationInfo") {
        Some(Value::Object(a)) => a.clone(),
        _ => Map::new(),
    };
    let username = str_of(&auth, "principalEmail")
        .map(str::to_string)
        .or_else(|| {
            str_of(&auth, "principalSubject").map(|s| {
                s.strip_prefix("user:")
                    .or_else(|| s.strip_prefix("serviceAccount:"))
                    .unwrap_or(s)
                    .to_string()
            })
        });
    if let Some(u) = username {
        let mut user = Map::new();
        user.insert("username".into(), u.into());
        ev.insert("user".into(), Value::Object(user));
    }
    if let Some(Value::Object(rm)) = p.get("requestMetadata") {
        if let Some(ip) = str_of(rm, "callerIp").or_else(|| str_of(rm, "callerIP")) {
            ev.insert("sourceIPs".into(), Value::Array(vec![ip.into()]));
        }
        if let Some(ua) = str_of(rm, "callerSuppliedUserAgent") {
            ev.insert("userAgent".into(), ua.into());
        }
    }

    if let Some(o) = &obj {
        let mut r = Map::new();
        r.insert("resource".into(), o.resource.into());
        if let Some(ns) = o.namespace {
            r.insert("namespace".into(), ns.into());
        }
        if let Some(n) = o.name {
            r.insert("name".into(), n.into());
        }
        if let Some(s) = &subresource {
            r.insert("subresource".into(), s.clone().into());
        }
        if !o.group.is_empty() {
            r.insert("apiGroup".into(), o.group.into());
        }
        r.insert("apiVersion".into(), o.version.into());
        ev.insert("objectRef".into(), Value::Object(r));
    }

    let mut rs = Map::new();
    rs.insert("metadata".into(), Value::Object(Map::new()));
    rs.insert("code".into(), code.into());
    if let Some(msg) = str_of(&status, "message") {
        rs.insert("message".into(), msg.into());
    }
    if code >= 300 && code != 101 {
        rs.insert("status".into(), "Failure".into());
    }
    ev.insert("responseStatus".into(), Value::Object(rs));
    if let Some(r) = request {
        ev.insert("requestObject".into(), r);
    }
    if let Some(r) = response {
        ev.insert("responseObject".into(), r);
    }

    if let Some(t) = str_of(&entry, "timestamp").or_else(|| str_of(&entry, "receiveTimestamp")) {
        ev.insert("requestReceivedTimestamp".into(), t.into());
        ev.insert("stageTimestamp".into(), t.into());
    }

    // The entry's labels are the request's annotations
    // (`authorization.k8s.io/decision`, `…/reason`, PodSecurity, webhooks).
    let mut ann = match entry.remove("labels") {
        Some(Value::Object(l)) => l
            .into_iter()
            .filter(|(_, v)| v.is_string())
            .collect::<Map<String, Value>>(),
        _ => Map::new(),
    };
    if !ann.contains_key("authorization.k8s.io/decision")
        && let Some(Value::Array(infos)) = p.get("authorizationInfo")
    {
        let granted: Vec<bool> = infos
            .iter()
            .filter_map(|i| i.get("granted")?.as_bool())
            .collect();
        if !granted.is_empty() {
            let d = if granted.iter().all(|g| *g) {
                "allow"
            } else {
                "forbid"
            };
            ann.insert("authorization.k8s.io/decision".into(), d.into());
        }
    }
    if !ann.is_empty() {
        ev.insert("annotations".into(), Value::Object(ann));
    }
    Ok(Value::Object(ev))
}

/// Log Analytics `AKSAudit`/`AKSAuditAdmin` columns and the Event fields
/// they hold.
const AKS_COLUMNS: [(&str, &str); 16] = [
    ("Level", "level"),
    ("AuditId", "auditID"),
    ("Stage", "stage"),
    ("RequestUri", "requestURI"),
    ("Verb", "verb"),
    ("User", "user"),
    ("ImpersonatedUser", "impersonatedUser"),
    ("SourceIps", "sourceIPs"),
    ("UserAgent", "userAgent"),
    ("ObjectRef", "objectRef"),
    ("ResponseStatus", "responseStatus"),
    ("RequestObject", "requestObject"),
    ("ResponseObject", "responseObject"),
    ("RequestReceivedTime", "requestReceivedTimestamp"),
    ("StageReceivedTime", "stageTimestamp"),
    ("Annotations", "annotations"),
];

/// Whether a JSON object looks like an `AKSAudit`/`AKSAuditAdmin` row.
pub fn is_aks_row(m: &Map<String, Value>) -> bool {
    str_of(m, "Type").is_some_and(|t| t.starts_with("AKSAudit"))
        || (m.contains_key("AuditId") && m.contains_key("Verb"))
}

/// An `AKSAudit`/`AKSAuditAdmin` row (as `az monitor log-analytics query`
/// or a Log Analytics export prints it: `dynamic` columns as objects or as
/// JSON text) as an audit Event.
pub fn aks_row(mut row: Map<String, Value>) -> Value {
    let mut ev = Map::new();
    ev.insert("kind".into(), "Event".into());
    ev.insert("apiVersion".into(), "audit.k8s.io/v1".into());
    for (col, key) in AKS_COLUMNS {
        let v = match row.remove(col) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if s.is_empty() => continue,
            Some(Value::String(s)) => match key {
                "user" | "impersonatedUser" | "sourceIPs" | "objectRef" | "responseStatus"
                | "requestObject" | "responseObject" | "annotations" => {
                    // dynamic columns as text; a body the table left out
                    // ("skipped-too-big-size-object") is dropped
                    match serde_json::from_str::<Value>(&s) {
                        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
                        _ => continue,
                    }
                }
                _ => Value::String(s),
            },
            Some(v) => v,
        };
        ev.insert(key.into(), v);
    }
    if !ev.contains_key("stageTimestamp")
        && let Some(t) = str_of(&row, "TimeGenerated")
    {
        ev.insert("stageTimestamp".into(), t.into());
    }
    Value::Object(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn versions_and_methods() {
        for v in ["v1", "v1beta1", "v2alpha3", "v10"] {
            assert!(is_version(v), "{v}");
        }
        for v in ["v", "vx", "v1beta", "core", "v1gamma1", "pods"] {
            assert!(!is_version(v), "{v}");
        }
        assert_eq!(
            parse_method("io.k8s.core.v1.pods.exec.create"),
            Method {
                resource: Some("pods"),
                subresource: Some("exec"),
                verb: "create"
            }
        );
        assert_eq!(
            parse_method("io.k8s.authorization.rbac.v1.clusterrolebindings.create"),
            Method {
                resource: Some("clusterrolebindings"),
                subresource: None,
                verb: "create"
            }
        );
        assert_eq!(parse_method("io.k8s.get").resource, None);
    }

    #[test]
    fn resource_names() {
        let r =
            parse_resource_name("core/v1/namespaces/shop/pods/web-1/exec", Some("pods")).unwrap();
        assert_eq!(
            r,
            ObjectRef {
                group: "",
                version: "v1",
                namespace: Some("shop"),
                resource: "pods",
                name: Some("web-1"),
                subresource: Some("exec")
            }
        );
        let r = parse_resource_name(
            "rbac.authorization.k8s.io/v1/clusterrolebindings/ops",
            Some("clusterrolebindings"),
        )
        .unwrap();
        assert_eq!(r.group, "rbac.authorization.k8s.io");
        assert_eq!(
            (r.resource, r.name, r.namespace),
            ("clusterrolebindings", Some("ops"), None)
        );
        let r = parse_resource_name("core/v1/namespaces/shop", Some("namespaces")).unwrap();
        assert_eq!(
            (r.resource, r.name, r.namespace),
            ("namespaces", Some("shop"), None)
        );
        let r =
            parse_resource_name("core/v1/namespaces/shop/finalize", Some("namespaces")).unwrap();
        assert_eq!((r.name, r.subresource), (Some("shop"), Some("finalize")));
        let r = parse_resource_name("apps/v1/namespaces/shop/deployments", None).unwrap();
        assert_eq!(
            (r.resource, r.name, r.namespace),
            ("deployments", None, Some("shop"))
        );
        assert!(parse_resource_name("projects/p/zones/z", None).is_none());
        assert!(parse_resource_name("readyz", None).is_none());
    }

    #[test]
    fn grpc_codes() {
        assert_eq!(grpc_to_http(0, "get", false), 200);
        assert_eq!(grpc_to_http(0, "create", false), 201);
        assert_eq!(grpc_to_http(0, "create", true), 101);
        assert_eq!(grpc_to_http(7, "get", false), 403);
        assert_eq!(grpc_to_http(16, "get", false), 401);
        assert_eq!(grpc_to_http(5, "get", false), 404);
        assert_eq!(grpc_to_http(6, "create", false), 409);
        assert_eq!(grpc_to_http(3, "patch", false), 400);
        assert_eq!(grpc_to_http(13, "get", false), 500);
        assert_eq!(grpc_to_http(2, "get", false), 500);
    }

    #[test]
    fn gke_exec_maps_to_a_started_create() {
        let e = gke_entry(obj(json!({
            "insertId": "x1",
            "labels": {"authorization.k8s.io/decision": "allow"},
            "protoPayload": {
                "@type": AUDIT_LOG_TYPE,
                "authenticationInfo": {"principalEmail": "alice@example.com"},
                "methodName": "io.k8s.core.v1.pods.exec.create",
                "resourceName": "core/v1/namespaces/shop/pods/web-1/exec",
                "requestMetadata": {"callerIp": "203.0.113.7", "callerSuppliedUserAgent": "kubectl/v1.30.1"},
                "serviceName": "k8s.io",
                "status": {}
            },
            "timestamp": "2026-11-29T07:05:00.120000Z"
        })))
        .unwrap();
        assert_eq!(
            e,
            json!({
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
                "auditID": "x1", "stage": "ResponseStarted",
                "requestURI": "/api/v1/namespaces/shop/pods/web-1/exec", "verb": "create",
                "user": {"username": "alice@example.com"}, "sourceIPs": ["203.0.113.7"],
                "userAgent": "kubectl/v1.30.1",
                "objectRef": {"resource": "pods", "namespace": "shop", "name": "web-1",
                              "subresource": "exec", "apiVersion": "v1"},
                "responseStatus": {"metadata": {}, "code": 101},
                "requestReceivedTimestamp": "2026-11-29T07:05:00.120000Z",
                "stageTimestamp": "2026-11-29T07:05:00.120000Z",
                "annotations": {"authorization.k8s.io/decision": "allow"}
            })
        );
    }

    #[test]
    fn gke_create_denied_and_bodies() {
        let e = gke_entry(obj(json!({
            "insertId": "x2",
            "protoPayload": {
                "@type": AUDIT_LOG_TYPE,
                "authenticationInfo": {"principalSubject": "user:system:anonymous"},
                "authorizationInfo": [{"granted": false, "permission": "io.k8s.apps.v1.deployments.create"}],
                "methodName": "io.k8s.apps.v1.deployments.create",
                "resourceName": "apps/v1/namespaces/shop/deployments/web",
                "request": {"@type": "apps.k8s.io/v1.Deployment", "kind": "Deployment", "spec": {}},
                "response": {"@type": "core.k8s.io/v1.Status", "kind": "Status", "code": 403, "reason": "Forbidden"},
                "status": {"code": 7, "message": "deployments.apps is forbidden"}
            },
            "receiveTimestamp": "2026-11-29T07:05:01Z"
        })))
        .unwrap();
        assert_eq!(e["verb"], "create");
        assert_eq!(e["stage"], "ResponseComplete");
        assert_eq!(e["level"], "RequestResponse");
        assert_eq!(e["requestURI"], "/apis/apps/v1/namespaces/shop/deployments");
        assert_eq!(e["objectRef"]["apiGroup"], "apps");
        assert_eq!(e["objectRef"]["name"], "web");
        assert_eq!(e["user"]["username"], "system:anonymous");
        assert_eq!(e["responseStatus"]["code"], 403);
        assert_eq!(
            e["responseStatus"]["message"],
            "deployments.apps is forbidden"
        );
        assert_eq!(
            e["requestObject"],
            json!({"kind": "Deployment", "spec": {}})
        );
        assert!(e["responseObject"].get("@type").is_none());
        assert_eq!(e["annotations"]["authorization.k8s.io/decision"], "forbid");
        assert_eq!(e["stageTimestamp"], "2026-11-29T07:05:01Z");
        // No Status in the response: the gRPC code decides.
        let e = gke_entry(obj(json!({"protoPayload": {
            "@type": AUDIT_LOG_TYPE, "methodName": "io.k8s.core.v1.secrets.get",
            "resourceName": "core/v1/namespaces/shop/secrets/db", "status": {"code": 5}
        }})))
        .unwrap();
        assert_eq!(e["responseStatus"]["code"], 404);
        assert_eq!(e["requestURI"], "/api/v1/namespaces/shop/secrets/db");
    }

    #[test]
    fn gke_entries_that_are_not_kubernetes_audit() {
        let other = gke_entry(obj(json!({"protoPayload": {
            "@type": AUDIT_LOG_TYPE, "serviceName": "container.googleapis.com",
            "methodName": "google.container.v1.ClusterManager.CreateCluster"
        }})))
        .unwrap_err();
        assert!(other.contains("not of the Kubernetes API"), "{other}");
        let text = gke_entry(obj(
            json!({"logName": "projects/p/logs/events", "textPayload": "x"}),
        ))
        .unwrap_err();
        assert!(text.contains("projects/p/logs/events"), "{text}");
    }

    #[test]
    fn aks_table_rows() {
        let row = obj(json!({
            "TimeGenerated": "2026-11-29T07:03:00.2Z", "Type": "AKSAudit",
            "AuditId": "a3", "Level": "Metadata", "Stage": "ResponseComplete",
            "RequestUri": "/api/v1/namespaces/shop/secrets/db", "Verb": "get",
            "User": "{\"username\":\"alice@example.com\",\"groups\":[\"system:authenticated\"]}",
            "SourceIps": ["10.0.0.13"], "ObjectRef": {"resource": "secrets", "namespace": "shop", "name": "db"},
            "ResponseStatus": "{\"code\":200}", "RequestObject": "skipped-too-big-size-object",
            "RequestReceivedTime": "2026-11-29T07:03:00.1Z", "PodName": "kube-apiserver-1"
        }));
        assert!(is_aks_row(&row));
        let e = aks_row(row);
        assert_eq!(e["auditID"], "a3");
        assert_eq!(e["user"]["groups"][0], "system:authenticated");
        assert_eq!(e["sourceIPs"], json!(["10.0.0.13"]));
        assert_eq!(e["responseStatus"]["code"], 200);
        assert_eq!(e["requestURI"], "/api/v1/namespaces/shop/secrets/db");
        assert!(e.get("requestObject").is_none());
        assert_eq!(e["stageTimestamp"], "2026-11-29T07:03:00.2Z");
        assert!(e.get("PodName").is_none());
    }
}

//! The fields rules read: the k8saudit plugin's `ka.*` and the json
//! plugin's `jevt.*`, extracted from an `audit.k8s.io/v1` Event exactly as
//! the plugins do (their quirks included: an image repository is the text
//! before the first `:`; a container list with one image missing yields
//! nothing; unset `privileged` flags are skipped, not `false`).

use crate::event::AuditEvent;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The least audit level at which an Event carries a field's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// What a field's `[argument]` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    /// Optional numeric index into the list.
    Index,
    /// Required key (a query parameter, a path).
    Key,
    /// Required RFC 6901 JSON pointer.
    Pointer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Containers {
    Main,
    Init,
    Ephemeral,
}

impl Containers {
    fn key(self) -> &'static str {
        match self {
            Containers::Main => "containers",
            Containers::Init => "initContainers",
            Containers::Ephemeral => "ephemeralContainers",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Keys(&'static [&'static str]),
    UriParam,
    BindingHasName,
    Images(Containers),
    Repos(Containers),
    FirstImage,
    FirstRepo,
    HostPorts(Containers),
    /// A securityContext value of each container, unset ones skipped.
    Sec(Containers, &'static [&'static str]),
    /// The container value or the pod's, "0" when neither is set.
    Effective(Containers, &'static str),
    AnyPrivileged,
    VolumeHostpathKey,
    Volumes(&'static [&'static str]),
    VolumeTypes,
    RulesField(&'static str),
    SourceIps,
    JevtValue,
    JevtObj,
    JevtRawtime,
    JevtTime,
    JevtDatetime,
}

/// One field of the catalogue.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub list: bool,
    pub arg: ArgKind,
    pub numeric: bool,
    pub level: Level,
    pub(crate) kind: Kind,
}

fn def(name: &str, list: bool, arg: ArgKind, level: Level, kind: Kind) -> FieldDef {
    FieldDef {
        name: name.to_string(),
        list,
        arg,
        numeric: false,
        level,
        kind,
    }
}

static CATALOGUE: LazyLock<Vec<FieldDef>> = LazyLock::new(build);

fn build() -> Vec<FieldDef> {
    use ArgKind as A;
    use Kind as K;
    use Level::*;
    let mut v = vec![
        def(
            "ka.auditid",
            false,
            A::None,
            Metadata,
            K::Keys(&["auditID"]),
        ),
        def("ka.stage", false, A::None, Metadata, K::Keys(&["stage"])),
        def(
            "ka.auth.decision",
            false,
            A::None,
            Metadata,
            K::Keys(&["annotations", "authorization.k8s.io/decision"]),
        ),
        def(
            "ka.auth.reason",
            false,
            A::None,
            Metadata,
            K::Keys(&["annotations", "authorization.k8s.io/reason"]),
        ),
        def(
            "ka.user.name",
            false,
            A::None,
            Metadata,
            K::Keys(&["user", "username"]),
        ),
        def(
            "ka.user.groups",
            true,
            A::None,
            Metadata,
            K::Keys(&["user", "groups"]),
        ),
        def(
            "ka.impuser.name",
            false,
            A::None,
            Metadata,
            K::Keys(&["impersonatedUser", "username"]),
        ),
        def("ka.verb", false, A::None, Metadata, K::Keys(&["verb"])),
        def("ka.uri", false, A::None, Metadata, K::Keys(&["requestURI"])),
        def("ka.uri.param", false, A::Key, Metadata, K::UriParam),
        def(
            "ka.target.name",
            false,
            A::None,
            Metadata,
            K::Keys(&["objectRef", "name"]),
        ),
        def(
            "ka.target.namespace",
            false,
            A::None,
            Metadata,
            K::Keys(&["objectRef", "namespace"]),
        ),
        def(
            "ka.target.resource",
            false,
            A::None,
            Metadata,
            K::Keys(&["objectRef", "resource"]),
        ),
        def(
            "ka.target.subresource",
            false,
            A::None,
            Metadata,
            K::Keys(&["objectRef", "subresource"]),
        ),
        def(
            "ka.req.binding.subjects",
            true,
            A::None,
            Request,
            K::Keys(&["requestObject", "subjects"]),
        ),
        def(
            "ka.req.binding.role",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "roleRef", "name"]),
        ),
        def(
            "ka.req.binding.subject.has_name",
            false,
            A::Key,
            Request,
            K::BindingHasName,
        ),
        def(
            "ka.req.configmap.name",
            false,
            A::None,
            Metadata,
            K::Keys(&["objectRef", "name"]),
        ),
        def(
            "ka.req.configmap.obj",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "data"]),
        ),
        def(
            "ka.req.container.image",
            false,
            A::None,
            Request,
            K::FirstImage,
        ),
        def(
            "ka.req.container.image.repository",
            false,
            A::None,
            Request,
            K::FirstRepo,
        ),
        def(
            "ka.req.pod.host_ipc",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "hostIPC"]),
        ),
        def(
            "ka.req.pod.host_network",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "hostNetwork"]),
        ),
        def(
            "ka.req.container.host_network",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "hostNetwork"]),
        ),
        def(
            "ka.req.pod.host_pid",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "hostPID"]),
        ),
        def(
            "ka.req.container.privileged",
            false,
            A::None,
            Request,
            K::AnyPrivileged,
        ),
        def(
            "ka.req.pod.run_as_user",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "securityContext", "runAsUser"]),
        ),
        def(
            "ka.req.pod.run_as_group",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "securityContext", "runAsGroup"]),
        ),
        def(
            "ka.req.pod.fs_group",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "securityContext", "fsGroup"]),
        ),
        def(
            "ka.req.pod.supplemental_groups",
            true,
            A::None,
            Request,
            K::Keys(&[
                "requestObject",
                "spec",
                "securityContext",
                "supplementalGroups",
            ]),
        ),
        def(
            "ka.req.role.rules",
            true,
            A::None,
            Request,
            K::Keys(&["requestObject", "rules"]),
        ),
        def(
            "ka.req.role.rules.apiGroups",
            true,
            A::Index,
            Request,
            K::RulesField("apiGroups"),
        ),
        def(
            "ka.req.role.rules.nonResourceURLs",
            true,
            A::Index,
            Request,
            K::RulesField("nonResourceURLs"),
        ),
        def(
            "ka.req.role.rules.verbs",
            true,
            A::Index,
            Request,
            K::RulesField("verbs"),
        ),
        def(
            "ka.req.role.rules.resources",
            true,
            A::Index,
            Request,
            K::RulesField("resources"),
        ),
        def(
            "ka.req.service.type",
            false,
            A::None,
            Request,
            K::Keys(&["requestObject", "spec", "type"]),
        ),
        def(
            "ka.req.service.ports",
            true,
            A::Index,
            Request,
            K::Volumes(&["requestObject", "spec", "ports"]),
        ),
        def(
            "ka.req.volume.hostpath",
            false,
            A::Key,
            Request,
            K::VolumeHostpathKey,
        ),
        def(
            "ka.req.pod.volumes.hostpath",
            true,
            A::Index,
            Request,
            K::Volumes(&["requestObject", "spec", "volumes", "hostPath", "path"]),
        ),
        def(
            "ka.req.pod.volumes.flexvolume_driver",
            true,
            A::Index,
            Request,
            K::Volumes(&["requestObject", "spec", "volumes", "flexVolume", "driver"]),
        ),
        def(
            "ka.req.pod.volumes.volume_type",
            true,
            A::Index,
            Request,
            K::VolumeTypes,
        ),
        def(
            "ka.resp.name",
            false,
            A::None,
            RequestResponse,
            K::Keys(&["responseObject", "metadata", "name"]),
        ),
        def(
            "ka.response.code",
            false,
            A::None,
            Metadata,
            K::Keys(&["responseStatus", "code"]),
        ),
        def(
            "ka.response.reason",
            false,
            A::None,
            Metadata,
            K::Keys(&["responseStatus", "reason"]),
        ),
        def(
            "ka.useragent",
            false,
            A::None,
            Metadata,
            K::Keys(&["userAgent"]),
        ),
        def("ka.sourceips", true, A::Index, Metadata, K::SourceIps),
        def("jevt.value", false, A::Pointer, Metadata, K::JevtValue),
        def("jevt.obj", false, A::None, RequestResponse, K::JevtObj),
        def("jevt.time", false, A::None, Metadata, K::JevtTime),
        def("jevt.datetime", false, A::None, Metadata, K::JevtDatetime),
    ];
    let mut raw = def("jevt.rawtime", false, A::None, Metadata, K::JevtRawtime);
    raw.numeric = true;
    v.push(raw);
    for (c, prefix) in [
        (Containers::Main, "ka.req.pod.containers"),
        (Containers::Init, "ka.req.pod.initContainers"),
        (Containers::Ephemeral, "ka.req.pod.ephemeralContainers"),
    ] {
        let f = |suffix: &str| format!("{prefix}.{suffix}");
        v.push(def(&f("image"), true, A::Index, Request, K::Images(c)));
        v.push(def(
            &f("image.repository"),
            true,
            A::Index,
            Request,
            K::Repos(c),
        ));
        v.push(def(
            &f("host_port"),
            true,
            A::Index,
            Request,
            K::HostPorts(c),
        ));
        for (suffix, keys) in SEC_FIELDS {
            v.push(def(&f(suffix), true, A::Index, Request, K::Sec(c, keys)));
        }
        v.push(def(
            &f("eff_run_as_user"),
            true,
            A::Index,
            Request,
            K::Effective(c, "runAsUser"),
        ));
        v.push(def(
            &f("eff_run_as_group"),
            true,
            A::Index,
            Request,
            K::Effective(c, "runAsGroup"),
        ));
    }
    v
}

/// The per-container securityContext fields.
const SEC_FIELDS: &[(&str, &[&str])] = &[
    ("privileged", &["securityContext", "privileged"]),
    (
        "allow_privilege_escalation",
        &["securityContext", "allowPrivilegeEscalation"],
    ),
    (
        "read_only_fs",
        &["securityContext", "readOnlyRootFilesystem"],
    ),
    ("run_as_user", &["securityContext", "runAsUser"]),
    ("run_as_group", &["securityContext", "runAsGroup"]),
    ("proc_mount", &["securityContext", "procMount"]),
    (
        "add_capabilities",
        &["securityContext", "capabilities", "add"],
    ),
];

/// Every field palisade can extract.
pub fn catalogue() -> &'static [FieldDef] {
    &CATALOGUE
}

/// Looks a field up by name.
pub fn lookup(name: &str) -> Option<(usize, &'static FieldDef)> {
    CATALOGUE.iter().enumerate().find(|(_, d)| d.name == name)
}

/// A field's argument, checked at compile time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Arg {
    None,
    Index(usize),
    Key(String),
}

/// Checks a field argument against the field's definition.
pub fn check_arg(d: &FieldDef, arg: Option<&str>) -> Result<Arg, String> {
    match (d.arg, arg) {
        (ArgKind::None, None) | (ArgKind::Index, None) => Ok(Arg::None),
        (ArgKind::None, Some(a)) => Err(format!(
            "field '{}' takes no argument (got '[{a}]')",
            d.name
        )),
        (ArgKind::Index, Some(a)) => a
            .parse::<usize>()
            .map(Arg::Index)
            .map_err(|_| format!("field '{}' takes a numeric index, not '[{a}]'", d.name)),
        (ArgKind::Key, Some(a)) if !a.is_empty() => Ok(Arg::Key(a.to_string())),
        (ArgKind::Pointer, Some(a)) if a.is_empty() || a.starts_with('/') => {
            Ok(Arg::Key(a.to_string()))
        }
        (ArgKind::Pointer, Some(a)) => Err(format!(
            "field '{}' needs a JSON pointer starting with '/', not '[{a}]'",
            d.name
        )),
        (_, _) => Err(format!("field '{}' requires an argument", d.name)),
    }
}

/// The audit level a field needs, refined by its argument (`jevt.value`
/// under `/requestObject` needs Request, under `/responseObject`
/// RequestResponse).
pub fn level_of(d: &FieldDef, arg: &Arg) -> Level {
    match (&d.kind, arg) {
        (Kind::JevtValue, Arg::Key(p)) if p.starts_with("/requestObject") => Level::Request,
        (Kind::JevtValue, Arg::Key(p)) if p.starts_with("/responseObject") => {
            Level::RequestResponse
        }
        (Kind::JevtValue, Arg::Key(p)) if p.is_empty() => Level::RequestResponse,
        _ => d.level,
    }
}

/// Values extracted from one event: none (the field is not available),
/// one, or a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Vals<'a> {
    NA,
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Vals<'a> {
    /// A list field with no element counts as unavailable (libsinsp drops
    /// empty extractions).
    fn list(v: Vec<Cow<'a, str>>) -> Vals<'a> {
        if v.is_empty() {
            Vals::NA
        } else {
            Vals::Many(v)
        }
    }

    pub fn is_na(&self) -> bool {
        matches!(self, Vals::NA)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&str>, &[Cow<'a, str>]) = match self {
            Vals::NA => (None, &[]),
            Vals::One(s) => (Some(s.as_ref()), &[]),
            Vals::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(|c| c.as_ref()))
    }
}

/// A JSON value as the plugins render it: strings raw, everything else as
/// compact JSON.
pub fn as_string(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(other.to_string()),
    }
}

fn get<'a>(mut v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    for k in keys {
        v = v.as_object()?.get(*k)?;
    }
    Some(v)
}

/// getValuesRecursive: walks `keys`, fanning out over arrays (all elements,
/// or the one at `index`); a missing key under a fanned-out element yields
/// `None` for it, a missing key on the direct path yields `Err`.
fn recursive<'a>(
    v: &'a Value,
    index: Option<usize>,
    keys: &[&str],
    out: &mut Vec<Option<&'a Value>>,
) -> Result<(), ()> {
    let mut cur = v;
    for (i, k) in keys.iter().enumerate() {
        if let Value::Array(arr) = cur {
            match index {
                None => {
                    for e in arr {
                        let mut sub = Vec::new();
                        match recursive(e, index, &keys[i..], &mut sub) {
                            Ok(()) => out.extend(sub),
                            Err(()) => out.push(None),
                        }
                    }
                    return Ok(());
                }
                Some(ix) => cur = arr.get(ix).ok_or(())?,
            }
        }
        cur = if k.is_empty() {
            Some(cur)
        } else {
            cur.as_object().and_then(|o| o.get(*k))
        }
        .ok_or(())?;
    }
    out.push(Some(cur));
    Ok(())
}

fn values<'a>(
    ev: &'a Value,
    index: Option<usize>,
    keys: &[&str],
) -> Option<Vec<Option<&'a Value>>> {
    let mut out = Vec::new();
    recursive(ev, index, keys, &mut out).ok()?;
    Some(out)
}

fn skip_nil(v: Vec<Option<&Value>>) -> Vec<Cow<'_, str>> {
    v.into_iter().flatten().map(as_string).collect()
}

fn index_of(arg: &Arg) -> Option<usize> {
    match arg {
        Arg::Index(i) => Some(*i),
        _ => None,
    }
}

fn images<'a>(ev: &'a Value, c: Containers, index: Option<usize>) -> Option<Vec<Cow<'a, str>>> {
    let v = values(ev, index, &["requestObject", "spec", c.key(), "image"])?;
    // arrayAsStrings: one container without an image makes the whole field unavailable.
    v.into_iter().map(|x| x.map(as_string)).collect()
}

fn repo(image: &str) -> &str {
    let a = image.split(':').next().unwrap_or("");
    a.split('@').next().unwrap_or("")
}

fn repos<'a>(ev: &'a Value, c: Containers, index: Option<usize>) -> Option<Vec<Cow<'a, str>>> {
    Some(
        images(ev, c, index)?
            .into_iter()
            .map(|i| match i {
                Cow::Borrowed(b) => Cow::Borrowed(repo(b)),
                Cow::Owned(o) => Cow::Owned(repo(&o).to_string()),
            })
            .collect(),
    )
}

/// Extracts one field from one event.
pub fn extract<'a>(d: &FieldDef, arg: &Arg, event: &'a AuditEvent) -> Vals<'a> {
    let ev = &event.json;
    let is_ka = d.name.starts_with("ka.");
    if is_ka && ev.get("auditID").is_none() {
        return Vals::NA;
    }
    let idx = index_of(arg);
    match d.kind {
        Kind::Keys(keys) => {
            let Some(v) = get(ev, keys) else {
                return Vals::NA;
            };
            if d.list {
                match v {
                    Value::Array(a) => Vals::list(a.iter().map(as_string).collect()),
                    _ => Vals::NA,
                }
            } else {
                Vals::One(as_string(v))
            }
        }
        Kind::UriParam => {
            let Some(uri) = ev.get("requestURI").map(as_string) else {
                return Vals::NA;
            };
            let Arg::Key(key) = arg else { return Vals::NA };
            let query = uri.split_once('?').map(|(_, q)| q).unwrap_or("");
            let query = query.split('#').next().unwrap_or("");
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == key.as_str())
                .map(|(_, v)| Vals::One(Cow::Owned(v.into_owned())))
                .unwrap_or(Vals::NA)
        }
        // The plugin documents N/A but answers "true", as the original did.
        Kind::BindingHasName => Vals::One(Cow::Borrowed("true")),
        Kind::Images(c) => images(ev, c, idx).map(Vals::list).unwrap_or(Vals::NA),
        Kind::Repos(c) => repos(ev, c, idx).map(Vals::list).unwrap_or(Vals::NA),
        Kind::FirstImage => images(ev, Containers::Main, Some(0))
            .and_then(|mut v| v.drain(..).next())
            .map(Vals::One)
            .unwrap_or(Vals::NA),
        Kind::FirstRepo => repos(ev, Containers::Main, Some(0))
            .and_then(|mut v| v.drain(..).next())
            .map(Vals::One)
            .unwrap_or(Vals::NA),
        Kind::HostPorts(c) => {
            let Some(per) = values(ev, idx, &["requestObject", "spec", c.key(), "ports"]) else {
                return Vals::NA;
            };
            let mut out = Vec::new();
            for ports in per.into_iter().flatten() {
                let Value::Array(ports) = ports else {
                    return Vals::NA;
                };
                for p in ports {
                    if let Some(h) = p.get("hostPort") {
                        out.push(as_string(h));
                    } else if let Some(c) = p.get("containerPort") {
                        out.push(as_string(c));
                    }
                }
            }
            Vals::list(out)
        }
        Kind::Sec(c, keys) => {
            let mut path = vec!["requestObject", "spec", c.key()];
            path.extend_from_slice(keys);
            match values(ev, idx, &path) {
                Some(v) => Vals::list(skip_nil(v)),
                None => Vals::NA,
            }
        }
        Kind::Effective(c, key) => {
            let pod = get(ev, &["requestObject", "spec", "securityContext", key])
                .map(as_string)
                .unwrap_or(Cow::Borrowed("0"));
            let Some(v) = values(
                ev,
                idx,
                &["requestObject", "spec", c.key(), "securityContext", key],
            ) else {
                return Vals::NA;
            };
            Vals::list(
                v.into_iter()
                    .map(|x| x.map(as_string).unwrap_or_else(|| pod.clone()))
                    .collect(),
            )
        }
        Kind::AnyPrivileged => {
            let Some(v) = values(
                ev,
                None,
                &[
                    "requestObject",
                    "spec",
                    "containers",
                    "securityContext",
                    "privileged",
                ],
            ) else {
                return Vals::NA;
            };
            let any = v.into_iter().flatten().any(|p| p.as_bool() == Some(true));
            Vals::One(Cow::Borrowed(if any { "true" } else { "false" }))
        }
        Kind::VolumeHostpathKey => {
            let Arg::Key(key) = arg else { return Vals::NA };
            let Some(v) = values(
                ev,
                None,
                &["requestObject", "spec", "volumes", "hostPath", "path"],
            ) else {
                return Vals::NA;
            };
            let prefix = key.strip_suffix('*');
            let hit = skip_nil(v).iter().any(|p| match prefix {
                Some(pre) => p.starts_with(pre),
                None => p == key,
            });
            Vals::One(Cow::Borrowed(if hit { "true" } else { "false" }))
        }
        Kind::Volumes(keys) => match values(ev, idx, keys) {
            Some(v) => Vals::list(skip_nil(v)),
            None => Vals::NA,
        },
        Kind::VolumeTypes => {
            let Some(v) = values(ev, idx, &["requestObject", "spec", "volumes", ""]) else {
                return Vals::NA;
            };
            let mut out = Vec::new();
            for vol in v.into_iter().flatten() {
                if let Value::Object(o) = vol {
                    out.extend(
                        o.keys()
                            .filter(|k| *k != "name")
                            .map(|k| Cow::Borrowed(k.as_str())),
                    );
                }
            }
            Vals::list(out)
        }
        Kind::RulesField(key) => {
            let Some(v) = values(ev, idx, &["requestObject", "rules", key]) else {
                return Vals::NA;
            };
            let mut out = Vec::new();
            for x in v.into_iter().flatten() {
                if let Value::Array(a) = x {
                    out.extend(a.iter().map(as_string));
                }
            }
            // The plugin sets the (possibly empty) list even when no rule has the key.
            Vals::list(out)
        }
        Kind::SourceIps => match values(ev, idx, &["sourceIPs"]) {
            Some(v) => {
                let mut out = Vec::new();
                for x in v.into_iter().flatten() {
                    match x {
                        Value::Array(a) => out.extend(a.iter().map(as_string)),
                        other => out.push(as_string(other)),
                    }
                }
                Vals::list(out)
            }
            None => Vals::NA,
        },
        Kind::JevtValue => {
            let Arg::Key(ptr) = arg else { return Vals::NA };
            match ev.pointer(ptr) {
                Some(v) => Vals::One(as_string(v)),
                None => Vals::NA,
            }
        }
        Kind::JevtObj => Vals::One(Cow::Owned(ev.to_string())),
        Kind::JevtRawtime => Vals::One(Cow::Owned(event.time_ns().to_string())),
        Kind::JevtTime => Vals::One(Cow::Owned(event.time_string(false))),
        Kind::JevtDatetime => Vals::One(Cow::Owned(event.time_string(true))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(j: serde_json::Value) -> AuditEvent {
        AuditEvent::from_json(j)
    }

    fn x(name: &str, arg: Option<&str>, e: &AuditEvent) -> Vec<String> {
        let (_, d) = lookup(name).unwrap();
        let a = check_arg(d, arg).unwrap();
        match extract(d, &a, e) {
            Vals::NA => vec!["<NA>".into()],
            v => v.iter().map(str::to_string).collect(),
        }
    }

    #[test]
    fn plugin_quirks() {
        let e = ev(serde_json::json!({
            "auditID": "1",
            "requestURI": "/api/v1/namespaces/d/pods/p/exec?command=sh&command=-c&container=c",
            "requestObject": {"spec": {
                "containers": [
                    {"image": "nginx:1.2"},
                    {"image": "reg:5000/app@sha256:ab", "securityContext": {"privileged": true, "runAsUser": 7}}
                ],
                "securityContext": {"runAsUser": 1000},
                "volumes": [{"name": "a", "configMap": {}}, {"name": "b", "hostPath": {"path": "/etc"}}]
            }}
        }));
        assert_eq!(x("ka.uri.param", Some("command"), &e), ["sh"]);
        assert_eq!(x("ka.uri.param", Some("nope"), &e), ["<NA>"]);
        assert_eq!(
            x("ka.req.pod.containers.image.repository", None, &e),
            ["nginx", "reg"]
        );
        assert_eq!(x("ka.req.pod.containers.privileged", None, &e), ["true"]);
        assert_eq!(
            x("ka.req.pod.containers.privileged", Some("0"), &e),
            ["<NA>"]
        );
        assert_eq!(x("ka.req.container.privileged", None, &e), ["true"]);
        assert_eq!(
            x("ka.req.pod.containers.eff_run_as_user", None, &e),
            ["1000", "7"]
        );
        assert_eq!(x("ka.req.pod.volumes.hostpath", None, &e), ["/etc"]);
        assert_eq!(x("ka.req.volume.hostpath", Some("/et*"), &e), ["true"]);
        assert_eq!(x("ka.req.volume.hostpath", Some("/proc"), &e), ["false"]);
        assert_eq!(
            x("ka.req.pod.volumes.volume_type", None, &e),
            ["configMap", "hostPath"]
        );
        assert_eq!(
            x("ka.req.pod.initContainers.privileged", None, &e),
            ["<NA>"]
        );
        assert_eq!(
            x(
                "jevt.value",
                Some("/requestObject/spec/containers/0/image"),
                &e
            ),
            ["nginx:1.2"]
        );
        assert_eq!(x("ka.user.name", None, &e), ["<NA>"]);
        // Without auditID no ka.* field is available; jevt.* still is.
        let e2 = ev(serde_json::json!({"user": {"username": "u"}}));
        assert_eq!(x("ka.user.name", None, &e2), ["<NA>"]);
        assert_eq!(x("jevt.value", Some("/user/username"), &e2), ["u"]);
    }

    #[test]
    fn missing_image_makes_the_image_list_unavailable() {
        let e = ev(
            serde_json::json!({"auditID": "1", "requestObject": {"spec": {"containers": [{"image": "a"}, {"name": "b"}]}}}),
        );
        assert_eq!(x("ka.req.pod.containers.image", None, &e), ["<NA>"]);
    }

    #[test]
    fn argument_checks() {
        let (_, d) = lookup("ka.uri.param").unwrap();
        assert!(check_arg(d, None).is_err());
        let (_, d) = lookup("ka.verb").unwrap();
        assert!(check_arg(d, Some("x")).is_err());
        let (_, d) = lookup("ka.req.pod.containers.image").unwrap();
        assert!(check_arg(d, Some("x")).is_err());
        let (_, d) = lookup("jevt.value").unwrap();
        assert!(check_arg(d, Some("stage")).is_err());
        assert_eq!(
            level_of(d, &Arg::Key("/requestObject/spec".into())),
            Level::Request
        );
    }
}

//! One Kubernetes object, located, with its typed form for built-in kinds.

use crate::kinds::{self, Scope};
use crate::typed::Typed;
use palisade_value::{Node, Path, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Where something came from: a file and a line (1-based; 0 = unknown), or
/// a live cluster (`cluster://…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub column: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Location {
    pub fn new(file: Arc<str>, line: u32, column: u32) -> Self {
        Self { file, line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// Identifies an object the way `kubectl` does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", ns, self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// A Kubernetes object from any source.
#[derive(Debug, Clone)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// The effective namespace of a namespaced object (written, or the
    /// default of the scan); `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Whether `metadata.namespace` was written in the source.
    pub namespace_explicit: bool,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Where the object starts.
    pub location: Location,
    /// The object as written, with positions.
    pub raw: Node,
    /// The typed form of built-in kinds palisade analyzes.
    pub typed: Typed,
    /// What is wrong with the object although it could still be read (no
    /// name; a field of the wrong type, left out of `typed`): input errors
    /// to report, while the rest is analyzed.
    pub problems: Vec<ObjectError>,
    /// `apiVersion`/`kind`/`namespace`/`name`, shared by the findings on it.
    pub reference: Arc<ObjectRef>,
    /// Fields whose value the source could not resolve (a Terraform
    /// variable without a value, …): left out of `raw`/`typed`; findings
    /// that depend on them are withheld.
    pub unknown: Vec<UnknownField>,
    /// Keys the kind's schema does not have (a typo such as
    /// `runAsNonroot`, a selector without `matchLabels`): the API server
    /// drops them, or refuses the object under strict field validation.
    pub stray: Vec<palisade_value::StrayField>,
}

/// A field whose value is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    pub path: Path,
    pub line: u32,
    /// Why: the expression that could not be evaluated.
    pub reason: String,
}

/// Why a document could not become an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One of `metadata.ownerReferences`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerRef<'a> {
    /// `apiVersion`, when the reference gives it.
    pub api_version: Option<&'a str>,
    pub kind: &'a str,
    pub name: &'a str,
    /// `controller: true`: the owner that manages it.
    pub controller: bool,
}

impl Object {
    /// `metadata.ownerReferences` that name a kind and a name.
    pub fn owners(&self) -> impl Iterator<Item = OwnerRef<'_>> {
        self.raw
            .get("metadata")
            .and_then(|m| m.get("ownerReferences"))
            .and_then(|r| r.as_seq())
            .unwrap_or(&[])
            .iter()
            .filter_map(|r| {
                Some(OwnerRef {
                    api_version: r.get_str("apiVersion"),
                    kind: r.get_str("kind")?,
                    name: r.get_str("name")?,
                    controller: r.get("controller").and_then(|c| c.as_bool()) == Some(true),
                })
            })
    }

    /// The owner with `controller: true`, if any.
    pub fn controller(&self) -> Option<OwnerRef<'_>> {
        self.owners().find(|r| r.controller)
    }

    /// The object as the API server hands it to admission: its JSON with
    /// the effective namespace filled in.
    pub fn admitted_json(&self) -> serde_json::Value {
        let mut obj = self.raw.to_json();
        if let (Some(ns), Some(meta)) = (
            &self.namespace,
            obj.get_mut("metadata")
                .and_then(serde_json::Value::as_object_mut),
        ) {
            meta.insert("namespace".into(), serde_json::Value::String(ns.clone()));
        }
        obj
    }

    pub fn object_ref(&self) -> ObjectRef {
        (*self.reference).clone()
    }

    /// The location of a field of this object (the nearest existing parent
    /// when the field is absent, e.g. for a missing `securityContext`).
    pub fn locate(&self, path: &Path) -> Location {
        let node = self.raw.nearest(path);
        if node.line == 0 {
            return self.location.clone();
        }
        Location::new(self.location.file.clone(), node.line, node.column)
    }

    pub fn group(&self) -> &str {
        kinds::group_of(&self.api_version)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    /// RBAC the API server creates itself at start (`system:*` roles and
    /// bindings, `cluster-admin`, `edit`, `view`, …).
    pub fn is_bootstrap_rbac(&self) -> bool {
        self.label("kubernetes.io/bootstrapping") == Some("rbac-defaults")
    }

    /// Bootstrap RBAC the API server puts back at every start: edits to it
    /// do not last (`rbac.authorization.kubernetes.io/autoupdate: "false"`
    /// opts out).
    pub fn is_reconciled_by_apiserver(&self) -> bool {
        self.is_bootstrap_rbac()
            && self.annotation("rbac.authorization.kubernetes.io/autoupdate") != Some("false")
    }

    /// `namespace/name` or `name`.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Options for turning documents into objects.
#[derive(Debug, Clone)]
pub struct ObjectOptions {
    /// Namespace of namespaced objects that do not name one (`kubectl -n`).
    pub default_namespace: String,
}

impl Default for ObjectOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".into(),
        }
    }
}

fn err(node: &Node, message: impl Into<String>) -> ObjectError {
    ObjectError {
        line: node.line,
        column: node.column,
        message: message.into(),
    }
}

/// Turns one document into objects: a `List` (or `*List`) yields its items.
/// Each failed object gives an error; the others still come through.
pub fn objects_from_document(
    doc: Node,
    file: &Arc<str>,
    opts: &ObjectOptions,
) -> Vec<Result<Object, ObjectError>> {
    let Some(map) = doc.as_map() else {
        return vec![Err(err(
            &doc,
            format!(
                "document is a {}, not a Kubernetes object (a mapping with apiVersion and kind)",
                doc.type_name()
            ),
        ))];
    };
    let kind = map.get("kind").and_then(Node::as_str).unwrap_or_default();
    if (kind == "List" || kind.ends_with("List"))
        && let Some(items) = map.get("items")
    {
        // A typed list as the API returns it (`PodList`, `kubectl get
        // --raw`): its items carry no apiVersion or kind; they are the list's.
        let typed = match (
            kind.strip_suffix("List"),
            map.get("apiVersion").and_then(Node::as_str),
        ) {
            (Some(k), Some(v)) if !k.is_empty() => Some((k.to_string(), v.to_string())),
            _ => None,
        };
        return match items.value {
            Value::Seq(_) => {
                let Value::Seq(items) = take_items(doc) else {
                    unreachable!()
                };
                items
                    .into_iter()
                    .map(|item| match &typed {
                        Some((kind, api_version)) => with_type(item, api_version, kind),
                        None => item,
                    })
                    .flat_map(|item| objects_from_document(item, file, opts))
                    .collect()
            }
            Value::Null => Vec::new(),
            _ => vec![Err(err(items, "`items` of a List must be a list"))],
        };
    }
    vec![object_from_node(doc, file, opts)]
}

/// Sets `apiVersion` and `kind` of a typed list's item where it has none.
fn with_type(mut item: Node, api_version: &str, kind: &str) -> Node {
    let (line, column) = (item.line, item.column);
    if let Value::Map(m) = &mut item.value {
        for (key, value) in [("kind", kind), ("apiVersion", api_version)] {
            if !m.contains_key(key) {
                let node = Node {
                    line,
                    column,
                    value: Value::Str(value.into()),
                };
                m.entries.insert(0, (key.into(), node));
            }
        }
    }
    item
}

fn take_items(doc: Node) -> Value {
    match doc.value {
        Value::Map(m) => m
            .entries
            .into_iter()
            .find(|(k, _)| k == "items")
            .map(|(_, v)| v.value)
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn string_map(node: Option<&Node>, what: &str) -> Result<BTreeMap<String, String>, ObjectError> {
    let mut out = BTreeMap::new();
    let Some(node) = node else {
        return Ok(out);
    };
    match &node.value {
        Value::Null => {}
        Value::Map(m) => {
            for (k, v) in &m.entries {
                match &v.value {
                    Value::Str(s) => {
                        out.insert(k.to_string(), s.to_string());
                    }
                    Value::Null => {
                        out.insert(k.to_string(), String::new());
                    }
                    _ => {
                        return Err(err(
                            v,
                            format!(
                                "metadata.{what}[{k:?}] must be a string, not a {} (quote it)",
                                v.type_name()
                            ),
                        ));
                    }
                }
            }
        }
        _ => {
            return Err(err(
                node,
                format!(
                    "metadata.{what} must be a mapping, not a {}",
                    node.type_name()
                ),
            ));
        }
    }
    Ok(out)
}

/// Turns one mapping into an object.
pub fn object_from_node(
    doc: Node,
    file: &Arc<str>,
    opts: &ObjectOptions,
) -> Result<Object, ObjectError> {
    let need_str = |key: &str| -> Result<String, ObjectError> {
        match doc.get(key) {
            Some(Node {
                value: Value::Str(s),
                ..
            }) if !s.is_empty() => Ok(s.to_string()),
            Some(n) => Err(err(n, format!("`{key}` must be a non-empty string"))),
            None => Err(err(
                &doc,
                format!("not a Kubernetes object: `{key}` is missing"),
            )),
        }
    };
    let api_version = need_str("apiVersion")?;
    let kind = need_str("kind")?;
    if let Err(message) = kinds::check_builtin_kind(&api_version, &kind) {
        return Err(err(doc.get("kind").unwrap_or(&doc), message));
    }
    let meta = doc.get("metadata");
    if let Some(m) = meta
        && !matches!(m.value, Value::Map(_))
    {
        return Err(err(m, "`metadata` must be a mapping"));
    }
    let meta_str = |key: &str| -> Result<Option<String>, ObjectError> {
        match meta.and_then(|m| m.get(key)) {
            None => Ok(None),
            Some(Node {
                value: Value::Null, ..
            }) => Ok(None),
            Some(Node {
                value: Value::Str(s),
                ..
            }) => Ok(Some(s.to_string())),
            Some(n) => Err(err(
                n,
                format!("metadata.{key} must be a string, not a {}", n.type_name()),
            )),
        }
    };
    let mut problems = Vec::new();
    let name = match (meta_str("name")?, meta_str("generateName")?) {
        (Some(n), _) if !n.is_empty() => n,
        (_, Some(g)) if !g.is_empty() => format!("{g}*"),
        _ => {
            // the API server refuses it, but what it would run can still
            // be checked: reported, and analyzed as "(no name)"
            problems.push(err(
                meta.unwrap_or(&doc),
                format!("{kind} has no metadata.name (the API server refuses it; analyzed as \"{NO_NAME}\")"),
            ));
            NO_NAME.to_string()
        }
    };
    let written_ns = meta_str("namespace")?.filter(|n| !n.is_empty());
    let labels = string_map(meta.and_then(|m| m.get("labels")), "labels")?;
    let annotations = string_map(meta.and_then(|m| m.get("annotations")), "annotations")?;
    let scope = kinds::scope_of(&api_version, &kind);
    let (namespace, namespace_explicit) = match scope {
        Some(Scope::Cluster) => (None, false),
        Some(Scope::Namespaced) => match written_ns {
            Some(ns) => (Some(ns), true),
            None => (Some(opts.default_namespace.clone()), false),
        },
        None => {
            let explicit = written_ns.is_some();
            (written_ns, explicit)
        }
    };
    let to_error = |e: &palisade_value::TypeError| {
        let sensitive = kind == "Secret"
            || e.path
                .segments()
                .iter()
                .any(|s| matches!(s, palisade_value::Seg::Key(k) if k == "env" || k == "data" || k == "stringData"));
        let message = if sensitive {
            redact_value(&e.message)
        } else {
            e.message.clone()
        };
        ObjectError {
            line: e.line,
            column: e.column,
            message: format!("{kind} {name}: {}: {message}", e.path),
        }
    };
    let (typed, stray) = match Typed::read(&api_version, &kind, &doc) {
        Ok(t) => t,
        Err(first) => {
            // a field of the wrong type: reported, left out (blanked, or
            // its parent when blanking is not enough), and the rest read
            let mut pruned = doc.clone();
            let mut blanked: Vec<Path> = Vec::new();
            let mut reported = vec![first.path.clone()];
            problems.push(to_error(&first));
            let mut at = first.path.clone();
            let mut typed = None;
            for _ in 0..MAX_BLANKED {
                let mut p = at.clone();
                while !p.is_root() && !blank_at(&mut pruned, &p) {
                    p.pop();
                }
                if p.is_root() {
                    break;
                }
                blanked.push(p);
                match Typed::read(&api_version, &kind, &pruned) {
                    Ok(t) => {
                        typed = Some(t);
                        break;
                    }
                    Err(e) => {
                        // an error our own blanking caused is not news
                        let ours = blanked
                            .iter()
                            .any(|b| b.starts_with(&e.path) || e.path.starts_with(b));
                        if !ours && !reported.contains(&e.path) {
                            reported.push(e.path.clone());
                            problems.push(to_error(&e));
                        }
                        at = e.path;
                    }
                }
            }
            match typed {
                Some(t) => t,
                None => return Err(to_error(&first)),
            }
        }
    };
    let location = Location::new(file.clone(), doc.line, doc.column);
    let reference = Arc::new(ObjectRef {
        api_version: api_version.clone(),
        kind: kind.clone(),
        namespace: namespace.clone(),
        name: name.clone(),
    });
    Ok(Object {
        api_version,
        kind,
        name,
        namespace,
        namespace_explicit,
        labels,
        annotations,
        location,
        raw: doc,
        typed,
        problems,
        reference,
        unknown: Vec::new(),
        stray,
    })
}

/// What an object without a name is called in findings.
pub const NO_NAME: &str = "(no name)";

/// Most fields left out of one object before it counts as unreadable.
const MAX_BLANKED: usize = 32;

/// Sets the value at `path` to null; false when there is nothing there or
/// it is null already.
fn blank_at(node: &mut Node, path: &Path) -> bool {
    use palisade_value::Seg;
    let mut cur = node;
    for s in path.segments() {
        let next = match (s, &mut cur.value) {
            (Seg::Key(k), Value::Map(m)) => m.get_mut(k),
            (Seg::Index(i), Value::Seq(v)) => v.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    if cur.is_null() {
        return false;
    }
    cur.value = Value::Null;
    true
}

/// Removes the offending value from a serde message
/// (`invalid type: string "hunter2", expected …` → `invalid type: string, expected …`).
fn redact_value(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                let close = c;
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
                // drop the space before the literal
                if out.ends_with(' ') {
                    out.pop();
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(
            redact_value("invalid type: string \"hunter2\", expected a boolean"),
            "invalid type: string, expected a boolean"
        );
        assert_eq!(
            redact_value("invalid type: integer `1234`, expected a string"),
            "invalid type: integer, expected a string"
        );
    }

    fn read(yaml: &str) -> Vec<Result<Object, ObjectError>> {
        let stream = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
        let file: Arc<str> = Arc::from("in.yaml");
        stream
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .collect()
    }

    #[test]
    fn invalid_objects_are_still_read() {
        // no name, a field of the wrong type, and one more further on
        let got = read(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {namespace: kube-system}\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers:\n      - name: a\n        image: x:1\n        ports: \"8080\"\n      - name: b\n        image: y:1\n        stdin: maybe\n",
        );
        let o = got[0].as_ref().unwrap();
        assert_eq!(o.name, NO_NAME);
        let msgs: Vec<&str> = o.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(
            msgs[0].starts_with("DaemonSet has no metadata.name"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("containers[0].ports: invalid type"),
            "{msgs:?}"
        );
        assert!(msgs[2].contains("containers[1].stdin"), "{msgs:?}");
        assert_eq!((o.problems[1].line, o.problems[2].line), (11, 14));
        // what could be read is there: hostPID and both containers
        let Typed::DaemonSet(d) = &o.typed else {
            panic!("{:?}", o.typed)
        };
        let spec = d.spec.template.spec.as_ref().unwrap();
        assert_eq!(spec.host_pid, Some(true));
        assert_eq!(spec.containers.len(), 2);
        assert!(spec.containers[0].ports.is_none());
        // a secret's value never reaches the message
        let got = read(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x:1\n    env:\n    - {name: P, value: {nested: hunter2}}\n",
        );
        let o = got[0].as_ref().unwrap();
        assert!(!o.problems[0].message.contains("hunter2"));
        // a spec of the wrong type is left out, the object kept
        assert!(read("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: 3\n")[0].is_ok());
    }
}

use crate::path::{Path, Seg};
use compact_str::CompactString;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// One value of a document with the position it came from.
///
/// For the value of a mapping entry, `line`/`column` are those of its key:
/// that is the line a user edits (`privileged: true`), also when the value
/// is a nested block that starts on the next line.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line; 0 when the node has no source position (built in memory).
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
    pub value: Value,
}

/// The JSON data model.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Short strings (most keys and values) are stored inline.
    Str(CompactString),
    Seq(Vec<Node>),
    Map(Map),
}

/// An ordered mapping with string keys (documents keep their key order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    pub entries: Vec<(CompactString, Node)>,
}

impl Map {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing entry in place.
    pub fn insert(&mut self, key: impl Into<CompactString>, node: Node) {
        let key = key.into();
        match self.get_mut(&key) {
            Some(slot) => *slot = node,
            None => self.entries.push((key, node)),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Node {
    pub fn new(line: u32, column: u32, value: Value) -> Self {
        Self {
            line,
            column,
            value,
        }
    }

    /// A node with no source position.
    pub fn detached(value: Value) -> Self {
        Self::new(0, 0, value)
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// A string field of a mapping, e.g. `kind`.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The node at `path`, if every segment exists.
    pub fn at(&self, path: &Path) -> Option<&Node> {
        let mut node = self;
        for seg in path.segments() {
            node = node.child(seg)?;
        }
        Some(node)
    }

    /// The deepest existing node along `path` (the node itself when the
    /// first segment is missing): where to point a user at a missing field.
    pub fn nearest(&self, path: &Path) -> &Node {
        let mut node = self;
        for seg in path.segments() {
            match node.child(seg) {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }

    fn child(&self, seg: &Seg) -> Option<&Node> {
        match (seg, &self.value) {
            (Seg::Key(k), Value::Map(m)) => m.get(k),
            (Seg::Index(i), Value::Seq(s)) => s.get(*i),
            _ => None,
        }
    }

    /// Number of nodes in this tree (the node itself included).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(s) => s.iter().map(Node::size).sum(),
            Value::Map(m) => m.entries.iter().map(|(_, v)| v.size()).sum(),
            _ => 0,
        }
    }

    /// The bytes the tree takes in memory: every node, the strings that do
    /// not fit inline and the keys of mappings. What the readers' memory
    /// budgets count (an alias expands to a copy of this many bytes).
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Node>()
            + match &self.value {
                Value::Str(s) => str_heap(s),
                Value::Seq(items) => items.iter().map(Node::bytes).sum(),
                Value::Map(m) => m
                    .entries
                    .iter()
                    .map(|(k, v)| std::mem::size_of::<CompactString>() + str_heap(k) + v.bytes())
                    .sum(),
                _ => 0,
            }
    }

    /// A short name for the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    /// Converts the tree to a `serde_json::Value` (positions are dropped).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(s) => J::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a detached tree from a `serde_json::Value` (e.g. an object read
    /// from an API server, which has no lines).
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Str(s.as_str().into()),
            J::Array(a) => Value::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => Value::Map(Map {
                entries: o
                    .iter()
                    .map(|(k, v)| (k.as_str().into(), Node::from_json(v)))
                    .collect(),
            }),
        };
        Node::detached(value)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.value {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in &m.entries {
                    map.serialize_entry(k.as_str(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Heap bytes of a string: none while it is stored inline.
pub fn str_heap(s: &str) -> usize {
    if s.len() > std::mem::size_of::<CompactString>() {
        s.len()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Node {
        let container = Node::new(
            5,
            5,
            Value::Map(Map {
                entries: vec![("name".into(), Node::new(5, 7, Value::Str("app".into())))],
            }),
        );
        Node::new(
            1,
            1,
            Value::Map(Map {
                entries: vec![(
                    "spec".into(),
                    Node::new(
                        3,
                        1,
                        Value::Map(Map {
                            entries: vec![(
                                "containers".into(),
                                Node::new(4, 3, Value::Seq(vec![container])),
                            )],
                        }),
                    ),
                )],
            }),
        )
    }

    #[test]
    fn at_and_nearest() {
        let t = tree();
        let p: Path = "spec.containers[0].name".parse().unwrap();
        assert_eq!(t.at(&p).unwrap().as_str(), Some("app"));
        let missing: Path = "spec.containers[0].securityContext.privileged"
            .parse()
            .unwrap();
        assert!(t.at(&missing).is_none());
        assert_eq!(t.nearest(&missing).line, 5);
        let out_of_range: Path = "spec.containers[3]".parse().unwrap();
        assert_eq!(t.nearest(&out_of_range).line, 4);
    }

    #[test]
    fn json_round_trip() {
        let t = tree();
        let j = t.to_json();
        assert_eq!(j["spec"]["containers"][0]["name"], "app");
        let back = Node::from_json(&j);
        assert_eq!(back.to_json(), j);
        assert_eq!(serde_json::to_value(&t).unwrap(), j);
        assert_eq!(t.size(), 5);
    }

    #[test]
    fn map_insert_replaces() {
        let mut m = Map::new();
        m.insert("a", Node::detached(Value::Int(1)));
        m.insert("a", Node::detached(Value::Int(2)));
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("a").unwrap().as_i64(), Some(2));
    }
}

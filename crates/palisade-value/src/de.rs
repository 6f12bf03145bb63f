//! serde support: any `Deserialize` type can be read from a [`Node`].

use crate::node::{Node, Value};
use crate::path::Path;
use crate::strict;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor, value::BorrowedStrDeserializer,
};
use std::fmt;

/// A field whose value does not have the type the schema expects.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeError {
    /// Where in the document (e.g. `spec.containers[0].securityContext.runAsNonRoot`).
    pub path: Path,
    /// Line and column of the offending field (or of its nearest existing parent).
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for TypeError {}

/// Deserializes `T` from `node`; on a type mismatch the error names the
/// field path and its position.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, TypeError> {
    // fast path without path tracking; on failure, read again to find where
    T::deserialize(node)
        .or_else(|_| serde_path_to_error::deserialize(node).map_err(|e| type_error(node, &e)))
}

fn type_error(node: &Node, e: &serde_path_to_error::Error<DeError>) -> TypeError {
    let path = Path::from_serde(e.path());
    let at = node.nearest(&path);
    TypeError {
        line: at.line,
        column: at.column,
        message: e.inner().0.clone(),
        path,
    }
}

/// Like [`from_node`], but the top-level keys in `skip` are not seen by `T`
/// (e.g. `apiVersion`, `kind` and `status` when reading a typed object whose
/// deserializer insists on one apiVersion).
pub fn from_node_except<T: DeserializeOwned>(node: &Node, skip: &[&str]) -> Result<T, TypeError> {
    T::deserialize(Except { node, skip }).or_else(|_| {
        serde_path_to_error::deserialize(Except { node, skip }).map_err(|e| type_error(node, &e))
    })
}

struct Except<'a> {
    node: &'a Node,
    skip: &'a [&'a str],
}

impl<'de> Deserializer<'de> for Except<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(m) => {
                let skip = self.skip;
                visitor.visit_map(Entries {
                    iter: m.entries.iter(),
                    value: None,
                    skip,
                    schema: None,
                })
            }
            _ => self.node.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(m) => visitor.visit_map(Entries {
                iter: m.entries.iter(),
                value: None,
                skip: self.skip,
                schema: Some((name, fields)),
            }),
            _ => self.node.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
        option newtype_struct enum ignored_any
    }
}

/// The error type of the [`Node`] deserializer.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

impl<'de> Deserializer<'de> for &'de Node {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(Items { iter: items.iter() }),
            Value::Map(m) => visitor.visit_map(Entries {
                iter: m.entries.iter(),
                value: None,
                skip: &[],
                schema: None,
            }),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Map(m) => visitor.visit_map(Entries {
                iter: m.entries.iter(),
                value: None,
                skip: &[],
                schema: Some((name, fields)),
            }),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(m) if m.len() == 1 => {
                let (k, v) = &m.entries[0];
                visitor.visit_enum(EnumAccess {
                    variant: k,
                    value: v,
                })
            }
            _ => Err(de::Error::invalid_type(unexpected(self), &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

fn unexpected(node: &Node) -> de::Unexpected<'_> {
    match &node.value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(s) => de::Unexpected::Str(s),
        Value::Seq(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
    }
}

struct Items<'de> {
    iter: std::slice::Iter<'de, Node>,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.iter.next() {
            Some(node) => seed.deserialize(node).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Entries<'de> {
    iter: std::slice::Iter<'de, (compact_str::CompactString, Node)>,
    value: Option<&'de Node>,
    skip: &'de [&'de str],
    /// The struct being read and its fields, when the type said.
    schema: Option<(&'static str, &'static [&'static str])>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let skip = self.skip;
        match self.iter.find(|(k, _)| !skip.contains(&k.as_str())) {
            Some((k, v)) => {
                self.value = Some(v);
                if let Some((name, fields)) = self.schema
                    && !fields.contains(&k.as_str())
                {
                    strict::stray(v, k, name, fields);
                }
                seed.deserialize(BorrowedStrDeserializer::new(k.as_str()))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let v = self
            .value
            .take()
            .ok_or_else(|| DeError("value requested before key".into()))?;
        seed.deserialize(v)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct EnumAccess<'de> {
    variant: &'de str,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = DeError;
    type Variant = &'de Node;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, &'de Node), DeError> {
        let v = seed.deserialize(BorrowedStrDeserializer::new(self.variant))?;
        Ok((v, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for &'de Node {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Map;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Ctx {
        run_as_non_root: Option<bool>,
        run_as_user: Option<i64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Container {
        name: String,
        #[serde(rename = "securityContext")]
        security_context: Option<Ctx>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Spec {
        containers: Vec<Container>,
    }

    fn n(line: u32, v: Value) -> Node {
        Node::new(line, 1, v)
    }

    fn map(line: u32, entries: Vec<(&str, Node)>) -> Node {
        n(
            line,
            Value::Map(Map {
                entries: entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            }),
        )
    }

    #[test]
    fn typed_read() {
        let doc = map(
            1,
            vec![(
                "containers",
                n(
                    2,
                    Value::Seq(vec![map(
                        3,
                        vec![
                            ("name", n(3, Value::Str("a".into()))),
                            (
                                "securityContext",
                                map(
                                    4,
                                    vec![
                                        ("runAsNonRoot", n(5, Value::Bool(true))),
                                        ("runAsUser", n(6, Value::Int(1000))),
                                        ("unknownField", n(7, Value::Null)),
                                    ],
                                ),
                            ),
                        ],
                    )]),
                ),
            )],
        );
        let spec: Spec = from_node(&doc).unwrap();
        assert_eq!(spec.containers[0].name, "a");
        assert_eq!(
            spec.containers[0].security_context,
            Some(Ctx {
                run_as_non_root: Some(true),
                run_as_user: Some(1000)
            })
        );
    }

    #[test]
    fn except_hides_top_level_keys() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct OnlySpec {
            spec: i64,
        }
        let doc = map(
            1,
            vec![
                ("kind", n(1, Value::Str("X".into()))),
                ("spec", n(2, Value::Int(3))),
            ],
        );
        assert!(from_node::<OnlySpec>(&doc).is_err());
        let v: OnlySpec = from_node_except(&doc, &["kind"]).unwrap();
        assert_eq!(v.spec, 3);
    }

    #[test]
    fn type_error_names_path_and_line() {
        let doc = map(
            1,
            vec![(
                "containers",
                n(
                    2,
                    Value::Seq(vec![map(
                        3,
                        vec![
                            ("name", n(3, Value::Str("a".into()))),
                            (
                                "securityContext",
                                map(4, vec![("runAsNonRoot", n(5, Value::Str("yes".into())))]),
                            ),
                        ],
                    )]),
                ),
            )],
        );
        let err = from_node::<Spec>(&doc).unwrap_err();
        assert_eq!(
            err.path.to_string(),
            "containers[0].securityContext.runAsNonRoot"
        );
        assert_eq!(err.line, 5);
        assert!(
            err.message.contains("expected a boolean"),
            "{}",
            err.message
        );
    }
}

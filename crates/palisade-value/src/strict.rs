//! Strict reading: the keys of a document that the type read does not have.
//!
//! The API server drops fields its schema does not know, or refuses the
//! object under strict field validation (`kubectl apply --validate=strict`,
//! the default of recent kubectl). A typo in a security field
//! (`runAsNonroot`) or a selector without `matchLabels` is then silently a
//! different object from the one the author meant. Typed reads record each
//! key that a struct of the schema has no field for, with the struct's
//! name and fields so a caller can say which was meant.

use crate::de::{TypeError, from_node_except};
use crate::node::{Node, Value};
use crate::path::Path;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;

/// Most keys recorded per read: a hostile document cannot grow the list.
pub const MAX_STRAY: usize = 100;

/// A key of the document that the schema's struct does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct StrayField {
    /// The key's path (`spec.containers[0].securityContext.runAsNonroot`).
    pub path: Path,
    /// Where its value starts.
    pub line: u32,
    pub column: u32,
    /// The struct of the schema (`SecurityContext`).
    pub schema: &'static str,
    /// The fields the struct has.
    pub fields: &'static [&'static str],
}

type Seen = (usize, &'static str, &'static [&'static str]);

thread_local! {
    static STRAYS: RefCell<Option<Vec<Seen>>> = const { RefCell::new(None) };
}

/// Called by the deserializer for a key `schema` has no field for; `value`
/// is the key's value node.
pub(crate) fn stray(
    value: &Node,
    _key: &str,
    schema: &'static str,
    fields: &'static [&'static str],
) {
    STRAYS.with(|s| {
        if let Some(v) = s.borrow_mut().as_mut()
            && v.len() < MAX_STRAY
        {
            let at = value as *const Node as usize;
            if !v.iter().any(|(p, _, _)| *p == at) {
                v.push((at, schema, fields));
            }
        }
    });
}

/// Like [`from_node_except`], and the keys of `node` that the types read
/// have no field for, in document order.
pub fn from_node_strict<T: DeserializeOwned>(
    node: &Node,
    skip: &[&str],
) -> (Result<T, TypeError>, Vec<StrayField>) {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            STRAYS.with(|s| s.borrow_mut().take());
        }
    }
    STRAYS.with(|s| *s.borrow_mut() = Some(Vec::new()));
    let reset = Reset;
    let result = from_node_except(node, skip);
    let seen = STRAYS.with(|s| s.borrow_mut().take()).unwrap_or_default();
    drop(reset);
    if seen.is_empty() {
        return (result, Vec::new());
    }
    let paths = paths_of(node, seen.iter().map(|(p, _, _)| *p).collect());
    let mut out: Vec<StrayField> = seen
        .into_iter()
        .filter_map(|(at, schema, fields)| {
            let (path, line, column) = paths.get(&at)?.clone();
            Some(StrayField {
                path,
                line,
                column,
                schema,
                fields,
            })
        })
        .collect();
    out.sort_by_key(|s| (s.line, s.column));
    (result, out)
}

/// The path and position of each node of `targets` (by address) in `root`.
fn paths_of(root: &Node, mut targets: Vec<usize>) -> HashMap<usize, (Path, u32, u32)> {
    let mut out = HashMap::new();
    let mut stack: Vec<(&Node, Path)> = vec![(root, Path::root())];
    while let Some((n, path)) = stack.pop() {
        if targets.is_empty() {
            break;
        }
        let at = n as *const Node as usize;
        if let Some(i) = targets.iter().position(|t| *t == at) {
            targets.swap_remove(i);
            out.insert(at, (path.clone(), n.line, n.column));
        }
        match &n.value {
            Value::Map(m) => {
                for (k, v) in m.entries.iter().rev() {
                    stack.push((v, path.clone().key(k.clone())));
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate().rev() {
                    stack.push((v, path.clone().index(i)));
                }
            }
            _ => {}
        }
    }
    out
}

//! Terraform's kubernetes provider as a source: `kubernetes_*` resources
//! (and `kubernetes_manifest`) become the same located objects as YAML, so
//! every check runs on them unchanged and points at the `.tf` line.
//!
//! A directory is one Terraform module: `variable` defaults, `*.tfvars`
//! values, `locals` and other resources' names are known to every file of
//! it. Expressions are evaluated with hcl-rs; what cannot be resolved is
//! left out of the object and recorded as unknown, so a check that would
//! depend on it does not fire (and `--strict-unknown` can report it).

mod functions;
pub mod mapping;

use compact_str::CompactString;
use hcl::edit::Span;
use hcl::edit::expr::{Expression as EditExpr, ObjectKey};
use hcl::edit::structure::{Body, Structure};
use hcl::eval::{Context, Evaluate};
use palisade_findings::InputError;
use palisade_model::{Object, ObjectOptions, UnknownField, object_from_node};
use palisade_value::{Map, Node, Path, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Everything read from one module.
#[derive(Debug, Default)]
pub struct Module {
    /// Objects; fields that could not be resolved are in `Object::unknown`.
    pub objects: Vec<Object>,
    pub errors: Vec<InputError>,
}

struct Source {
    name: Arc<str>,
    line_starts: Vec<usize>,
    body: Body,
}

impl Source {
    /// 1-based line and column of a byte offset.
    fn pos(&self, offset: usize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let col = offset - self.line_starts[line - 1] + 1;
        (line as u32, col as u32)
    }

    fn pos_of(&self, span: Option<std::ops::Range<usize>>) -> (u32, u32) {
        span.map(|s| self.pos(s.start)).unwrap_or((0, 0))
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

fn hcl_to_node(v: &hcl::Value, line: u32, column: u32) -> Node {
    let value = match v {
        hcl::Value::Null => Value::Null,
        hcl::Value::Bool(b) => Value::Bool(*b),
        hcl::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        hcl::Value::String(s) => Value::Str(s.as_str().into()),
        hcl::Value::Array(a) => {
            Value::Seq(a.iter().map(|x| hcl_to_node(x, line, column)).collect())
        }
        hcl::Value::Object(o) => Value::Map(Map {
            entries: o
                .iter()
                .map(|(k, x)| {
                    (
                        CompactString::from(k.as_str()),
                        hcl_to_node(x, line, column),
                    )
                })
                .collect(),
        }),
    };
    Node::new(line, column, value)
}

/// Parses `KEY = VALUE` lines of a `.tfvars` file (HCL attributes).
fn tfvars(
    name: &str,
    text: &str,
    vars: &mut hcl::Map<String, hcl::Value>,
    errors: &mut Vec<InputError>,
) {
    let body: Body = match text.parse() {
        Ok(b) => b,
        Err(e) => {
            errors.push(parse_error(name, &e));
            return;
        }
    };
    let mut ctx = Context::new();
    functions::declare(&mut ctx);
    for s in body.iter() {
        if let Structure::Attribute(a) = s {
            let e: hcl::Expression = evaluable(&a.value);
            match e.evaluate(&ctx) {
                Ok(v) => {
                    vars.insert(a.key.as_str().to_string(), v);
                }
                Err(err) => errors.push(InputError {
                    file: name.to_string(),
                    line: 0,
                    column: 0,
                    message: format!("variable {}: {err}", a.key.as_str()),
                }),
            }
        }
    }
}

fn parse_error(name: &str, e: &hcl::edit::parser::Error) -> InputError {
    InputError {
        file: name.to_string(),
        line: e.location().line() as u32,
        column: e.location().column() as u32,
        message: format!("invalid HCL: {}", e.message()),
    }
}

/// Rewrites arithmetic operators into calls of checked functions (see
/// [`functions::arith_function`]).
struct SafeArithmetic;

impl hcl::edit::visit_mut::VisitMut for SafeArithmetic {
    fn visit_expr_mut(&mut self, node: &mut EditExpr) {
        hcl::edit::visit_mut::visit_expr_mut(self, node);
        if let EditExpr::BinaryOp(op) = node
            && let Some(name) = functions::arith_function(*op.operator.value())
        {
            let placeholder = EditExpr::Null(hcl::edit::Decorated::new(hcl::edit::expr::Null));
            let lhs = std::mem::replace(&mut op.lhs_expr, placeholder.clone());
            let rhs = std::mem::replace(&mut op.rhs_expr, placeholder);
            let call = hcl::edit::expr::FuncCall::new(
                hcl::edit::Ident::new(name),
                hcl::edit::expr::FuncArgs::from(vec![lhs, rhs]),
            );
            *node = EditExpr::FuncCall(Box::new(call));
        }
    }
}

/// An expression ready for evaluation.
fn evaluable(e: &EditExpr) -> hcl::Expression {
    let mut e = e.clone();
    hcl::edit::visit_mut::VisitMut::visit_expr_mut(&mut SafeArithmetic, &mut e);
    e.into()
}

/// Most instances `count`, `for_each` or `dynamic` blocks may make of one
/// resource: more is unknown, not an out-of-memory.
const MAX_INSTANCES: usize = 10_000;
/// Largest value (in elements and string bytes) a local may hold: locals
/// that double each other would otherwise grow exponentially.
const MAX_VALUE_SIZE: usize = 64 << 10;

/// Whether a value stays within `budget` (elements plus string bytes).
fn within(v: &hcl::Value, budget: &mut usize) -> bool {
    let cost = match v {
        hcl::Value::String(s) => s.len().max(1),
        _ => 1,
    };
    if *budget < cost {
        return false;
    }
    *budget -= cost;
    match v {
        hcl::Value::Array(a) => a.iter().all(|x| within(x, budget)),
        hcl::Value::Object(m) => m.iter().all(|(k, x)| {
            *budget = budget.saturating_sub(k.len());
            within(x, budget)
        }),
        _ => true,
    }
}

struct Builder<'s> {
    src: &'s Source,
    ctx: &'s Context<'s>,
    unknown: Vec<UnknownField>,
    /// `dynamic` instances this resource may still make.
    instances_left: usize,
}

impl Builder<'_> {
    fn unknown(&mut self, line: u32, path: &Path, reason: String) {
        self.unknown.push(UnknownField {
            path: path.clone(),
            line,
            reason,
        });
    }

    /// An expression as a node: object and array literals keep the line of
    /// each item; other expressions are evaluated.
    fn expr(&mut self, e: &EditExpr, path: &Path) -> Option<Node> {
        let (line, col) = self.src.pos_of(e.span());
        match e {
            EditExpr::Object(o) => {
                let mut map = Map::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            let he: hcl::Expression = evaluable(ke);
                            match he.evaluate(self.ctx) {
                                Ok(hcl::Value::String(s)) => s,
                                Ok(other) => other.to_string(),
                                Err(err) => {
                                    self.unknown(line, path, format!("object key: {err}"));
                                    continue;
                                }
                            }
                        }
                    };
                    let child = path.clone().key(key.as_str());
                    if let Some(n) = self.expr(v.expr(), &child) {
                        map.insert(key, n);
                    }
                }
                Some(Node::new(line, col, Value::Map(map)))
            }
            EditExpr::Array(a) => {
                let mut items = Vec::new();
                for (i, x) in a.iter().enumerate() {
                    if let Some(n) = self.expr(x, &path.clone().index(i)) {
                        items.push(n);
                    }
                }
                Some(Node::new(line, col, Value::Seq(items)))
            }
            _ => {
                let he: hcl::Expression = evaluable(e);
                match he.evaluate(self.ctx) {
                    Ok(v) => Some(hcl_to_node(&v, line, col)),
                    Err(err) => {
                        self.unknown(line, path, err.to_string());
                        None
                    }
                }
            }
        }
    }

    /// A block body as an object, with the provider's block shapes.
    fn body(&mut self, body: &Body, parent: &str, path: &Path, line: u32, col: u32) -> Node {
        let mut map = Map::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if mapping::is_meta_argument(name) {
                        continue;
                    }
                    let key = mapping::camel(name);
                    let child = path.clone().key(key.as_str());
                    let (l, c) = self.src.pos_of(a.span());
                    if let Some(mut n) = self.expr(&a.value, &child) {
                        n.line = l;
                        n.column = c;
                        mapping::int_or_string(&key, &mut n);
                        map.insert(key, n);
                    }
                }
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    if mapping::is_meta_argument(name) {
                        continue;
                    }
                    let (l, c) = self.src.pos_of(b.span());
                    if name == "dynamic" {
                        self.dynamic(&mut map, b, parent, path, l);
                    } else {
                        self.block(&mut map, name, &b.body, parent, path, l, c);
                    }
                }
            }
        }
        Node::new(line, col, Value::Map(map))
    }
}

impl Builder<'_> {
    /// Adds a block named `name` to `map` in the provider's shape: a list
    /// item for repeated blocks, else an object.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &mut self,
        map: &mut Map,
        name: &str,
        body: &Body,
        parent: &str,
        path: &Path,
        l: u32,
        c: u32,
    ) {
        let (key, repeated) = mapping::block(parent, name);
        if repeated {
            let idx = map
                .get(&key)
                .and_then(|n| n.as_seq())
                .map_or(0, |s| s.len());
            let child = self.body(body, &key, &path.clone().key(key.as_str()).index(idx), l, c);
            match map.get_mut(&key) {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) => items.push(child),
                _ => map.insert(key.clone(), Node::new(l, c, Value::Seq(vec![child]))),
            }
        } else {
            let child = self.body(body, &key, &path.clone().key(key.as_str()), l, c);
            map.insert(key, child);
        }
    }

    /// `dynamic "container" { for_each = …, content { … } }`: one block per
    /// element, with `container.key` / `container.value` (or the
    /// `iterator` name) in scope. An unknown `for_each` makes the field
    /// unknown.
    fn dynamic(
        &mut self,
        map: &mut Map,
        b: &hcl::edit::structure::Block,
        parent: &str,
        path: &Path,
        l: u32,
    ) {
        let Some(label) = b.labels.first().map(|x| x.as_str().to_string()) else {
            return;
        };
        let (key, _) = mapping::block(parent, &label);
        let field = path.clone().key(key.as_str());
        let iterator = b
            .body
            .get_attribute("iterator")
            .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
            .unwrap_or_else(|| label.clone());
        let Some(content) = b.body.get_blocks("content").next() else {
            self.unknown(
                l,
                &field,
                format!("dynamic \"{label}\" has no content block"),
            );
            return;
        };
        let items = match b.body.get_attribute("for_each") {
            Some(a) => {
                let e: hcl::Expression = evaluable(&a.value);
                match e.evaluate(self.ctx) {
                    Ok(v) => for_each_items(v),
                    Err(err) => Err(err.to_string()),
                }
            }
            None => Err(format!("dynamic \"{label}\" has no for_each")),
        };
        let items = match items {
            Ok(items) => items,
            Err(reason) => {
                self.unknown(l, &field, reason);
                return;
            }
        };
        if items.len() > self.instances_left {
            self.unknown(
                l,
                &field,
                format!("dynamic \"{label}\" makes more than {MAX_INSTANCES} blocks"),
            );
            return;
        }
        self.instances_left -= items.len();
        for (k, v) in items {
            let mut ctx = self.ctx.clone();
            ctx.declare_var(
                iterator.as_str(),
                hcl::Value::Object(hcl::Map::from_iter([
                    ("key".to_string(), k),
                    ("value".to_string(), v),
                ])),
            );
            let mut inner = Builder {
                src: self.src,
                ctx: &ctx,
                unknown: Vec::new(),
                instances_left: self.instances_left,
            };
            let (cl, cc) = self.src.pos_of(content.span());
            inner.block(map, &label, &content.body, parent, path, cl, cc);
            self.unknown.append(&mut inner.unknown);
            self.instances_left = inner.instances_left;
        }
    }
}

/// The `(key, value)` pairs a `for_each` iterates: list and set elements
/// (key = index for lists of non-strings, the element itself for strings, as
/// `toset` gives), map entries.
fn for_each_items(v: hcl::Value) -> Result<Vec<(hcl::Value, hcl::Value)>, String> {
    match v {
        hcl::Value::Array(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, x)| match &x {
                hcl::Value::String(_) => (x.clone(), x),
                _ => (hcl::Value::from(i as u64), x),
            })
            .collect()),
        hcl::Value::Object(m) => Ok(m
            .into_iter()
            .map(|(k, v)| (hcl::Value::String(k), v))
            .collect()),
        other => Err(format!("for_each is not a list, set or map: {other}")),
    }
}

/// A `kubernetes_*` resource block as an object tree.
fn resource_tree(
    b: &mut Builder<'_>,
    block: &hcl::edit::structure::Block,
    api_version: &str,
    kind: &str,
) -> Node {
    let (line, col) = b.src.pos_of(block.span());
    let mut root = b.body(&block.body, "", &Path::root(), line, col);
    if let Value::Map(m) = &mut root.value {
        // the provider wraps single blocks as lists of one: `metadata[0]` in
        // references; in the object they are plain objects (done by `body`)
        // Secret.data holds plain text in Terraform (the provider encodes it)
        if kind == "Secret"
            && let Some(pos) = m.entries.iter().position(|(k, _)| k == "data")
        {
            m.entries[pos].0 = "stringData".into();
        }
        if kind == "Secret"
            && let Some(pos) = m.entries.iter().position(|(k, _)| k == "binaryData")
        {
            m.entries[pos].0 = "data".into();
        }
        let mut entries = vec![
            (
                "apiVersion".into(),
                Node::new(line, col, Value::Str(api_version.into())),
            ),
            ("kind".into(), Node::new(line, col, Value::Str(kind.into()))),
        ];
        entries.append(&mut m.entries);
        m.entries = entries;
    }
    root
}

/// Reads one module: its `.tf` files and the `.tfvars` that apply.
pub fn load_module(
    files: &[(String, String)],
    var_files: &[(String, String)],
    opts: &ObjectOptions,
) -> Module {
    let mut module = Module::default();
    let mut sources = Vec::new();
    for (name, text) in files {
        match text.parse::<Body>() {
            Ok(body) => sources.push(Source {
                name: Arc::from(name.as_str()),
                line_starts: line_starts(text),
                body,
            }),
            Err(e) => module.errors.push(parse_error(name, &e)),
        }
    }
    // variables: defaults, then tfvars in order
    let mut vars: hcl::Map<String, hcl::Value> = hcl::Map::new();
    let mut empty = Context::new();
    functions::declare(&mut empty);
    for src in &sources {
        for b in src.body.get_blocks("variable") {
            let Some(name) = b.labels.first().map(|l| l.as_str().to_string()) else {
                continue;
            };
            if let Some(d) = b.body.get_attribute("default") {
                let e: hcl::Expression = evaluable(&d.value);
                if let Ok(v) = e.evaluate(&empty) {
                    vars.insert(name, v);
                }
            }
        }
    }
    for (name, text) in var_files {
        tfvars(name, text, &mut vars, &mut module.errors);
    }
    let mut ctx = Context::new();
    functions::declare(&mut ctx);
    ctx.declare_var("var", hcl::Value::Object(vars));
    // locals may refer to variables and to each other: evaluate until stable
    let mut locals: hcl::Map<String, hcl::Value> = hcl::Map::new();
    let local_exprs: Vec<(String, hcl::Expression)> = sources
        .iter()
        .flat_map(|s| {
            s.body
                .get_blocks("locals")
                .flat_map(|b| b.body.iter().filter_map(|x| x.as_attribute()))
        })
        .map(|a| (a.key.as_str().to_string(), evaluable(&a.value)))
        .collect();
    for _ in 0..=local_exprs.len() {
        let mut progress = false;
        for (k, e) in &local_exprs {
            if locals.contains_key(k) {
                continue;
            }
            if let Ok(v) = e.evaluate(&ctx)
                && within(&v, &mut MAX_VALUE_SIZE.clone())
            {
                locals.insert(k.clone(), v);
                progress = true;
                ctx.declare_var("local", hcl::Value::Object(locals.clone()));
            }
        }
        if !progress {
            break;
        }
    }
    ctx.declare_var("local", hcl::Value::Object(locals));
    // other resources' names: `kubernetes_namespace.app.metadata[0].name`
    let mut by_type: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    for src in &sources {
        for b in src.body.get_blocks("resource") {
            let (Some(t), Some(n)) = (b.labels.first(), b.labels.get(1)) else {
                continue;
            };
            let Some(meta) = b.body.get_blocks("metadata").next() else {
                continue;
            };
            let mut m = hcl::Map::new();
            for attr in ["name", "namespace"] {
                if let Some(a) = meta.body.get_attribute(attr) {
                    let e: hcl::Expression = evaluable(&a.value);
                    if let Ok(v) = e.evaluate(&ctx) {
                        m.insert(attr.to_string(), v);
                    }
                }
            }
            let mut r = hcl::Map::new();
            r.insert(
                "metadata".to_string(),
                hcl::Value::Array(vec![hcl::Value::Object(m.clone())]),
            );
            r.insert(
                "id".to_string(),
                m.get("name").cloned().unwrap_or(hcl::Value::Null),
            );
            by_type
                .entry(t.as_str().to_string())
                .or_default()
                .insert(n.as_str().to_string(), hcl::Value::Object(r));
        }
    }
    for (t, m) in by_type {
        ctx.declare_var(t, hcl::Value::Object(m));
    }
    for src in &sources {
        for block in src.body.get_blocks("resource") {
            let (Some(t), Some(n)) = (block.labels.first(), block.labels.get(1)) else {
                continue;
            };
            let (t, n) = (t.as_str(), n.as_str());
            if t != "kubernetes_manifest" && mapping::resource_type(t).is_none() {
                continue; // not a Kubernetes resource (or one palisade does not map)
            }
            match instances(block, &ctx) {
                None => build_resource(&mut module, src, block, t, n, &ctx, "", opts),
                Some(list) => {
                    for (suffix, var, value) in list {
                        let mut c = ctx.clone();
                        c.declare_var(var, value);
                        build_resource(&mut module, src, block, t, n, &c, &suffix, opts);
                    }
                }
            }
        }
    }
    module
}

/// The instances `count` or `for_each` make of a resource: `(address
/// suffix, variable, its value)`; `None` for a single resource, or when the
/// count or collection is unknown (the fields that use it are then unknown).
fn instances(
    block: &hcl::edit::structure::Block,
    ctx: &Context<'_>,
) -> Option<Vec<(String, &'static str, hcl::Value)>> {
    let eval = |name: &str| {
        let a = block.body.get_attribute(name)?;
        let e: hcl::Expression = evaluable(&a.value);
        e.evaluate(ctx).ok()
    };
    if let Some(v) = eval("count") {
        let n = match v {
            hcl::Value::Number(n) => n.as_u64()?,
            _ => return None,
        };
        if n > MAX_INSTANCES as u64 {
            return None;
        }
        return Some(
            (0..n)
                .map(|i| {
                    let index = hcl::Value::Object(hcl::Map::from_iter([(
                        "index".to_string(),
                        hcl::Value::from(i),
                    )]));
                    (format!("[{i}]"), "count", index)
                })
                .collect(),
        );
    }
    let items = for_each_items(eval("for_each")?).ok()?;
    if items.len() > MAX_INSTANCES {
        return None;
    }
    Some(
        items
            .into_iter()
            .map(|(k, v)| {
                let suffix = match &k {
                    hcl::Value::String(s) => format!("[\"{s}\"]"),
                    other => format!("[{other}]"),
                };
                let each = hcl::Value::Object(hcl::Map::from_iter([
                    ("key".to_string(), k),
                    ("value".to_string(), v),
                ]));
                (suffix, "each", each)
            })
            .collect(),
    )
}

/// One instance of a resource as an object.
#[allow(clippy::too_many_arguments)]
fn build_resource(
    module: &mut Module,
    src: &Source,
    block: &hcl::edit::structure::Block,
    t: &str,
    n: &str,
    ctx: &Context<'_>,
    suffix: &str,
    opts: &ObjectOptions,
) {
    let mut b = Builder {
        src,
        ctx,
        unknown: Vec::new(),
        instances_left: MAX_INSTANCES,
    };
    let tree = if t == "kubernetes_manifest" {
        match block.body.get_attribute("manifest") {
            Some(a) => b.expr(&a.value, &Path::root()),
            None => {
                let (line, column) = src.pos_of(block.span());
                module.errors.push(InputError {
                    file: src.name.to_string(),
                    line,
                    column,
                    message: format!("kubernetes_manifest.{n}{suffix} has no manifest"),
                });
                return;
            }
        }
    } else if let Some((api_version, kind)) = mapping::resource_type(t) {
        Some(resource_tree(&mut b, block, api_version, kind))
    } else {
        return;
    };
    let Some(mut tree) = tree else { return };
    let (line, column) = src.pos_of(block.span());
    tree.line = line;
    tree.column = column;
    // an unknown name still needs an object name: the resource address
    if tree.get("metadata").and_then(|m| m.get("name")).is_none() {
        let meta = match &mut tree.value {
            Value::Map(m) => {
                if !m.contains_key("metadata") {
                    m.insert("metadata", Node::new(line, column, Value::Map(Map::new())));
                }
                m.get_mut("metadata")
            }
            _ => None,
        };
        if let Some(Node {
            value: Value::Map(mm),
            ..
        }) = meta
        {
            mm.insert(
                "name",
                Node::new(line, column, Value::Str(format!("{t}.{n}{suffix}").into())),
            );
        }
    }
    match object_from_node(tree, &src.name, opts) {
        Ok(mut o) => {
            o.unknown = b.unknown;
            module.objects.push(o);
        }
        Err(e) => module.errors.push(InputError {
            file: src.name.to_string(),
            line: e.line,
            column: e.column,
            message: format!("{t}.{n}{suffix}: {}", e.message),
        }),
    }
}

#[cfg(test)]
mod tests;

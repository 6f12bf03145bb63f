//! CEL as a ValidatingAdmissionPolicy uses it: compiled once, evaluated
//! over `object`, `oldObject`, `params`, `namespaceObject`, `request` and
//! the policy's `variables`, with the standard library, the strings and
//! lists extensions and the Kubernetes library ([`crate::k8s`]:
//! quantities, `find`, IPs and CIDRs, URLs; not `authorizer`, an
//! evaluation error offline). Every evaluation counts its
//! cost as the API server does ([`crate::cost`]); one over the API
//! server's per-expression limit is the API server's error.

use crate::cost;
use cel::objects::{Key, Map};
use cel::{Context, Env, Program, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    // the extension functions are declared once here; a failure is a
    // programming error
    env.add_extension(cel::extensions::strings)
        .expect("CEL strings extension");
    env.add_extension(cel::extensions::lists)
        .expect("CEL lists extension");
    env.add_extension(crate::k8s::library)
        .expect("Kubernetes CEL library");
    Arc::new(env)
});

/// Longest expression compiled (the API server's limit on a validation is
/// 5 KiB of source; generated ones stay far below).
pub const MAX_SOURCE: usize = 64 * 1024;

/// A compiled expression and its source.
pub struct Expr {
    pub source: String,
    program: Program,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

impl Expr {
    /// Compiles `source`; the error is the parser's, with the position.
    pub fn compile(source: &str) -> Result<Expr, String> {
        if source.len() > MAX_SOURCE {
            return Err(format!(
                "expression of {} bytes is over the {MAX_SOURCE}-byte limit",
                source.len()
            ));
        }
        if source.trim().is_empty() {
            return Err("empty expression".into());
        }
        ENV.compile(source)
            .map(|program| Expr {
                source: source.to_string(),
                program,
            })
            .map_err(|e| e.to_string().lines().next().unwrap_or("").to_string())
    }

    fn context(scope: &Scope) -> Context<'static, 'static> {
        let mut ctx = Context::with_env(ENV.clone());
        for (name, value) in &scope.values {
            ctx.add_variable_from_value(name.clone(), value.clone());
        }
        ctx.add_variable_from_value("variables", Value::Map(scope.variables.clone().into()));
        ctx
    }

    /// Evaluates over `scope`; an evaluation over the API server's
    /// per-expression cost limit is the API server's error.
    pub fn eval(&self, scope: &Scope) -> Result<Value, String> {
        self.eval_costed(scope, &HashMap::new()).0
    }

    /// Evaluates over `scope` and counts what the evaluation costs the API
    /// server (`types`: the variables' types). Over the per-call limit the
    /// result is the API server's error.
    pub fn eval_costed(
        &self,
        scope: &Scope,
        types: &HashMap<String, cost::Ty>,
    ) -> (Result<Value, String>, cost::Cost) {
        let ctx = Self::context(scope);
        let cost = cost::cost(self.program.expression(), &ctx, types);
        if cost.exceeded {
            return (Err(cost::LIMIT_EXCEEDED.to_string()), cost);
        }
        (self.program.execute(&ctx).map_err(|e| e.to_string()), cost)
    }

    /// The expression's static type, given the variables' `types`.
    pub fn type_of(&self, types: &HashMap<String, cost::Ty>) -> cost::Ty {
        cost::type_of(self.program.expression(), types)
    }

    /// Evaluates to a boolean; any other result is an error.
    pub fn eval_bool(&self, scope: &Scope) -> Result<bool, String> {
        match self.eval(scope)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("expected a bool, got {}", type_name(&other))),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        _ => "value",
    }
}

/// What an expression sees.
#[derive(Clone, Default)]
pub struct Scope {
    values: Vec<(String, Value)>,
    variables: HashMap<Key, Value>,
}

impl Scope {
    /// A top-level name (`object`, `params`, …) bound to a JSON value.
    pub fn set(&mut self, name: &str, value: &serde_json::Value) {
        self.values.push((name.to_string(), to_cel(value)));
    }

    /// `variables.<name>`.
    pub fn set_variable(&mut self, name: &str, value: Value) {
        self.variables
            .insert(Key::String(Arc::new(name.to_string())), value);
    }
}

/// A JSON value as CEL sees it: integers are `int` (as the API server's
/// typed objects have them), other numbers `double`.
pub fn to_cel(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(Arc::new(s.clone())),
        J::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        J::Object(m) => {
            let map: HashMap<Key, Value> = m
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// A CEL value as text for a message (`messageExpression` results).
pub fn as_message(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(object: serde_json::Value) -> Scope {
        let mut s = Scope::default();
        s.set("object", &object);
        s
    }

    #[test]
    fn booleans_over_objects() {
        let s = scope(json!({"spec": {"replicas": 3, "containers": [{"name": "a"}]}}));
        let e = Expr::compile(
            "object.spec.replicas <= 3 && object.spec.containers.all(c, has(c.name))",
        )
        .unwrap();
        assert_eq!(e.eval_bool(&s), Ok(true));
        // an integer compares with an int literal
        let zero = scope(json!({"spec": {"runAsUser": 0}}));
        assert_eq!(
            Expr::compile("object.spec.runAsUser == 0")
                .unwrap()
                .eval_bool(&zero),
            Ok(true)
        );
        let e = Expr::compile("object.spec.missing == 1").unwrap();
        assert!(e.eval_bool(&s).is_err());
        assert!(
            Expr::compile("object.spec.replicas")
                .unwrap()
                .eval_bool(&s)
                .is_err()
        );
    }

    #[test]
    fn compile_errors_say_where() {
        let e = Expr::compile("object.spec.replicas <").unwrap_err();
        assert!(e.contains("1:"), "{e}");
        assert!(Expr::compile("  ").is_err());
    }

    #[test]
    fn variables_and_string_functions() {
        let mut s = scope(json!({"metadata": {"name": "Web"}}));
        s.set_variable("n", Value::Int(2));
        let e = Expr::compile("variables.n == 2 && object.metadata.name.lowerAscii() == 'web' && 'a,b'.split(',').size() == 2").unwrap();
        assert_eq!(e.eval_bool(&s), Ok(true));
    }
}

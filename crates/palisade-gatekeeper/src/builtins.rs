//! OPA builtins that older ConstraintTemplates still call but regorus does
//! not ship, because OPA deprecated them: `any`, `all`, `re_match`,
//! `set_diff` and the `cast_*` family. Each keeps OPA's semantics
//! (see the OPA v0 builtin reference); and `sprintf` with Go's handling
//! of missing arguments.

use anyhow::{Result, anyhow, bail};
use regorus::{Engine, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Registers every deprecated builtin on `engine`.
pub fn register(engine: &mut Engine) -> Result<()> {
    engine.add_extension("any".into(), 1, Box::new(any))?;
    engine.add_extension("all".into(), 1, Box::new(all))?;
    engine.add_extension("re_match".into(), 2, Box::new(re_match()))?;
    engine.add_extension("set_diff".into(), 2, Box::new(set_diff))?;
    engine.add_extension("cast_array".into(), 1, Box::new(cast_array))?;
    engine.add_extension("cast_set".into(), 1, Box::new(cast_set))?;
    engine.add_extension("cast_string".into(), 1, Box::new(cast_string))?;
    engine.add_extension("cast_boolean".into(), 1, Box::new(cast_boolean))?;
    engine.add_extension("cast_null".into(), 1, Box::new(cast_null))?;
    engine.add_extension("cast_object".into(), 1, Box::new(cast_object))?;
    engine.add_extension("sprintf".into(), 2, Box::new(crate::sprintf::sprintf))?;
    Ok(())
}

fn one(args: &[Value]) -> Result<&Value> {
    args.first().ok_or_else(|| anyhow!("missing argument"))
}

/// The elements of an array or set.
fn elements(v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a.iter().cloned().collect()),
        Value::Set(s) => Ok(s.iter().cloned().collect()),
        _ => bail!("operand 1 must be one of {{array, set}}"),
    }
}

fn any(args: Vec<Value>) -> Result<Value> {
    let items = elements(one(&args)?)?;
    Ok(Value::Bool(items.contains(&Value::Bool(true))))
}

fn all(args: Vec<Value>) -> Result<Value> {
    let items = elements(one(&args)?)?;
    Ok(Value::Bool(items.iter().all(|v| *v == Value::Bool(true))))
}

/// `re_match(pattern, value)`: an unanchored regular expression search, as
/// `regex.match`; compiled patterns are cached per engine.
fn re_match() -> impl FnMut(Vec<Value>) -> Result<Value> + Clone + Send + Sync {
    type Cache = Arc<Mutex<Vec<(String, regex::Regex)>>>;
    let cache: Cache = Arc::default();
    move |args: Vec<Value>| {
        let (Some(Value::String(p)), Some(Value::String(v))) = (args.first(), args.get(1)) else {
            bail!("re_match: operands must be strings");
        };
        let mut c = cache
            .lock()
            .map_err(|_| anyhow!("re_match: cache poisoned"))?;
        if let Some((_, re)) = c.iter().find(|(k, _)| k.as_str() == &**p) {
            return Ok(Value::Bool(re.is_match(v)));
        }
        let re = regex::Regex::new(p).map_err(|e| anyhow!("re_match: {e}"))?;
        let m = re.is_match(v);
        if c.len() < 256 {
            c.push((p.to_string(), re));
        }
        Ok(Value::Bool(m))
    }
}

fn set_diff(args: Vec<Value>) -> Result<Value> {
    let (Some(Value::Set(a)), Some(Value::Set(b))) = (args.first(), args.get(1)) else {
        bail!("set_diff: operands must be sets");
    };
    Ok(Value::from(a.difference(b)))
}

fn cast_array(args: Vec<Value>) -> Result<Value> {
    Ok(Value::from(elements(one(&args)?)?))
}

fn cast_set(args: Vec<Value>) -> Result<Value> {
    Ok(Value::from(
        elements(one(&args)?)?
            .into_iter()
            .collect::<BTreeSet<Value>>(),
    ))
}

fn cast_string(args: Vec<Value>) -> Result<Value> {
    match one(&args)? {
        v @ Value::String(_) => Ok(v.clone()),
        _ => bail!("cast_string: operand must be a string"),
    }
}

fn cast_boolean(args: Vec<Value>) -> Result<Value> {
    match one(&args)? {
        v @ Value::Bool(_) => Ok(v.clone()),
        _ => bail!("cast_boolean: operand must be a boolean"),
    }
}

fn cast_null(args: Vec<Value>) -> Result<Value> {
    match one(&args)? {
        Value::Null => Ok(Value::Null),
        _ => bail!("cast_null: operand must be null"),
    }
}

fn cast_object(args: Vec<Value>) -> Result<Value> {
    match one(&args)? {
        v @ Value::Object(_) => Ok(v.clone()),
        _ => bail!("cast_object: operand must be an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(rego: &str, rule: &str) -> Value {
        let mut e = Engine::new();
        e.set_rego_v0(true);
        register(&mut e).unwrap();
        e.add_policy("t.rego".into(), rego.into()).unwrap();
        e.eval_rule(rule.into()).unwrap()
    }

    #[test]
    fn deprecated_builtins_follow_opa() {
        let rego = r#"package t
            a = any([false, true])
            b = any(set())
            c = all([true, true])
            d = all([true, false])
            e = re_match("^ab", "abc")
            f = re_match("^b", "abc")
            g = set_diff({1, 2, 3}, {2})
            h = cast_array({1})
            i = cast_set([1, 1, 2])
        "#;
        assert_eq!(eval(rego, "data.t.a"), Value::Bool(true));
        assert_eq!(eval(rego, "data.t.b"), Value::Bool(false));
        assert_eq!(eval(rego, "data.t.c"), Value::Bool(true));
        assert_eq!(eval(rego, "data.t.d"), Value::Bool(false));
        assert_eq!(eval(rego, "data.t.e"), Value::Bool(true));
        assert_eq!(eval(rego, "data.t.f"), Value::Bool(false));
        assert_eq!(
            eval(rego, "data.t.g"),
            Value::from(
                [Value::from(1), Value::from(3)]
                    .into_iter()
                    .collect::<BTreeSet<Value>>()
            )
        );
        assert_eq!(eval(rego, "data.t.h"), Value::from(vec![Value::from(1)]));
        assert_eq!(
            eval(rego, "data.t.i"),
            Value::from(
                [Value::from(1), Value::from(2)]
                    .into_iter()
                    .collect::<BTreeSet<Value>>()
            )
        );
    }
}

//! The Terraform built-in functions Kubernetes modules use most, with
//! Terraform's semantics. A call to any other function makes the field
//! unknown (never a guess).

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

fn text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{other} is not a string")),
    }
}

fn list(v: &Value) -> Result<&Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(format!("{other} is not a list")),
    }
}

/// Most elements a function result may have (locals that feed each other
/// would otherwise grow without bound).
const MAX_ELEMENTS: usize = 64 << 10;

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for a in args.iter() {
        out.extend(list(a)?.iter().cloned());
        if out.len() > MAX_ELEMENTS {
            return Err(format!("concat: more than {MAX_ELEMENTS} elements"));
        }
    }
    Ok(Value::Array(out))
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = hcl::Map::new();
    for a in args.iter() {
        match a {
            Value::Object(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Value::Null => {}
            other => return Err(format!("merge: {other} is not a map")),
        }
    }
    Ok(Value::Object(out))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = text(&args[1])?;
    match &args[0] {
        Value::Object(m) => match (m.get(&key), args.get(2)) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(default)) => Ok(default.clone()),
            (None, None) => Err(format!("lookup: no key {key:?}")),
        },
        other => Err(format!("lookup: {other} is not a map")),
    }
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let sep = text(&args[0])?;
    let mut parts = Vec::new();
    for l in args.iter().skip(1) {
        for v in list(l)? {
            parts.push(text(v)?);
        }
        if parts.len() > MAX_ELEMENTS {
            return Err(format!("join: more than {MAX_ELEMENTS} elements"));
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

fn toset(args: FuncArgs) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for v in list(&args[0])? {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    // Terraform orders a set of strings lexically
    if out.iter().all(|v| matches!(v, Value::String(_))) {
        out.sort_by_key(|v| v.as_str().unwrap_or_default().to_string());
    }
    Ok(Value::Array(out))
}

fn length(args: FuncArgs) -> Result<Value, String> {
    let n = match &args[0] {
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        Value::String(s) => s.chars().count(),
        other => return Err(format!("length: {other} has no length")),
    };
    Ok(Value::from(n as u64))
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "coalesce: every argument is null or empty".to_string())
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Object(m) => Ok(Value::Array(
            m.keys().map(|k| Value::String(k.clone())).collect(),
        )),
        other => Err(format!("keys: {other} is not a map")),
    }
}

fn values(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Object(m) => Ok(Value::Array(m.values().cloned().collect())),
        other => Err(format!("values: {other} is not a map")),
    }
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?.to_uppercase()))
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?))
}

fn identity(args: FuncArgs) -> Result<Value, String> {
    Ok(args[0].clone())
}

fn number(v: &Value) -> Result<hcl::Number, String> {
    match v {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s
            .parse::<f64>()
            .ok()
            .and_then(hcl::Number::from_f64)
            .ok_or_else(|| format!("{s:?} is not a number")),
        other => Err(format!("{other} is not a number")),
    }
}

fn integer(n: &hcl::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn from_i128(v: i128) -> Result<Value, String> {
    if let Ok(u) = u64::try_from(v) {
        Ok(Value::from(u))
    } else if let Ok(i) = i64::try_from(v) {
        Ok(Value::from(i))
    } else {
        Err("number out of range".to_string())
    }
}

fn from_f64(v: f64) -> Result<Value, String> {
    hcl::Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| "not a finite number".to_string())
}

/// `+ - * / %` with Terraform's meaning, as functions: the expression
/// evaluator's own operators panic on `x % 0` and overflow.
fn arith(op: char, args: &FuncArgs) -> Result<Value, String> {
    let (a, b) = (number(&args[0])?, number(&args[1])?);
    if let (Some(x), Some(y)) = (integer(&a), integer(&b)) {
        return match op {
            '+' => from_i128(x + y),
            '-' => from_i128(x - y),
            '*' => x
                .checked_mul(y)
                .ok_or("number out of range".to_string())
                .and_then(from_i128),
            '%' if y == 0 => Err("modulo by zero".to_string()),
            '%' => from_i128(x % y),
            _ if y == 0 => Err("division by zero".to_string()),
            _ if x % y == 0 => from_i128(x / y),
            _ => from_f64(x as f64 / y as f64),
        };
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    match op {
        '+' => from_f64(x + y),
        '-' => from_f64(x - y),
        '*' => from_f64(x * y),
        '%' if y == 0.0 => Err("modulo by zero".to_string()),
        '%' => from_f64(x % y),
        _ if y == 0.0 => Err("division by zero".to_string()),
        _ => from_f64(x / y),
    }
}

/// The function an arithmetic operator is evaluated with.
pub fn arith_function(op: hcl::edit::expr::BinaryOperator) -> Option<&'static str> {
    use hcl::edit::expr::BinaryOperator as B;
    Some(match op {
        B::Plus => "__palisade_add",
        B::Minus => "__palisade_sub",
        B::Mul => "__palisade_mul",
        B::Div => "__palisade_div",
        B::Mod => "__palisade_mod",
        _ => return None,
    })
}

/// Declares the supported functions in `ctx`.
pub fn declare(ctx: &mut Context<'_>) {
    let two = || FuncDef::builder().params([ParamType::Any, ParamType::Any]);
    ctx.declare_func("__palisade_add", two().build(|a| arith('+', &a)));
    ctx.declare_func("__palisade_sub", two().build(|a| arith('-', &a)));
    ctx.declare_func("__palisade_mul", two().build(|a| arith('*', &a)));
    ctx.declare_func("__palisade_div", two().build(|a| arith('/', &a)));
    ctx.declare_func("__palisade_mod", two().build(|a| arith('%', &a)));
    let any = || ParamType::Any;
    let variadic = |f| FuncDef::builder().variadic_param(ParamType::Any).build(f);
    ctx.declare_func("concat", variadic(concat));
    ctx.declare_func("merge", variadic(merge));
    ctx.declare_func("coalesce", variadic(coalesce));
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .params([any(), any()])
            .variadic_param(any())
            .build(lookup),
    );
    ctx.declare_func(
        "join",
        FuncDef::builder()
            .param(any())
            .variadic_param(any())
            .build(join),
    );
    for (name, f) in [
        ("toset", toset as hcl::eval::Func),
        ("length", length),
        ("keys", keys),
        ("values", values),
        ("lower", lower),
        ("upper", upper),
        ("tostring", tostring),
        ("tolist", identity),
        ("tomap", identity),
        ("tonumber", identity),
        ("sensitive", identity),
        ("nonsensitive", identity),
    ] {
        ctx.declare_func(name, FuncDef::builder().param(any()).build(f));
    }
}

#[cfg(test)]
mod tests {
    use hcl::eval::{Context, Evaluate};

    fn eval(src: &str) -> Result<hcl::Value, String> {
        let mut ctx = Context::new();
        super::declare(&mut ctx);
        let e: hcl::Expression = src
            .parse::<hcl::edit::expr::Expression>()
            .map_err(|e| e.to_string())?
            .into();
        e.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn terraform_semantics() {
        assert_eq!(
            eval(r#"concat(["a"], ["b", "c"])"#).unwrap(),
            hcl::value!(["a", "b", "c"])
        );
        assert_eq!(
            eval(r#"merge({a = 1, b = 2}, {b = 3})"#).unwrap(),
            hcl::value!({a = 1, b = 3})
        );
        assert_eq!(
            eval(r#"lookup({a = "x"}, "b", "d")"#).unwrap(),
            hcl::value!("d")
        );
        assert!(eval(r#"lookup({a = "x"}, "b")"#).is_err());
        assert_eq!(
            eval(r#"join("-", ["a", "b"], ["c"])"#).unwrap(),
            hcl::value!("a-b-c")
        );
        assert_eq!(
            eval(r#"toset(["b", "a", "b"])"#).unwrap(),
            hcl::value!(["a", "b"])
        );
        assert_eq!(eval(r#"length({a = 1})"#).unwrap(), hcl::value!(1));
        assert_eq!(eval(r#"coalesce("", "x")"#).unwrap(), hcl::value!("x"));
        assert_eq!(eval(r#"upper("ab")"#).unwrap(), hcl::value!("AB"));
        assert!(
            eval(r#"file("x")"#).is_err(),
            "unsupported functions are unknown"
        );
    }
}

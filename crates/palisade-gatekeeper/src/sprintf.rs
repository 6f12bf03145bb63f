//! `sprintf` with Go's `fmt` semantics, as OPA has it.
//!
//! regorus's own `sprintf` fails the whole rule when a format has more verbs
//! than arguments; OPA (Go) prints `%!v(MISSING)` and goes on, and library
//! templates rely on that (the HorizontalPodAutoscaler template has six
//! verbs and five arguments, and its violation must still be reported).
//! Extensions take precedence over builtins in regorus, so this one
//! replaces it for Gatekeeper templates.

use anyhow::{Result, bail};
use regorus::Value;

/// The text of a value as OPA prints it with `%v`: strings bare at the top,
/// quoted inside collections; objects with sorted keys.
pub fn rego_text(v: &Value, nested: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) if nested => serde_json::to_string(&**s).unwrap_or_else(|_| s.to_string()),
        Value::String(s) => s.to_string(),
        Value::Number(n) => n.format_decimal(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(|e| rego_text(e, true)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Set(s) => {
            let items: Vec<String> = s.iter().map(|e| rego_text(e, true)).collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", rego_text(k, true), rego_text(v, true)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Undefined => "undefined".into(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::String(_) => "string",
        Value::Number(n) if n.is_integer() => "int",
        Value::Number(_) => "float64",
        Value::Array(_) => "[]interface {}",
        Value::Set(_) => "ast.Set",
        Value::Object(_) => "map[string]interface {}",
        Value::Undefined => "undefined",
    }
}

#[derive(Default)]
struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn pad(s: String, spec: &Spec, numeric: bool) -> String {
    let Some(w) = spec.width else { return s };
    let len = s.chars().count();
    if len >= w {
        return s;
    }
    let fill = w - len;
    if spec.minus {
        return s + &" ".repeat(fill);
    }
    if spec.zero && numeric {
        let (sign, digits) = match s.strip_prefix(['-', '+']) {
            Some(rest) => (&s[..1], rest),
            None => ("", s.as_str()),
        };
        return format!("{sign}{}{digits}", "0".repeat(fill));
    }
    " ".repeat(fill) + &s
}

fn signed(s: String, negative: bool, spec: &Spec) -> String {
    if negative {
        s
    } else if spec.plus {
        format!("+{s}")
    } else if spec.space {
        format!(" {s}")
    } else {
        s
    }
}

fn format_one(verb: char, arg: &Value, spec: &Spec) -> String {
    let bad = || format!("%!{verb}({}={})", type_name(arg), rego_text(arg, false));
    let int = |f: &dyn Fn(i128) -> String| -> String {
        match arg {
            Value::Number(n) if n.is_integer() => match n.as_i128() {
                Some(i) => pad(signed(f(i), i < 0, spec), spec, true),
                None => bad(),
            },
            _ => bad(),
        }
    };
    match verb {
        'v' => pad(rego_text(arg, false), spec, false),
        's' => {
            let mut s = rego_text(arg, false);
            if let Some(p) = spec.precision {
                s = s.chars().take(p).collect();
            }
            pad(s, spec, false)
        }
        'q' => match arg {
            Value::String(s) => pad(serde_json::to_string(&**s).unwrap_or_default(), spec, false),
            _ => bad(),
        },
        't' => match arg {
            Value::Bool(b) => pad(b.to_string(), spec, false),
            _ => bad(),
        },
        'd' => int(&|i| i.to_string()),
        'b' => int(&|i| {
            let s = format!("{:b}", i.unsigned_abs());
            if i < 0 { format!("-{s}") } else { s }
        }),
        'o' => int(&|i| {
            let s = format!("{:o}", i.unsigned_abs());
            if i < 0 { format!("-{s}") } else { s }
        }),
        'x' | 'X' => match arg {
            Value::String(s) => {
                let h: String = s.bytes().map(|b| format!("{b:02x}")).collect();
                pad(if verb == 'X' { h.to_uppercase() } else { h }, spec, false)
            }
            _ => int(&|i| {
                let s = format!("{:x}", i.unsigned_abs());
                let s = if verb == 'X' { s.to_uppercase() } else { s };
                if i < 0 { format!("-{s}") } else { s }
            }),
        },
        'c' => match arg {
            Value::Number(n) => match n.as_u64().and_then(|u| char::from_u32(u as u32)) {
                Some(c) => pad(c.to_string(), spec, false),
                None => bad(),
            },
            _ => bad(),
        },
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' => match arg {
            Value::Number(n) => {
                let Some(f) = n.as_f64() else { return bad() };
                let s = match verb {
                    'f' | 'F' => format!("{:.*}", spec.precision.unwrap_or(6), f),
                    'e' | 'E' => {
                        let s = go_exp(f, spec.precision.unwrap_or(6));
                        if verb == 'E' { s.to_uppercase() } else { s }
                    }
                    _ => match spec.precision {
                        Some(p) => format!("{}", round_sig(f, p.max(1))),
                        None => n.format_decimal(),
                    },
                };
                pad(signed(s, f < 0.0, spec), spec, true)
            }
            _ => bad(),
        },
        'T' => pad(type_name(arg).to_string(), spec, false),
        _ => bad(),
    }
}

/// `%e`: Go writes at least two exponent digits (`1.500000e+00`).
fn go_exp(f: f64, precision: usize) -> String {
    let s = format!("{:.*e}", precision, f);
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

fn round_sig(f: f64, digits: usize) -> f64 {
    if f == 0.0 {
        return 0.0;
    }
    let mag = f.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits as i32 - 1 - mag);
    (f * factor).round() / factor
}

/// `sprintf(format, args)`.
pub fn sprintf(args: Vec<Value>) -> Result<Value> {
    let (Some(Value::String(fmt)), Some(list)) = (args.first(), args.get(1)) else {
        bail!("sprintf: operand 1 must be a string");
    };
    let list: Vec<Value> = match list {
        Value::Array(a) => a.iter().cloned().collect(),
        _ => bail!("sprintf: operand 2 must be an array"),
    };
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut next = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let digits = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
                chars.next();
            }
            n
        };
        spec.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(digits(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match list.get(next) {
            Some(arg) => out.push_str(&format_one(verb, arg, &spec)),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
        next += 1;
    }
    if next < list.len() {
        let extra: Vec<String> = list[next..]
            .iter()
            .map(|a| format!("{}={}", type_name(a), rego_text(a, false)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: Vec<Value>) -> String {
        match sprintf(vec![Value::from(fmt), Value::from(args)]).unwrap() {
            Value::String(s) => s.to_string(),
            v => panic!("{v}"),
        }
    }

    #[test]
    fn go_fmt_semantics() {
        assert_eq!(f("a %v b", vec![Value::from("x")]), "a x b");
        assert_eq!(f("%v and %v", vec![Value::from(1)]), "1 and %!v(MISSING)");
        assert_eq!(f("%d%%", vec![Value::from(42)]), "42%");
        assert_eq!(
            f("%05d|%-3d|", vec![Value::from(-42), Value::from(7)]),
            "-0042|7  |"
        );
        assert_eq!(f("%.2f", vec![Value::from(1.23456)]), "1.23");
        assert_eq!(f("%q", vec![Value::from("a\"b")]), "\"a\\\"b\"");
        assert_eq!(f("%x", vec![Value::from(255)]), "ff");
        assert_eq!(f("%d", vec![Value::from("s")]), "%!d(string=s)");
        assert_eq!(
            f(
                "%v",
                vec![Value::from(serde_json::json!({"b": ["x"], "a": 1}))]
            ),
            "{\"a\": 1, \"b\": [\"x\"]}"
        );
        assert_eq!(f("x", vec![Value::from(1)]), "x%!(EXTRA int=1)");
        assert_eq!(f("%e", vec![Value::from(1.5)]), "1.500000e+00");
    }
}

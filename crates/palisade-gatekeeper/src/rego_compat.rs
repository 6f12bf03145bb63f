//! Two Rego v0 forms that OPA reads and regorus 0.14 does not, rewritten
//! into equivalent Rego before compiling:
//!
//! * a rule with several bodies, `violation[x] { A } { B }` (an "or"):
//!   regorus takes the second body for an `else` and rejects it on set
//!   rules; it becomes `violation[x] { A }` and `violation[x] { B }`;
//! * an expression that ends a line followed by a line that starts with
//!   `(`: OPA ends the expression at the newline, regorus reads a call
//!   (`input.parameters.x` + `(a - b) >= c` → "could not find function
//!   input.parameters.x"); a `;` (Rego's explicit separator) ends it.
//!
//! * a negated call whose arguments are references or calls,
//!   `not f(a.b, g(x))`: OPA's compiler evaluates those arguments *before*
//!   the negation (`t1 = a.b; t2 = g(x); not f(t1, t2)`), so an undefined
//!   argument makes the whole expression undefined, not true
//!   (open-policy-agent/opa#1877); regorus negates the undefined call.
//!   Library templates depend on OPA's reading (`not accept_value(rule,
//!   value, params.ranges)` with no `ranges`), so the arguments are hoisted
//!   the same way.
//!
//! Strings, raw strings and comments are skipped; nothing else changes.

/// The deepest bracket nesting (`(`, `[`, `{`) outside strings and
/// comments. regorus's parser backtracks on nested brackets in time
/// exponential in their depth, so templates are refused past a limit no
/// real policy comes near.
pub fn nesting_depth(src: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                let mut escaped = false;
                for d in chars.by_ref() {
                    if c == '"' && !escaped && d == '\\' {
                        escaped = true;
                        continue;
                    }
                    if d == c && !escaped {
                        break;
                    }
                    escaped = false;
                }
            }
            '#' => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The rewritten source, or `None` when nothing needed rewriting.
pub fn normalise(src: &str) -> Option<String> {
    let hoisted = hoist_negated_call_args(src);
    match split_bodies(hoisted.as_deref().unwrap_or(src)) {
        Some(s) => Some(s),
        None => hoisted,
    }
}

/// The characters of `s` outside double-quoted strings, with their byte
/// offsets (the quotes and string contents are left out).
fn code_chars(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let (mut in_str, mut esc) = (false, false);
    s.char_indices().filter(move |&(_, c)| {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            false
        } else if c == '"' {
            in_str = true;
            false
        } else {
            true
        }
    })
}

/// Splits `s` at top-level commas (outside brackets and strings).
fn split_args(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in code_chars(s) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The byte index of the `)` that closes the `(` at `open`, on this line.
fn closing_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in code_chars(&s[open..]) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return (c == ')').then_some(open + i);
                }
            }
            '#' => return None,
            _ => {}
        }
    }
    None
}

/// A call argument OPA evaluates before the negation: a reference with a
/// path (`a.b`, `a[x]`) or a call.
fn needs_hoisting(arg: &str) -> bool {
    let a = arg.trim();
    let starts_ident = a
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    starts_ident && (a.contains('.') || a.contains('[') || a.contains('('))
}

fn hoist_negated_call_args(src: &str) -> Option<String> {
    let mut out = String::with_capacity(src.len() + 64);
    let mut changed = false;
    let mut counter = 0usize;
    for line in src.split_inclusive('\n') {
        let indent_len = line.len() - line.trim_start().len();
        let body = &line[indent_len..];
        let rewritten = body.strip_prefix("not ").and_then(|rest| {
            let rest_at = indent_len + 4 + (rest.len() - rest.trim_start().len());
            let rest = &line[rest_at..];
            let name_len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            if name_len == 0 || !rest[name_len..].starts_with('(') {
                return None;
            }
            let open = rest_at + name_len;
            let close = closing_paren(line, open)?;
            let args = split_args(&line[open + 1..close]);
            if !args.iter().any(|a| needs_hoisting(a)) {
                return None;
            }
            let mut pre = String::new();
            let mut new_args = Vec::new();
            for a in args {
                if needs_hoisting(a) {
                    let var = format!("__palisade_arg{counter}");
                    counter += 1;
                    pre.push_str(&format!("{var} = {}; ", a.trim()));
                    new_args.push(var);
                } else {
                    new_args.push(a.trim().to_string());
                }
            }
            Some(format!(
                "{}{pre}not {}({}){}",
                &line[..indent_len],
                &line[rest_at..open],
                new_args.join(", "),
                &line[close + 1..]
            ))
        });
        match rewritten {
            Some(r) => {
                out.push_str(&r);
                changed = true;
            }
            None => out.push_str(line),
        }
    }
    changed.then_some(out)
}

fn split_bodies(src: &str) -> Option<String> {
    let mut out = String::with_capacity(src.len() + 64);
    let mut changed = false;
    // open brackets, and whether each `{` opens a rule body
    let mut stack: Vec<(char, bool)> = Vec::new();
    // whether the last top-level group closed was a rule body
    let mut closed_body = false;
    // the last character outside whitespace and comments
    let mut last_sig: Option<char> = None;
    // start (in `out`) of the current top-level statement
    let mut stmt_start = 0usize;
    let mut head: Option<String> = None;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if c == '"' && d == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
                last_sig = Some(c);
            }
            '#' => {
                out.push(c);
                while let Some(&d) = chars.peek() {
                    if d == '\n' {
                        break;
                    }
                    out.push(d);
                    chars.next();
                }
            }
            '\n' => {
                if stack.last().is_some_and(|&(b, _)| b == '{')
                    && last_sig
                        .is_some_and(|s| s.is_alphanumeric() || matches!(s, '_' | ']' | ')' | '"'))
                    && next_line_starts_with_paren(chars.clone())
                {
                    out.push(';');
                    changed = true;
                }
                out.push('\n');
                if stack.is_empty() {
                    stmt_start = out.len();
                }
            }
            '{' | '[' | '(' => {
                // a top-level `{` after an operator is a literal in a head
                let body = c == '{'
                    && stack.is_empty()
                    && !last_sig.is_some_and(|s| "=:,([|&+-*/<>".contains(s));
                if body {
                    if last_sig == Some('}') && closed_body {
                        if let Some(h) = &head {
                            out.push('\n');
                            out.push_str(h);
                            out.push(' ');
                            changed = true;
                        }
                    } else {
                        let h = out[stmt_start..].trim();
                        head = (!h.is_empty() && !h.starts_with('}')).then(|| h.to_string());
                    }
                }
                stack.push((c, body));
                out.push(c);
                last_sig = Some(c);
            }
            '}' | ']' | ')' => {
                if let Some((_, body)) = stack.pop()
                    && stack.is_empty()
                {
                    closed_body = body;
                }
                out.push(c);
                last_sig = Some(c);
            }
            c if c.is_whitespace() => out.push(c),
            c => {
                out.push(c);
                last_sig = Some(c);
            }
        }
    }
    changed.then_some(out)
}

fn next_line_starts_with_paren(mut it: std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    while let Some(&c) = it.peek() {
        if c == ' ' || c == '\t' {
            it.next();
        } else {
            return c == '(';
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hoists_negated_call_arguments() {
        let src = "package p\nok {\n  not f(x, a.b, \"s,t\", g(y))\n  not h(x)\n}\n";
        assert_eq!(
            normalise(src).unwrap(),
            "package p\nok {\n  __palisade_arg0 = a.b; __palisade_arg1 = g(y); not f(x, __palisade_arg0, \"s,t\", __palisade_arg1)\n  not h(x)\n}\n"
        );
    }

    #[test]
    fn nesting_depth_skips_strings_and_comments() {
        assert_eq!(nesting_depth("a { b[c] } # ((((\nd := \"[[[[\""), 2);
        assert_eq!(nesting_depth(&"[".repeat(40)), 40);
    }

    #[test]
    fn splits_rule_bodies() {
        let src =
            "package p\n\nviolation[{\"msg\": m}] {\n  m := \"a\"\n} {\n  m := \"b }{\" # } {\n}\n";
        let out = normalise(src).unwrap();
        assert_eq!(
            out,
            "package p\n\nviolation[{\"msg\": m}] {\n  m := \"a\"\n} \nviolation[{\"msg\": m}] {\n  m := \"b }{\" # } {\n}\n"
        );
    }

    #[test]
    fn ends_an_expression_before_a_parenthesised_line() {
        let src = "package p\nok {\n  input.x\n  (input.a - input.b) >= 1\n}\n";
        assert_eq!(
            normalise(src).unwrap(),
            "package p\nok {\n  input.x;\n  (input.a - input.b) >= 1\n}\n"
        );
        // a call split over lines inside parentheses is left alone
        assert!(normalise("package p\nok {\n  f(\n  (1))\n}\n").is_none());
        assert!(normalise("package p\nx = 1 { true }\n").is_none());
        // an object literal in a head is not a body
        assert!(normalise("package p\nf(x) = {\"a\": x} {\n  true\n}\n").is_none());
    }
}

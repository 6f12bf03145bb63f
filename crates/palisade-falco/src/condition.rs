//! Falco's condition language: tokens and the parse tree.
//!
//! Grammar (libsinsp's filter parser, the subset rules files use):
//! `or` binds loosest, then `and`, then `not`; a check is
//! `FIELD OP VALUE`, `FIELD LISTOP (V, …)` or `FIELD exists`; an identifier
//! without a dot names a macro. Values are quoted (`'…'`, `"…"`) or bare
//! words. Positions are byte offsets into the condition text.

use std::fmt;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    Pmatch,
    Exists,
}

impl Op {
    fn from_word(w: &str) -> Option<Op> {
        Some(match w {
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "iglob" => Op::IGlob,
            "regex" => Op::Regex,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "pmatch" => Op::Pmatch,
            "exists" => Op::Exists,
            _ => return None,
        })
    }

    /// Whether the operand is a parenthesised list.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::Pmatch)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::Regex => "regex",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::Pmatch => "pmatch",
            Op::Exists => "exists",
        }
    }

    /// Parses an operator as written in an exception's `comps`.
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            w => return Op::from_word(w),
        })
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field as written: `ka.uri.param[command]` → name `ka.uri.param`, arg `command`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    pub name: String,
    pub arg: Option<String>,
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{}[{}]", self.name, a),
            None => f.write_str(&self.name),
        }
    }
}

/// The right-hand side of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `exists` has none.
    None,
    Value(String),
    List(Vec<String>),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    And(Vec<Ast>),
    Or(Vec<Ast>),
    Not(Box<Ast>),
    /// A macro reference.
    Macro {
        name: String,
        pos: usize,
    },
    Check {
        field: FieldRef,
        op: Op,
        operand: Operand,
        pos: usize,
    },
}

/// A syntax error at a byte offset of the condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.pos)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Sym(&'static str),
    Word(String),
    Quoted(String),
}

/// Deepest nesting of parentheses and `not` accepted (the parser recurses).
const MAX_DEPTH: usize = 200;
/// Longest condition accepted after macro text is joined.
const MAX_LEN: usize = 1 << 20;

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
            b'(' => {
                out.push((Tok::LParen, i));
                i += 1;
            }
            b')' => {
                out.push((Tok::RParen, i));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, i));
                i += 1;
            }
            b'=' | b'<' | b'>' | b'!' => {
                let two = b.get(i + 1) == Some(&b'=');
                let sym = match (c, two) {
                    (b'=', true) => "==",
                    (b'=', false) => "=",
                    (b'<', true) => "<=",
                    (b'<', false) => "<",
                    (b'>', true) => ">=",
                    (b'>', false) => ">",
                    (b'!', true) => "!=",
                    _ => {
                        return Err(SyntaxError {
                            pos: i,
                            message: "unexpected '!' (did you mean '!=' or 'not'?)".into(),
                        });
                    }
                };
                out.push((Tok::Sym(sym), i));
                i += if two { 2 } else { 1 };
            }
            b'"' | b'\'' => {
                let start = i;
                i += 1;
                let mut s = String::new();
                loop {
                    let Some(&d) = b.get(i) else {
                        return Err(SyntaxError {
                            pos: start,
                            message: "unterminated quoted string".into(),
                        });
                    };
                    if d == c {
                        i += 1;
                        break;
                    }
                    if d == b'\\' && i + 1 < b.len() {
                        let n = b[i + 1];
                        match n {
                            b'n' => s.push('\n'),
                            b't' => s.push('\t'),
                            b'r' => s.push('\r'),
                            b'\\' | b'"' | b'\'' => s.push(n as char),
                            _ => {
                                s.push('\\');
                                // Not an escape: keep both characters (may be multi-byte).
                                let ch = src[i + 1..].chars().next().unwrap_or('\\');
                                s.push(ch);
                                i += 1 + ch.len_utf8();
                                continue;
                            }
                        }
                        i += 2;
                        continue;
                    }
                    let ch = src[i..].chars().next().unwrap_or(' ');
                    s.push(ch);
                    i += ch.len_utf8();
                }
                out.push((Tok::Quoted(s), start));
            }
            _ => {
                let start = i;
                while i < b.len() {
                    let d = b[i];
                    if d == b'[' {
                        // A field argument runs to the matching ']'.
                        match src[i..].find(']') {
                            Some(off) => {
                                i += off + 1;
                                continue;
                            }
                            None => {
                                return Err(SyntaxError {
                                    pos: i,
                                    message: "unterminated field argument '['".into(),
                                });
                            }
                        }
                    }
                    let stop = matches!(
                        d,
                        b' ' | b'\t'
                            | b'\n'
                            | b'\r'
                            | 0x0b
                            | 0x0c
                            | b'('
                            | b')'
                            | b','
                            | b'"'
                            | b'\''
                            | b'='
                            | b'<'
                            | b'>'
                    ) || (d == b'!' && b.get(i + 1) == Some(&b'='));
                    if stop {
                        break;
                    }
                    i += 1;
                }
                // `i` only advances over ASCII bytes or whole `[...]` runs, but a
                // multi-byte character is never a stop byte, so slicing is safe
                // once we land on a char boundary.
                while !src.is_char_boundary(i) {
                    i += 1;
                }
                out.push((Tok::Word(src[start..i].to_string()), start));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    end: usize,
    depth: usize,
}

/// Parses a condition.
pub fn parse(src: &str) -> Result<Ast, SyntaxError> {
    if src.len() > MAX_LEN {
        return Err(SyntaxError {
            pos: 0,
            message: format!("condition longer than {MAX_LEN} bytes"),
        });
    }
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(SyntaxError {
            pos: 0,
            message: "empty condition".into(),
        });
    }
    let mut p = Parser {
        toks,
        at: 0,
        end: src.len(),
        depth: 0,
    };
    let ast = p.or()?;
    if let Some((t, pos)) = p.toks.get(p.at) {
        return Err(SyntaxError {
            pos: *pos,
            message: format!("unexpected {} after a complete expression", describe(t)),
        });
    }
    Ok(ast)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::Word(w) => format!("'{w}'"),
        Tok::Quoted(q) => format!("string \"{q}\""),
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(w, "and" | "or" | "not")
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map(|(_, p)| *p).unwrap_or(self.end)
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            pos: self.pos(),
            message: message.into(),
        })
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!("nesting deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Ast, SyntaxError> {
        let mut items = vec![self.and()?];
        while self.peek_word("or") {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Ast::Or(items)
        })
    }

    fn and(&mut self) -> Result<Ast, SyntaxError> {
        let mut items = vec![self.not()?];
        while self.peek_word("and") {
            self.at += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Ast::And(items)
        })
    }

    fn not(&mut self) -> Result<Ast, SyntaxError> {
        if self.peek_word("not") {
            self.at += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Ast::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Ast, SyntaxError> {
        let pos = self.pos();
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.at += 1;
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return self.err("expected ')'");
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) if !is_keyword(&w) => {
                self.at += 1;
                if !w.contains('.') {
                    if w.contains('[') || !w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(SyntaxError {
                            pos,
                            message: format!("'{w}' is neither a field nor a macro name"),
                        });
                    }
                    return Ok(Ast::Macro { name: w, pos });
                }
                let field = split_field(&w).ok_or_else(|| SyntaxError {
                    pos,
                    message: format!("malformed field '{w}'"),
                })?;
                self.check(field, pos)
            }
            Some(t) => self.err(format!(
                "expected a field, a macro or '(', found {}",
                describe(&t)
            )),
            None => self.err("expected a field, a macro or '(' but the condition ended"),
        }
    }

    fn check(&mut self, field: FieldRef, pos: usize) -> Result<Ast, SyntaxError> {
        let op = match self.peek() {
            Some(Tok::Sym(s)) => Op::parse(s).expect("lexer symbols are operators"),
            Some(Tok::Word(w)) => match Op::from_word(w) {
                Some(op) => op,
                None => {
                    return self.err(format!("expected an operator after '{field}', found '{w}'"));
                }
            },
            Some(t) => {
                let d = describe(t);
                return self.err(format!("expected an operator after '{field}', found {d}"));
            }
            None => return self.err(format!("expected an operator after '{field}'")),
        };
        self.at += 1;
        let operand = if op == Op::Exists {
            Operand::None
        } else if op.takes_list() {
            Operand::List(self.list()?)
        } else {
            match self.peek().cloned() {
                Some(Tok::Word(w)) if !is_keyword(&w) => {
                    self.at += 1;
                    Operand::Value(w)
                }
                Some(Tok::Quoted(q)) => {
                    self.at += 1;
                    Operand::Value(q)
                }
                _ => return self.err(format!("expected a value after '{field} {op}'")),
            }
        };
        Ok(Ast::Check {
            field,
            op,
            operand,
            pos,
        })
    }

    fn list(&mut self) -> Result<Vec<String>, SyntaxError> {
        if self.peek() != Some(&Tok::LParen) {
            return self.err("expected '(' to open a list");
        }
        self.at += 1;
        let mut items = Vec::new();
        if self.peek() == Some(&Tok::RParen) {
            self.at += 1;
            return Ok(items);
        }
        loop {
            match self.peek().cloned() {
                Some(Tok::Word(w)) => items.push(w),
                Some(Tok::Quoted(q)) => items.push(q),
                _ => return self.err("expected a list item"),
            }
            self.at += 1;
            match self.peek() {
                Some(Tok::Comma) => self.at += 1,
                Some(Tok::RParen) => {
                    self.at += 1;
                    return Ok(items);
                }
                _ => return self.err("expected ',' or ')' in a list"),
            }
        }
    }
}

/// Splits `name[arg]` (the argument may itself contain any character but `]`).
pub fn split_field(w: &str) -> Option<FieldRef> {
    match w.find('[') {
        None => Some(FieldRef {
            name: w.to_string(),
            arg: None,
        }),
        Some(i) => {
            let rest = &w[i + 1..];
            let arg = rest.strip_suffix(']')?;
            if arg.contains(']') {
                return None;
            }
            Some(FieldRef {
                name: w[..i].to_string(),
                arg: Some(arg.to_string()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: &str, op: Op, v: &str) -> Ast {
        Ast::Check {
            field: split_field(f).unwrap(),
            op,
            operand: Operand::Value(v.into()),
            pos: 0,
        }
    }

    fn strip(a: Ast) -> Ast {
        match a {
            Ast::And(v) => Ast::And(v.into_iter().map(strip).collect()),
            Ast::Or(v) => Ast::Or(v.into_iter().map(strip).collect()),
            Ast::Not(b) => Ast::Not(Box::new(strip(*b))),
            Ast::Macro { name, .. } => Ast::Macro { name, pos: 0 },
            Ast::Check {
                field, op, operand, ..
            } => Ast::Check {
                field,
                op,
                operand,
                pos: 0,
            },
        }
    }

    #[test]
    fn precedence_not_and_or() {
        let a = strip(parse("a or not b and ka.verb=get").unwrap());
        assert_eq!(
            a,
            Ast::Or(vec![
                Ast::Macro {
                    name: "a".into(),
                    pos: 0
                },
                Ast::And(vec![
                    Ast::Not(Box::new(Ast::Macro {
                        name: "b".into(),
                        pos: 0
                    })),
                    check("ka.verb", Op::Eq, "get"),
                ]),
            ])
        );
    }

    #[test]
    fn values_bare_quoted_and_lists() {
        assert_eq!(
            strip(parse("ka.uri startswith /healthz?").unwrap()),
            check("ka.uri", Op::StartsWith, "/healthz?")
        );
        assert_eq!(
            strip(parse("ka.user.name=system:anonymous").unwrap()),
            check("ka.user.name", Op::Eq, "system:anonymous")
        );
        assert_eq!(
            strip(parse(r#"ka.auth.decision="allow""#).unwrap()),
            check("ka.auth.decision", Op::Eq, "allow")
        );
        let Ast::Check { operand, op, .. } =
            parse(r#"ka.target.subresource in (exec, "attach",'x y')"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(op, Op::In);
        assert_eq!(
            operand,
            Operand::List(vec!["exec".into(), "attach".into(), "x y".into()])
        );
        let Ast::Check { operand, .. } = parse("ka.x in ()").unwrap() else {
            panic!()
        };
        assert_eq!(operand, Operand::List(vec![]));
    }

    #[test]
    fn field_arguments_keep_their_characters() {
        let Ast::Check { field, op, .. } = parse("jevt.value[/a~1~0b] exists").unwrap() else {
            panic!()
        };
        assert_eq!(field.name, "jevt.value");
        assert_eq!(field.arg.as_deref(), Some("/a~1~0b"));
        assert_eq!(op, Op::Exists);
        let Ast::Check { field, .. } =
            parse("jevt.value[/annotations/authorization.k8s.io~1decision] exists").unwrap()
        else {
            panic!()
        };
        assert_eq!(
            field.arg.as_deref(),
            Some("/annotations/authorization.k8s.io~1decision")
        );
    }

    #[test]
    fn errors_are_located() {
        let e = parse("ka.verb = ").unwrap_err();
        assert!(e.message.contains("expected a value"), "{e}");
        let e = parse("(ka.verb=get").unwrap_err();
        assert_eq!(e.message, "expected ')'");
        let e = parse("ka.verb get").unwrap_err();
        assert!(e.message.contains("expected an operator"), "{e}");
        assert_eq!(e.pos, 8);
        let e = parse("a b").unwrap_err();
        assert!(e.message.contains("unexpected 'b'"), "{e}");
        assert!(parse("ka.x = 'open").is_err());
        assert!(parse("").is_err());
        assert!(parse(&"(".repeat(500)).is_err());
        assert!(parse(&"not ".repeat(500)).is_err());
    }
}

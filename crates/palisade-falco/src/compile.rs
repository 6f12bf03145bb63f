//! Conditions compiled once: macros inlined, lists expanded into hash sets,
//! fields resolved to extractors with a per-event cache slot, globs and
//! regexes built. Evaluation is then a walk over a small tree.

use crate::condition::{self, Ast, FieldRef, Op, Operand};
use crate::event::AuditEvent;
use crate::fields::{self, Arg, FieldDef, Level, Vals};
use crate::rules::{Diag, Loaded, Loc, Priority, RuleDef, Severity, Text, WindowDef};
use crate::window::Windows;
use std::collections::{HashMap, HashSet};

/// The event source palisade runs (the k8saudit plugin's).
pub const SOURCE: &str = "k8s_audit";

#[derive(Debug)]
enum Rhs {
    None,
    Str(String),
    Lower(String),
    Bytes(Vec<u8>),
    Num(u64),
    /// A list: its items, and those that are IP networks (`10.0.0.0/8`),
    /// which also hold an address inside them (palisade's extension).
    Set(HashSet<String>, Vec<String>, Vec<ipnet::IpNet>),
    Glob(globset::GlobMatcher),
    Regex(regex::Regex),
}

#[derive(Debug)]
struct Check {
    slot: usize,
    op: Op,
    rhs: Rhs,
    list_field: bool,
    numeric: bool,
}

#[derive(Debug)]
enum Expr {
    And(Box<[Expr]>),
    Or(Box<[Expr]>),
    Not(Box<Expr>),
    Check(Check),
}

/// One `%field` of an output, or literal text.
#[derive(Debug)]
enum Piece {
    Text(String),
    Field { slot: usize, redact: Redact },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redact {
    No,
    /// The value is a data map (ConfigMap/Secret data): keep keys only.
    DataMap,
    /// The value may embed objects: blank every data/stringData map.
    Objects,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub name: String,
    pub desc: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub loc: Loc,
    /// The condition with macros inlined, lists expanded and exceptions
    /// added (what lint and coupling analysis read).
    pub expanded: Ast,
    /// Every field the condition reads, with the audit level it needs
    /// (a window's `by` and `distinct` fields too).
    pub fields: Vec<(FieldRef, Level)>,
    /// palisade's time window: the rule alerts when it fills.
    pub window: Option<WindowDef>,
    window_slots: Vec<usize>,
    distinct_slot: Option<usize>,
    expr: Expr,
    output: Vec<Piece>,
}

/// An alert: a rule matched an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: String,
    pub priority: Priority,
    pub output: String,
    pub tags: Vec<String>,
}

/// Whether one event raises at most one alert (Falco's default
/// `rule_matching: first`) or one per matching rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    #[default]
    First,
    All,
}

/// Rules ready to run.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    slots: Vec<(&'static FieldDef, Arg)>,
    pub diags: Vec<Diag>,
    /// Rules skipped because their source is not `k8s_audit`.
    pub skipped_other_source: usize,
}

/// Per-event extraction cache; reuse one across events to avoid allocation.
pub struct Scratch<'e> {
    vals: Vec<Option<Vals<'e>>>,
}

struct Compiler<'a> {
    loaded: &'a Loaded,
    slots: Vec<(&'static FieldDef, Arg)>,
    slot_ix: HashMap<(usize, Arg), usize>,
    macro_asts: HashMap<String, Result<Ast, Diag>>,
}

fn err(loc: Loc, message: String) -> Diag {
    Diag {
        severity: Severity::Error,
        loc,
        message,
    }
}

fn parse_text(text: &Text) -> Result<Ast, Diag> {
    let joined = text.joined();
    condition::parse(&joined)
        .map_err(|e| err(text.loc_of(e.pos), format!("condition: {}", e.message)))
}

impl Compiler<'_> {
    fn macro_ast(&mut self, name: &str) -> Option<Result<Ast, Diag>> {
        if let Some(r) = self.macro_asts.get(name) {
            return Some(r.clone());
        }
        let m = self.loaded.macro_def(name)?;
        let r = parse_text(&m.condition).map_err(|mut d| {
            d.message = format!("macro '{name}': {}", d.message);
            d
        });
        self.macro_asts.insert(name.to_string(), r.clone());
        Some(r)
    }

    /// Inlines macros and expands list names; `stack` holds the macros
    /// being expanded (to report cycles).
    fn expand(&mut self, ast: &Ast, text: &Text, stack: &mut Vec<String>) -> Result<Ast, Diag> {
        Ok(match ast {
            Ast::And(v) => Ast::And(
                v.iter()
                    .map(|a| self.expand(a, text, stack))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Or(v) => Ast::Or(
                v.iter()
                    .map(|a| self.expand(a, text, stack))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Not(a) => Ast::Not(Box::new(self.expand(a, text, stack)?)),
            Ast::Macro { name, pos } => {
                if stack.contains(name) {
                    return Err(err(
                        text.loc_of(*pos),
                        format!("macro cycle: {} -> {name}", stack.join(" -> ")),
                    ));
                }
                let Some(m) = self.macro_ast(name) else {
                    return Err(err(text.loc_of(*pos), format!("undefined macro '{name}'")));
                };
                let m = m?;
                let mtext = self
                    .loaded
                    .macro_def(name)
                    .expect("exists")
                    .condition
                    .clone();
                stack.push(name.clone());
                let r = self.expand(&m, &mtext, stack);
                stack.pop();
                r?
            }
            Ast::Check {
                field,
                op,
                operand,
                pos,
            } => {
                let operand = match operand {
                    Operand::List(items) => {
                        let mut out = Vec::new();
                        self.expand_list(items, &mut out, &mut Vec::new());
                        Operand::List(out)
                    }
                    o => o.clone(),
                };
                Ast::Check {
                    field: field.clone(),
                    op: *op,
                    operand,
                    pos: *pos,
                }
            }
        })
    }

    fn expand_list(&self, items: &[String], out: &mut Vec<String>, seen: &mut Vec<String>) {
        for i in items {
            match self.loaded.list(i) {
                Some(l) if !seen.contains(i) => {
                    seen.push(i.clone());
                    self.expand_list(&l.items, out, seen);
                    seen.pop();
                }
                _ => out.push(i.clone()),
            }
        }
    }

    fn slot(&mut self, f: &FieldRef, loc: &Loc) -> Result<(usize, &'static FieldDef, Arg), Diag> {
        let Some((id, def)) = fields::lookup(&f.name) else {
            return Err(err(loc.clone(), format!("unknown field '{}'", f.name)));
        };
        let arg = fields::check_arg(def, f.arg.as_deref()).map_err(|m| err(loc.clone(), m))?;
        let key = (id, arg.clone());
        if let Some(&s) = self.slot_ix.get(&key) {
            return Ok((s, def, arg));
        }
        let s = self.slots.len();
        self.slots.push((def, arg.clone()));
        self.slot_ix.insert(key, s);
        Ok((s, def, arg))
    }

    fn build(
        &mut self,
        ast: &Ast,
        loc: &Loc,
        seen: &mut Vec<(FieldRef, Level)>,
    ) -> Result<Expr, Diag> {
        Ok(match ast {
            Ast::And(v) => Expr::And(
                v.iter()
                    .map(|a| self.build(a, loc, seen))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Or(v) => Expr::Or(
                v.iter()
                    .map(|a| self.build(a, loc, seen))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Not(a) => Expr::Not(Box::new(self.build(a, loc, seen)?)),
            Ast::Macro { name, .. } => {
                return Err(err(loc.clone(), format!("unexpanded macro '{name}'")));
            }
            Ast::Check {
                field, op, operand, ..
            } => {
                let (slot, def, arg) = self.slot(field, loc)?;
                let level = fields::level_of(def, &arg);
                if !seen.iter().any(|(f, _)| f == field) {
                    seen.push((field.clone(), level));
                }
                let bad = |m: String| err(loc.clone(), format!("'{field} {op}': {m}"));
                let rhs = match (op, operand) {
                    (Op::Exists, _) => Rhs::None,
                    (Op::In | Op::Intersects | Op::Pmatch, Operand::List(items)) => {
                        let nets = items
                            .iter()
                            .filter(|i| i.contains('/'))
                            .filter_map(|i| i.parse::<ipnet::IpNet>().ok())
                            .collect();
                        Rhs::Set(items.iter().cloned().collect(), items.clone(), nets)
                    }
                    (_, Operand::Value(v)) => match op {
                        Op::IContains => Rhs::Lower(v.to_lowercase()),
                        Op::BContains | Op::BStartsWith => {
                            Rhs::Bytes(hex(v).ok_or_else(|| bad("needs hex bytes".into()))?)
                        }
                        Op::Glob | Op::IGlob => Rhs::Glob(
                            globset::GlobBuilder::new(v)
                                .case_insensitive(*op == Op::IGlob)
                                .literal_separator(false)
                                .build()
                                .map_err(|e| bad(format!("bad glob: {e}")))?
                                .compile_matcher(),
                        ),
                        Op::Regex => Rhs::Regex(
                            regex::RegexBuilder::new(v)
                                .size_limit(1 << 20)
                                .build()
                                .map_err(|e| bad(format!("bad regex: {e}")))?,
                        ),
                        _ if def.numeric => Rhs::Num(
                            v.parse()
                                .map_err(|_| bad(format!("'{v}' is not a number")))?,
                        ),
                        _ => Rhs::Str(v.clone()),
                    },
                    _ => return Err(bad("operand does not fit the operator".into())),
                };
                Expr::Check(Check {
                    slot,
                    op: *op,
                    rhs,
                    list_field: def.list,
                    numeric: def.numeric,
                })
            }
        })
    }

    fn output(&mut self, text: &str, loc: &Loc) -> Result<Vec<Piece>, Diag> {
        let mut out = Vec::new();
        let mut lit = String::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.')
                {
                    j += 1;
                }
                if j < b.len()
                    && b[j] == b'['
                    && let Some(off) = text[j..].find(']')
                {
                    j += off + 1;
                }
                let name = text[start..j].trim_end_matches('.');
                let j = start + name.len();
                if name.contains('.') {
                    let f = condition::split_field(name).ok_or_else(|| {
                        err(loc.clone(), format!("output: malformed field '%{name}'"))
                    })?;
                    let (slot, def, arg) = self.slot(&f, loc).map_err(|mut d| {
                        d.message = format!("output: {}", d.message);
                        d
                    })?;
                    if !lit.is_empty() {
                        out.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    out.push(Piece::Field {
                        slot,
                        redact: redaction(def, &arg),
                    });
                    i = j;
                    continue;
                }
            }
            let ch = text[i..].chars().next().expect("in bounds");
            lit.push(ch);
            i += ch.len_utf8();
        }
        if !lit.is_empty() {
            out.push(Piece::Text(lit));
        }
        Ok(out)
    }
}

fn redaction(def: &FieldDef, arg: &Arg) -> Redact {
    match (def.name.as_str(), arg) {
        ("ka.req.configmap.obj", _) => Redact::DataMap,
        ("jevt.obj", _) => Redact::Objects,
        ("jevt.value", Arg::Key(p))
            if p.is_empty()
                || p.starts_with("/requestObject")
                || p.starts_with("/responseObject") =>
        {
            if p.ends_with("/data") || p.ends_with("/stringData") || p.ends_with("/binaryData") {
                Redact::DataMap
            } else {
                Redact::Objects
            }
        }
        _ => Redact::No,
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Loads and compiles rules files, in order. Problems are in `diags`; a
/// rule whose condition or output does not compile is left out.
pub fn compile(files: &[(String, String)]) -> RuleSet {
    let mut loaded = Loaded::default();
    for (name, text) in files {
        loaded.add_file(name, text);
    }
    compile_loaded(loaded)
}

pub fn compile_loaded(loaded: Loaded) -> RuleSet {
    let mut c = Compiler {
        loaded: &loaded,
        slots: Vec::new(),
        slot_ix: HashMap::new(),
        macro_asts: HashMap::new(),
    };
    let mut diags = Vec::new();
    let mut rules = Vec::new();
    let mut skipped = 0;
    // Every macro must at least parse, used or not.
    for m in &loaded.macros {
        if let Some(Err(d)) = c.macro_ast(&m.name) {
            diags.push(d);
        }
    }
    for r in &loaded.rules {
        if r.source != SOURCE {
            skipped += 1;
            continue;
        }
        match compile_rule(&mut c, r) {
            Ok(rule) => rules.push(rule),
            Err(mut d) => {
                d.message = format!("rule '{}': {}", r.name, d.message);
                diags.push(d);
            }
        }
    }
    let slots = std::mem::take(&mut c.slots);
    let mut all = loaded.diags.clone();
    all.extend(diags);
    RuleSet {
        rules,
        slots,
        diags: all,
        skipped_other_source: skipped,
    }
}

fn compile_rule(c: &mut Compiler<'_>, r: &RuleDef) -> Result<Rule, Diag> {
    let ast = parse_text(&r.condition)?;
    let mut expanded = c.expand(&ast, &r.condition, &mut Vec::new())?;
    let terms: Vec<Ast> = r.exceptions.iter().filter_map(|e| e.term.clone()).collect();
    if !terms.is_empty() {
        let mut all = vec![expanded];
        for t in &terms {
            all.push(c.expand(t, &Text::default(), &mut Vec::new())?);
        }
        expanded = Ast::And(all);
    }
    let loc = r
        .condition
        .pieces
        .first()
        .map(|(_, l)| l.clone())
        .unwrap_or_else(|| r.loc.clone());
    let mut fields = Vec::new();
    let expr = c.build(&expanded, &loc, &mut fields)?;
    let output = c.output(&r.output, &r.loc)?;
    let mut window_slots = Vec::new();
    let mut distinct_slot = None;
    if let Some(w) = &r.window {
        let mut slot_of = |name: &str, fields: &mut Vec<(FieldRef, Level)>| {
            let f = condition::split_field(name)
                .ok_or_else(|| err(w.loc.clone(), format!("window: malformed field '{name}'")))?;
            let (slot, def, arg) = c.slot(&f, &w.loc).map_err(|mut d| {
                d.message = format!("window: {}", d.message);
                d
            })?;
            if !fields.iter().any(|(g, _)| *g == f) {
                fields.push((f, fields::level_of(def, &arg)));
            }
            Ok::<usize, Diag>(slot)
        };
        for b in &w.by {
            window_slots.push(slot_of(b, &mut fields)?);
        }
        if let Some(d) = &w.distinct {
            distinct_slot = Some(slot_of(d, &mut fields)?);
        }
    }
    Ok(Rule {
        name: r.name.clone(),
        desc: r.desc.clone(),
        priority: r.priority,
        tags: r.tags.clone(),
        enabled: r.enabled,
        loc: r.loc.clone(),
        expanded,
        fields,
        window: r.window.clone(),
        window_slots,
        distinct_slot,
        expr,
        output,
    })
}

fn path_match(v: &str, p: &str) -> bool {
    if p.ends_with('/') {
        return v.starts_with(p) || v == &p[..p.len() - 1];
    }
    v == p || (v.starts_with(p) && v.as_bytes().get(p.len()) == Some(&b'/'))
}

fn cmp_one(op: Op, rhs: &Rhs, v: &str, numeric: bool) -> bool {
    match (op, rhs) {
        (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, Rhs::Num(n)) if numeric => {
            let Ok(x) = v.parse::<u64>() else {
                return false;
            };
            match op {
                Op::Eq => x == *n,
                Op::Ne => x != *n,
                Op::Lt => x < *n,
                Op::Le => x <= *n,
                Op::Gt => x > *n,
                _ => x >= *n,
            }
        }
        (Op::Eq, Rhs::Str(s)) => v == s,
        (Op::Ne, Rhs::Str(s)) => v != s,
        (Op::Lt, Rhs::Str(s)) => v < s.as_str(),
        (Op::Le, Rhs::Str(s)) => v <= s.as_str(),
        (Op::Gt, Rhs::Str(s)) => v > s.as_str(),
        (Op::Ge, Rhs::Str(s)) => v >= s.as_str(),
        (Op::Contains, Rhs::Str(s)) => v.contains(s.as_str()),
        (Op::IContains, Rhs::Lower(s)) => v.to_lowercase().contains(s.as_str()),
        (Op::StartsWith, Rhs::Str(s)) => v.starts_with(s.as_str()),
        (Op::EndsWith, Rhs::Str(s)) => v.ends_with(s.as_str()),
        (Op::BContains, Rhs::Bytes(b)) => {
            b.is_empty() || v.as_bytes().windows(b.len()).any(|w| w == b.as_slice())
        }
        (Op::BStartsWith, Rhs::Bytes(b)) => v.as_bytes().starts_with(b),
        (Op::Glob | Op::IGlob, Rhs::Glob(g)) => g.is_match(v),
        (Op::Regex, Rhs::Regex(r)) => r.is_match(v),
        (Op::In | Op::Intersects, Rhs::Set(s, _, nets)) => {
            s.contains(v)
                || (!nets.is_empty()
                    && v.parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| nets.iter().any(|n| n.contains(&ip))))
        }
        (Op::Pmatch, Rhs::Set(_, items, _)) => items.iter().any(|p| path_match(v, p)),
        _ => false,
    }
}

fn eval_check(c: &Check, vals: &Vals<'_>) -> bool {
    if vals.is_na() {
        return false;
    }
    match c.op {
        Op::Exists => true,
        // A list field is `in` a set when every value is.
        Op::In if c.list_field => vals.iter().all(|v| cmp_one(Op::In, &c.rhs, v, c.numeric)),
        // Any other operator holds when some value satisfies it.
        op => vals.iter().any(|v| cmp_one(op, &c.rhs, v, c.numeric)),
    }
}

impl<'e> Scratch<'e> {
    pub fn new() -> Scratch<'e> {
        Scratch { vals: Vec::new() }
    }
}

impl Default for Scratch<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl RuleSet {
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }

    fn value<'e>(&self, slot: usize, ev: &'e AuditEvent, s: &mut Scratch<'e>) -> usize {
        if s.vals[slot].is_none() {
            let (def, arg) = &self.slots[slot];
            s.vals[slot] = Some(fields::extract(def, arg, ev));
        }
        slot
    }

    fn eval<'e>(&self, e: &Expr, ev: &'e AuditEvent, s: &mut Scratch<'e>) -> bool {
        match e {
            Expr::And(v) => v.iter().all(|x| self.eval(x, ev, s)),
            Expr::Or(v) => v.iter().any(|x| self.eval(x, ev, s)),
            Expr::Not(x) => !self.eval(x, ev, s),
            Expr::Check(c) => {
                let slot = self.value(c.slot, ev, s);
                eval_check(c, s.vals[slot].as_ref().expect("filled"))
            }
        }
    }

    fn render<'e>(&self, r: &Rule, ev: &'e AuditEvent, s: &mut Scratch<'e>) -> String {
        let mut out = String::new();
        for p in &r.output {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field { slot, redact } => {
                    let slot = self.value(*slot, ev, s);
                    let v = s.vals[slot].as_ref().expect("filled");
                    let one = |x: &str| -> String {
                        match redact {
                            Redact::No => x.to_string(),
                            Redact::DataMap => palisade_redact::json::data_map(x),
                            Redact::Objects => palisade_redact::json::objects(x),
                        }
                    };
                    match v {
                        Vals::NA => out.push_str("<NA>"),
                        Vals::One(x) => out.push_str(&one(x)),
                        Vals::Many(xs) => {
                            out.push('(');
                            for (i, x) in xs.iter().enumerate() {
                                if i > 0 {
                                    out.push(',');
                                }
                                out.push_str(&one(x));
                            }
                            out.push(')');
                        }
                    }
                }
            }
        }
        out
    }

    /// One value of a slot as text: a list's values joined with `,`,
    /// `<NA>` when absent.
    fn text<'e>(&self, slot: usize, ev: &'e AuditEvent, s: &mut Scratch<'e>) -> Option<String> {
        let slot = self.value(slot, ev, s);
        match s.vals[slot].as_ref().expect("filled") {
            Vals::NA => None,
            v => Some(v.iter().collect::<Vec<_>>().join(",")),
        }
    }

    /// Feeds a windowed rule's match to its window; the alert's suffix
    /// when the window filled.
    fn windowed<'e>(
        &self,
        ix: usize,
        r: &Rule,
        w: &WindowDef,
        ev: &'e AuditEvent,
        s: &mut Scratch<'e>,
        windows: &mut Windows,
    ) -> Option<String> {
        let mut key = String::new();
        let mut shown = Vec::new();
        for (i, (slot, name)) in r.window_slots.iter().zip(&w.by).enumerate() {
            let v = self.text(*slot, ev, s);
            if i > 0 {
                key.push('\u{1f}');
            }
            key.push_str(v.as_deref().unwrap_or("<NA>"));
            shown.push(format!("{name}={}", v.as_deref().unwrap_or("<NA>")));
        }
        let distinct = r.distinct_slot.and_then(|d| self.text(d, ev, s));
        let fired = windows.hit(ix, w, &key, distinct.as_deref(), ev.time_ns())?;
        let within = crate::rules::format_duration_s(w.within_s);
        Some(match &w.distinct {
            Some(d) => format!(
                " ({} distinct {d} within {within} for {})",
                fired.n,
                shown.join(" ")
            ),
            None if w.count == 1 => format!(" (first within {within} for {})", shown.join(" ")),
            None => format!(
                " ({} matching events within {within} for {})",
                fired.n,
                shown.join(" ")
            ),
        })
    }

    /// Runs every enabled rule, in load order, on one event. Windowed
    /// rules keep their state in `windows` (one per stream of events that
    /// belong together), alert when their window fills, and never stop
    /// `first` matching when they do not.
    pub fn evaluate<'e>(
        &self,
        ev: &'e AuditEvent,
        matching: Matching,
        s: &mut Scratch<'e>,
        windows: &mut Windows,
    ) -> Vec<Alert> {
        s.vals.clear();
        s.vals.resize_with(self.slots.len(), || None);
        let mut out = Vec::new();
        for (ix, r) in self.rules.iter().enumerate() {
            if !r.enabled || !self.eval(&r.expr, ev, s) {
                continue;
            }
            let mut output = self.render(r, ev, s);
            if let Some(w) = &r.window {
                match self.windowed(ix, r, w, ev, s, windows) {
                    Some(suffix) => output.push_str(&suffix),
                    None => continue,
                }
            }
            out.push(Alert {
                rule: r.name.clone(),
                priority: r.priority,
                output,
                tags: r.tags.clone(),
            });
            if matching == Matching::First {
                break;
            }
        }
        out
    }

    /// Enables or disables rules by name or tag; returns how many changed.
    pub fn set_enabled(&mut self, select: impl Fn(&Rule) -> bool, enabled: bool) -> usize {
        let mut n = 0;
        for r in self.rules.iter_mut().filter(|r| select(r)) {
            r.enabled = enabled;
            n += 1;
        }
        n
    }
}

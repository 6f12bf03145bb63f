//! Falco rules files: `list`, `macro`, `rule` items with `append`,
//! `override`, `enabled`, `exceptions`; files load in order and later items
//! change earlier ones; conditions are resolved only once every file is in,
//! so an override in a later file reaches rules defined before it.

use crate::condition::{self, Ast, FieldRef, Op, Operand};
use palisade_value::{Node, Value as YValue};
use std::collections::HashMap;
use std::fmt;

/// Where an item comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: String,
    pub line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found while loading or compiling rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub severity: Severity,
    pub loc: Loc,
    pub message: String,
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {s}: {}", self.loc, self.message)
    }
}

/// Falco's priorities, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.to_ascii_lowercase().as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "informational" | "info" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return None,
        })
    }

    /// The name Falco prints (`Warning`, `Informational`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
}

/// Condition text gathered from a definition and its appends: each piece
/// keeps the line it was written on, so an error maps back to its file.
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub pieces: Vec<(String, Loc)>,
}

impl Text {
    fn new(s: String, loc: Loc) -> Text {
        Text {
            pieces: vec![(s, loc)],
        }
    }

    fn append(&mut self, s: String, loc: Loc) {
        self.pieces.push((s, loc));
    }

    pub fn joined(&self) -> String {
        let mut out = String::new();
        for (i, (p, _)) in self.pieces.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(p);
        }
        out
    }

    /// The location of byte `pos` of `joined()`.
    pub fn loc_of(&self, pos: usize) -> Loc {
        let mut start = 0;
        for (p, loc) in &self.pieces {
            let end = start + p.len();
            if pos <= end {
                let line_in = p[..(pos - start).min(p.len())].matches('\n').count() as u32;
                return Loc {
                    file: loc.file.clone(),
                    line: loc.line + line_in,
                };
            }
            start = end + 1;
        }
        self.pieces.last().map(|(_, l)| l.clone()).unwrap_or(Loc {
            file: String::new(),
            line: 0,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ListDef {
    pub name: String,
    pub items: Vec<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct MacroDef {
    pub name: String,
    pub condition: Text,
    pub loc: Loc,
}

/// One exception of a rule, already turned into a condition term.
#[derive(Debug, Clone)]
pub struct ExceptionDef {
    pub name: String,
    pub term: Option<Ast>,
    pub loc: Loc,
}

/// palisade's extension to a rule: it alerts when its condition has matched
/// `count` times (or on `count` distinct values of `distinct`) for one
/// value of the `by` fields within `within_s` seconds, once per window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowDef {
    pub by: Vec<String>,
    pub distinct: Option<String>,
    pub count: u32,
    pub within_s: u64,
    /// Keys (values of `by`) tracked at once; the least recently seen go
    /// first when full.
    pub max_keys: usize,
    pub loc: Loc,
}

/// Bounds of a window's settings.
pub const WINDOW_MAX_COUNT: u32 = 100_000;
pub const WINDOW_MAX_SECONDS: u64 = 24 * 3600;
pub const WINDOW_MAX_KEYS: usize = 1_000_000;
pub const WINDOW_DEFAULT_KEYS: usize = 10_000;

/// Seconds as the largest whole unit: `90s`, `10m`, `1h`, `1d`.
pub fn format_duration_s(s: u64) -> String {
    match s {
        0 => "0s".into(),
        s if s % 86400 == 0 => format!("{}d", s / 86400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `90`, `90s`, `10m`, `1h`, `1d` → seconds.
pub fn parse_duration_s(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let mul = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(mul)
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub name: String,
    pub desc: String,
    pub condition: Text,
    pub output: String,
    pub priority: Priority,
    pub source: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub exceptions: Vec<ExceptionDef>,
    /// palisade's time-window extension (`window:`), if any.
    pub window: Option<WindowDef>,
    pub loc: Loc,
}

/// Every file's items, merged in load order.
#[derive(Debug, Default)]
pub struct Loaded {
    pub lists: Vec<ListDef>,
    pub macros: Vec<MacroDef>,
    pub rules: Vec<RuleDef>,
    pub diags: Vec<Diag>,
    list_ix: HashMap<String, usize>,
    macro_ix: HashMap<String, usize>,
    rule_ix: HashMap<String, usize>,
}

fn node_line(n: &Node) -> u32 {
    n.line
}

fn str_of(n: &Node) -> Option<String> {
    match &n.value {
        YValue::Str(s) => Some(s.to_string()),
        YValue::Bool(b) => Some(b.to_string()),
        YValue::Int(i) => Some(i.to_string()),
        YValue::Float(f) => Some(f.to_string()),
        YValue::Null => Some(String::new()),
        _ => None,
    }
}

fn strings_of(n: &Node) -> Option<Vec<String>> {
    match &n.value {
        YValue::Seq(items) => items.iter().map(str_of).collect(),
        YValue::Null => Some(vec![]),
        _ => None,
    }
}

/// How an `override` key applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Append,
    Replace,
}

impl Loaded {
    fn diag(&mut self, severity: Severity, file: &str, line: u32, message: impl Into<String>) {
        self.diags.push(Diag {
            severity,
            loc: Loc {
                file: file.to_string(),
                line,
            },
            message: message.into(),
        });
    }

    pub fn list(&self, name: &str) -> Option<&ListDef> {
        self.list_ix.get(name).map(|&i| &self.lists[i])
    }

    pub fn macro_def(&self, name: &str) -> Option<&MacroDef> {
        self.macro_ix.get(name).map(|&i| &self.macros[i])
    }

    /// Adds one rules file.
    pub fn add_file(&mut self, file: &str, text: &str) {
        let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        for e in &stream.errors {
            self.diag(
                Severity::Error,
                file,
                e.line,
                format!("YAML: {}", e.message),
            );
        }
        for doc in &stream.documents {
            let Some(items) = doc.root.as_seq() else {
                if !doc.root.is_null() {
                    self.diag(
                        Severity::Error,
                        file,
                        node_line(&doc.root),
                        "a rules file is a YAML list of items",
                    );
                }
                continue;
            };
            for item in items {
                self.add_item(file, item);
            }
        }
    }

    fn add_item(&mut self, file: &str, item: &Node) {
        let line = node_line(item);
        if item.is_null() {
            // An empty `-` entry: Falco skips it.
            return;
        }
        let Some(map) = item.as_map() else {
            self.diag(Severity::Error, file, line, "an item must be a mapping");
            return;
        };
        if map.contains_key("rule") {
            self.add_rule(file, item);
        } else if map.contains_key("macro") {
            self.add_macro(file, item);
        } else if map.contains_key("list") {
            self.add_list(file, item);
        } else if map.contains_key("required_engine_version")
            || map.contains_key("required_plugin_versions")
        {
            // Accepted: palisade implements the engine natively.
        } else {
            let keys: Vec<&str> = map.iter().map(|(k, _)| k).collect();
            self.diag(
                Severity::Warning,
                file,
                line,
                format!("unknown item with keys [{}] ignored", keys.join(", ")),
            );
        }
    }

    fn overrides(
        &mut self,
        file: &str,
        item: &Node,
        allowed: &[&str],
    ) -> Option<HashMap<String, How>> {
        let ov = item.get("override")?;
        let mut out = HashMap::new();
        let Some(m) = ov.as_map() else {
            self.diag(
                Severity::Error,
                file,
                ov.line,
                "override must be a mapping of key: append|replace",
            );
            return Some(out);
        };
        for (k, v) in m.iter() {
            let how = match v.as_str() {
                Some("append") => How::Append,
                Some("replace") => How::Replace,
                _ => {
                    self.diag(
                        Severity::Error,
                        file,
                        v.line,
                        format!("override.{k} must be append or replace"),
                    );
                    continue;
                }
            };
            if !allowed.contains(&k) {
                self.diag(
                    Severity::Error,
                    file,
                    v.line,
                    format!("key '{k}' cannot be overridden"),
                );
                continue;
            }
            out.insert(k.to_string(), how);
        }
        Some(out)
    }

    fn add_list(&mut self, file: &str, item: &Node) {
        let line = node_line(item);
        let Some(name) = item.get("list").and_then(str_of) else {
            self.diag(Severity::Error, file, line, "list name must be a string");
            return;
        };
        let items = match item.get("items") {
            Some(n) => match strings_of(n) {
                Some(v) => v,
                None => {
                    self.diag(
                        Severity::Error,
                        file,
                        n.line,
                        format!("list '{name}': items must be a list of strings"),
                    );
                    return;
                }
            },
            None => {
                self.diag(
                    Severity::Error,
                    file,
                    line,
                    format!("list '{name}' has no items"),
                );
                return;
            }
        };
        let append = item.get("append").and_then(Node::as_bool) == Some(true)
            || self
                .overrides(file, item, &["items"])
                .and_then(|o| o.get("items").copied())
                == Some(How::Append);
        let loc = Loc {
            file: file.into(),
            line,
        };
        match self.list_ix.get(&name) {
            Some(&i) if append => self.lists[i].items.extend(items),
            Some(&i) => self.lists[i] = ListDef { name, items, loc },
            None => {
                if append {
                    // Falco refuses this; the 0.6.0 k8saudit rules relied on lists
                    // from the syscall ruleset, so palisade defines the list and warns.
                    self.diag(
                        Severity::Warning,
                        file,
                        line,
                        format!("list '{name}' has 'append' but no list by that name was loaded before; defining it"),
                    );
                }
                self.list_ix.insert(name.clone(), self.lists.len());
                self.lists.push(ListDef { name, items, loc });
            }
        }
    }

    fn add_macro(&mut self, file: &str, item: &Node) {
        let line = node_line(item);
        let Some(name) = item.get("macro").and_then(str_of) else {
            self.diag(Severity::Error, file, line, "macro name must be a string");
            return;
        };
        let Some(cond) = item.get("condition") else {
            self.diag(
                Severity::Error,
                file,
                line,
                format!("macro '{name}' has no condition"),
            );
            return;
        };
        let Some(text) = str_of(cond) else {
            self.diag(
                Severity::Error,
                file,
                cond.line,
                format!("macro '{name}': condition must be a string"),
            );
            return;
        };
        let append = item.get("append").and_then(Node::as_bool) == Some(true)
            || self
                .overrides(file, item, &["condition"])
                .and_then(|o| o.get("condition").copied())
                == Some(How::Append);
        let loc = Loc {
            file: file.into(),
            line: cond.line,
        };
        match self.macro_ix.get(&name) {
            Some(&i) if append => self.macros[i].condition.append(text, loc),
            Some(&i) => {
                self.macros[i] = MacroDef {
                    name,
                    condition: Text::new(text, loc.clone()),
                    loc,
                }
            }
            None if append => self.diag(
                Severity::Error,
                file,
                line,
                format!("macro '{name}' has 'append' but no macro by that name was loaded before"),
            ),
            None => {
                self.macro_ix.insert(name.clone(), self.macros.len());
                self.macros.push(MacroDef {
                    name,
                    condition: Text::new(text, loc.clone()),
                    loc,
                });
            }
        }
    }

    fn add_rule(&mut self, file: &str, item: &Node) {
        let line = node_line(item);
        let Some(name) = item.get("rule").and_then(str_of) else {
            self.diag(Severity::Error, file, line, "rule name must be a string");
            return;
        };
        let m = item.as_map().expect("checked");
        let append = item.get("append").and_then(Node::as_bool) == Some(true);
        let ov = self.overrides(
            file,
            item,
            &[
                "condition",
                "output",
                "desc",
                "priority",
                "tags",
                "exceptions",
                "enabled",
                "source",
                "window",
            ],
        );
        let existing = self.rule_ix.get(&name).copied();
        let only_enabled = m.iter().all(|(k, _)| matches!(k, "rule" | "enabled"));
        let enabled = match item.get("enabled") {
            Some(n) => match n.as_bool() {
                Some(b) => Some(b),
                None => {
                    self.diag(
                        Severity::Error,
                        file,
                        n.line,
                        format!("rule '{name}': enabled must be true or false"),
                    );
                    None
                }
            },
            None => None,
        };
        if append || ov.is_some() || (only_enabled && enabled.is_some()) {
            let Some(i) = existing else {
                self.diag(
                    Severity::Error,
                    file,
                    line,
                    format!("rule '{name}' changes a rule that was not loaded before (no rule by that name)"),
                );
                return;
            };
            let ov = ov.unwrap_or_default();
            let how = |k: &str| -> Option<How> {
                item.get(k)?;
                match ov.get(k) {
                    Some(h) => Some(*h),
                    None if append
                        && matches!(k, "condition" | "exceptions" | "output" | "desc" | "tags") =>
                    {
                        Some(How::Append)
                    }
                    None => Some(How::Replace),
                }
            };
            if let Some(h) = how("condition")
                && let Some(c) = item.get("condition")
            {
                match str_of(c) {
                    Some(t) => {
                        let loc = Loc {
                            file: file.into(),
                            line: c.line,
                        };
                        if h == How::Append {
                            self.rules[i].condition.append(t, loc);
                        } else {
                            self.rules[i].condition = Text::new(t, loc);
                        }
                    }
                    None => self.diag(Severity::Error, file, c.line, "condition must be a string"),
                }
            }
            for key in ["output", "desc"] {
                if let Some(h) = how(key)
                    && let Some(t) = item.get(key).and_then(str_of)
                {
                    let r = &mut self.rules[i];
                    let slot = if key == "output" {
                        &mut r.output
                    } else {
                        &mut r.desc
                    };
                    if h == How::Append {
                        slot.push(' ');
                        slot.push_str(&t);
                    } else {
                        *slot = t;
                    }
                }
            }
            if how("priority").is_some()
                && let Some(p) = self.priority(file, item, &name)
            {
                self.rules[i].priority = p;
            }
            if let Some(h) = how("tags")
                && let Some(t) = item.get("tags").and_then(strings_of)
            {
                if h == How::Append {
                    self.rules[i].tags.extend(t);
                } else {
                    self.rules[i].tags = t;
                }
            }
            if let Some(h) = how("exceptions") {
                let ex = self.exceptions(file, item, &name);
                if h == How::Append {
                    self.rules[i].exceptions.extend(ex);
                } else {
                    self.rules[i].exceptions = ex;
                }
            }
            if how("window").is_some() {
                self.rules[i].window = self.window(file, item, &name);
            }
            if let Some(e) = enabled {
                self.rules[i].enabled = e;
            }
            return;
        }
        let mut missing = Vec::new();
        for k in ["condition", "output", "desc", "priority"] {
            if item.get(k).is_none() {
                missing.push(k);
            }
        }
        if !missing.is_empty() {
            self.diag(
                Severity::Error,
                file,
                line,
                format!("rule '{name}' is missing {}", missing.join(", ")),
            );
            return;
        }
        let cond = item.get("condition").expect("checked");
        let Some(ctext) = str_of(cond) else {
            self.diag(
                Severity::Error,
                file,
                cond.line,
                format!("rule '{name}': condition must be a string"),
            );
            return;
        };
        let Some(priority) = self.priority(file, item, &name) else {
            return;
        };
        let exceptions = self.exceptions(file, item, &name);
        let window = self.window(file, item, &name);
        let rule = RuleDef {
            name: name.clone(),
            desc: item.get("desc").and_then(str_of).unwrap_or_default(),
            condition: Text::new(
                ctext,
                Loc {
                    file: file.into(),
                    line: cond.line,
                },
            ),
            output: item.get("output").and_then(str_of).unwrap_or_default(),
            priority,
            source: item
                .get("source")
                .and_then(str_of)
                .unwrap_or_else(|| "syscall".into()),
            tags: item.get("tags").and_then(strings_of).unwrap_or_default(),
            enabled: enabled.unwrap_or(true),
            exceptions,
            window,
            loc: Loc {
                file: file.into(),
                line,
            },
        };
        match existing {
            Some(i) => self.rules[i] = rule,
            None => {
                self.rule_ix.insert(name, self.rules.len());
                self.rules.push(rule);
            }
        }
    }

    fn priority(&mut self, file: &str, item: &Node, name: &str) -> Option<Priority> {
        let p = item.get("priority")?;
        match str_of(p).as_deref().and_then(Priority::parse) {
            Some(p) => Some(p),
            None => {
                self.diag(
                    Severity::Error,
                    file,
                    p.line,
                    format!("rule '{name}': unknown priority (use EMERGENCY … DEBUG)"),
                );
                None
            }
        }
    }

    /// `window: {by: [FIELD…], count: N, within: 60s, distinct: FIELD,
    /// max_keys: N}`; a setting out of range is an error on its line and
    /// the rule is dropped from windows (it then never alerts: a broken
    /// threshold must not turn into an alert per event).
    fn window(&mut self, file: &str, item: &Node, rule: &str) -> Option<WindowDef> {
        let w = item.get("window")?;
        let bad = |this: &mut Self, line: u32, m: String| {
            this.diag(
                Severity::Error,
                file,
                line,
                format!("rule '{rule}': window: {m}"),
            );
            None::<WindowDef>
        };
        let Some(m) = w.as_map() else {
            return bad(
                self,
                w.line,
                "must be a mapping (by, count, within, distinct, max_keys)".into(),
            );
        };
        for (k, v) in m.iter() {
            if !matches!(k, "by" | "count" | "within" | "distinct" | "max_keys") {
                return bad(
                    self,
                    v.line,
                    format!("unknown key '{k}' (by, count, within, distinct, max_keys)"),
                );
            }
        }
        let by = match w.get("by") {
            Some(n) => match (&n.value, str_of(n)) {
                (YValue::Seq(_), _) => match strings_of(n) {
                    Some(v) if !v.is_empty() && v.len() <= 4 => v,
                    _ => return bad(self, n.line, "by must name 1 to 4 fields".into()),
                },
                (_, Some(one)) if !one.is_empty() => vec![one],
                _ => return bad(self, n.line, "by must name 1 to 4 fields".into()),
            },
            None => {
                return bad(
                    self,
                    w.line,
                    "by is missing (the fields that make a key, e.g. [ka.user.name])".into(),
                );
            }
        };
        let number = |n: &Node| str_of(n).and_then(|s| s.trim().parse::<u64>().ok());
        let count = match w.get("count") {
            Some(n) => match number(n) {
                Some(c) if (1..=WINDOW_MAX_COUNT as u64).contains(&c) => c as u32,
                _ => {
                    return bad(
                        self,
                        n.line,
                        format!("count must be a whole number from 1 to {WINDOW_MAX_COUNT}"),
                    );
                }
            },
            None => return bad(self, w.line, "count is missing".into()),
        };
        let within_s = match w.get("within") {
            Some(n) => match str_of(n).as_deref().and_then(parse_duration_s) {
                Some(d) if (1..=WINDOW_MAX_SECONDS).contains(&d) => d,
                _ => {
                    return bad(
                        self,
                        n.line,
                        "within must be a duration from 1s to 24h (90s, 10m, 1h)".into(),
                    );
                }
            },
            None => return bad(self, w.line, "within is missing".into()),
        };
        let distinct = match w.get("distinct") {
            Some(n) => match str_of(n) {
                Some(f) if !f.is_empty() => Some(f),
                _ => return bad(self, n.line, "distinct must name one field".into()),
            },
            None => None,
        };
        let max_keys = match w.get("max_keys") {
            Some(n) => match number(n) {
                Some(k) if (1..=WINDOW_MAX_KEYS as u64).contains(&k) => k as usize,
                _ => {
                    return bad(
                        self,
                        n.line,
                        format!("max_keys must be a whole number from 1 to {WINDOW_MAX_KEYS}"),
                    );
                }
            },
            None => WINDOW_DEFAULT_KEYS,
        };
        Some(WindowDef {
            by,
            distinct,
            count,
            within_s,
            max_keys,
            loc: Loc {
                file: file.into(),
                line: w.line,
            },
        })
    }

    /// Appends items to a list, defining it when no file did (local
    /// knowledge given on the command line: internal networks, the
    /// identities RBAC names).
    pub fn extend_list(&mut self, name: &str, items: impl IntoIterator<Item = String>, loc: Loc) {
        match self.list_ix.get(name) {
            Some(&i) => self.lists[i].items.extend(items),
            None => {
                self.list_ix.insert(name.to_string(), self.lists.len());
                self.lists.push(ListDef {
                    name: name.to_string(),
                    items: items.into_iter().collect(),
                    loc,
                });
            }
        }
    }

    /// Enables a rule by name; false when no rule has that name.
    pub fn enable_rule(&mut self, name: &str) -> bool {
        match self.rule_ix.get(name) {
            Some(&i) => {
                self.rules[i].enabled = true;
                true
            }
            None => false,
        }
    }

    /// `exceptions:` → one `not (…)` term each: `fields`/`comps` lists with
    /// `values` tuples, or a single field compared (`in` by default) with
    /// the whole values list.
    fn exceptions(&mut self, file: &str, item: &Node, rule: &str) -> Vec<ExceptionDef> {
        let Some(list) = item.get("exceptions") else {
            return vec![];
        };
        let Some(list) = list.as_seq() else {
            self.diag(
                Severity::Error,
                file,
                list.line,
                format!("rule '{rule}': exceptions must be a list"),
            );
            return vec![];
        };
        let mut out = Vec::new();
        for ex in list {
            let loc = Loc {
                file: file.into(),
                line: ex.line,
            };
            let name = ex.get("name").and_then(str_of).unwrap_or_default();
            match exception_term(ex) {
                Ok(term) => out.push(ExceptionDef { name, term, loc }),
                Err(m) => self.diag(
                    Severity::Error,
                    file,
                    ex.line,
                    format!("rule '{rule}': exception '{name}': {m}"),
                ),
            }
        }
        out
    }
}

fn field_ref(s: &str) -> Result<FieldRef, String> {
    condition::split_field(s).ok_or_else(|| format!("malformed field '{s}'"))
}

fn check(field: FieldRef, op: Op, v: &Node) -> Result<Ast, String> {
    let operand = if op == Op::Exists {
        Operand::None
    } else if op.takes_list() {
        match &v.value {
            YValue::Seq(_) => Operand::List(strings_of(v).ok_or("values must be strings")?),
            _ => Operand::List(vec![str_of(v).ok_or("values must be strings")?]),
        }
    } else {
        Operand::Value(str_of(v).ok_or("a value must be a string")?)
    };
    Ok(Ast::Check {
        field,
        op,
        operand,
        pos: 0,
    })
}

fn exception_term(ex: &Node) -> Result<Option<Ast>, String> {
    let fields = ex.get("fields").ok_or("no fields")?;
    let values = match ex.get("values") {
        None => return Ok(None),
        Some(v) => v.as_seq().ok_or("values must be a list")?.to_vec(),
    };
    if values.is_empty() {
        return Ok(None);
    }
    if let Some(single) = str_of(fields).filter(|_| !matches!(fields.value, YValue::Seq(_))) {
        let op = match ex.get("comps").and_then(str_of) {
            Some(c) => Op::parse(&c).ok_or_else(|| format!("unknown comparison '{c}'"))?,
            None => Op::In,
        };
        let f = field_ref(&single)?;
        let list = Node::new(ex.line, 0, YValue::Seq(values));
        let term = if op.takes_list() {
            check(f, op, &list)?
        } else {
            Ast::Or(
                values_of(&list)
                    .iter()
                    .map(|v| check(f.clone(), op, v))
                    .collect::<Result<_, _>>()?,
            )
        };
        return Ok(Some(Ast::Not(Box::new(term))));
    }
    let fields = strings_of(fields).ok_or("fields must be a field or a list of fields")?;
    let comps = match ex.get("comps") {
        Some(c) => strings_of(c).ok_or("comps must be a list")?,
        None => vec!["=".to_string(); fields.len()],
    };
    if comps.len() != fields.len() {
        return Err(format!("{} fields but {} comps", fields.len(), comps.len()));
    }
    let mut alts = Vec::new();
    for tuple in &values {
        let items = tuple
            .as_seq()
            .ok_or("each value must be a list with one entry per field")?;
        if items.len() != fields.len() {
            return Err(format!(
                "a value has {} entries for {} fields",
                items.len(),
                fields.len()
            ));
        }
        let mut parts = Vec::new();
        for ((f, c), v) in fields.iter().zip(&comps).zip(items) {
            let op = Op::parse(c).ok_or_else(|| format!("unknown comparison '{c}'"))?;
            parts.push(check(field_ref(f)?, op, v)?);
        }
        alts.push(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Ast::And(parts)
        });
    }
    Ok(Some(Ast::Not(Box::new(Ast::Or(alts)))))
}

fn values_of(n: &Node) -> Vec<Node> {
    n.as_seq().map(|s| s.to_vec()).unwrap_or_default()
}

//! The series an expression selects: every vector and range selector of a
//! PromQL expression (through functions, aggregations, binary operators
//! and subqueries), with its label matchers, parsed by `promql-parser`.

use promql_parser::label::{MatchOp, Matcher as PqMatcher};
use promql_parser::parser::{Expr, VectorSelector};
use promql_parser::util::{ExprVisitor, walk_expr};

/// How a matcher compares a label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~` (fully anchored)
    Regex,
    /// `!~` (fully anchored)
    NotRegex,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Equal => "=",
            Op::NotEqual => "!=",
            Op::Regex => "=~",
            Op::NotRegex => "!~",
        }
    }

    /// Whether a series must carry a matching value (`=`, `=~`), as
    /// opposed to only excluding values.
    pub fn is_positive(self) -> bool {
        matches!(self, Op::Equal | Op::Regex)
    }
}

/// One label matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: Op,
    pub value: String,
    inner: PqMatcher,
}

impl Matcher {
    /// Whether a series whose label `name` has `value` passes (a missing
    /// label is the empty string, as in Prometheus).
    pub fn accepts(&self, value: &str) -> bool {
        self.inner.is_match(value)
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

/// One selector: the metric name (when fixed) and the matchers that must
/// all hold. A selector written with `or` between matcher sets
/// (`{a="1" or b="2"}`) becomes one selector per set.
#[derive(Debug, Clone)]
pub struct Selector {
    pub metric: Option<String>,
    pub matchers: Vec<Matcher>,
}

impl Selector {
    /// The matchers on `label`.
    pub fn on<'a>(&'a self, label: &'a str) -> impl Iterator<Item = &'a Matcher> + 'a {
        self.matchers.iter().filter(move |m| m.name == label)
    }

    /// Whether the metric name could be `name`.
    pub fn could_be(&self, name: &str) -> bool {
        match &self.metric {
            Some(m) => m == name,
            None => self.on("__name__").all(|m| m.accepts(name)),
        }
    }

    /// The metric name, or the `__name__` matchers, for display.
    pub fn describe(&self) -> String {
        let ms: Vec<String> = self.matchers.iter().map(|m| m.to_string()).collect();
        format!(
            "{}{{{}}}",
            self.metric.as_deref().unwrap_or(""),
            ms.join(",")
        )
    }
}

fn convert(m: &PqMatcher) -> Matcher {
    let op = match m.op {
        MatchOp::Equal => Op::Equal,
        MatchOp::NotEqual => Op::NotEqual,
        MatchOp::Re(_) => Op::Regex,
        MatchOp::NotRe(_) => Op::NotRegex,
    };
    Matcher {
        name: m.name.clone(),
        op,
        value: m.value.clone(),
        inner: m.clone(),
    }
}

fn push_selector(vs: &VectorSelector, out: &mut Vec<Selector>) {
    let base: Vec<Matcher> = vs.matchers.matchers.iter().map(convert).collect();
    let metric = vs.name.clone().or_else(|| {
        base.iter()
            .find(|m| m.name == "__name__" && m.op == Op::Equal)
            .map(|m| m.value.clone())
    });
    if vs.matchers.or_matchers.is_empty() {
        out.push(Selector {
            metric,
            matchers: base,
        });
        return;
    }
    for set in &vs.matchers.or_matchers {
        let mut matchers = base.clone();
        matchers.extend(set.iter().map(convert));
        let metric = metric.clone().or_else(|| {
            matchers
                .iter()
                .find(|m| m.name == "__name__" && m.op == Op::Equal)
                .map(|m| m.value.clone())
        });
        out.push(Selector { metric, matchers });
    }
}

struct Collect(Vec<Selector>);

impl ExprVisitor for Collect {
    type Error = std::convert::Infallible;

    fn pre_visit(&mut self, e: &Expr) -> Result<bool, Self::Error> {
        match e {
            Expr::VectorSelector(vs) => push_selector(vs, &mut self.0),
            Expr::MatrixSelector(ms) => push_selector(&ms.vs, &mut self.0),
            _ => {}
        }
        Ok(true)
    }
}

/// Parses `expr`.
pub fn parse(expr: &str) -> Result<Expr, String> {
    promql_parser::parser::parse(expr)
}

/// Every selector of `expr`, in the order they are written.
pub fn selectors(expr: &str) -> Result<Vec<Selector>, String> {
    let e = parse(expr)?;
    let mut c = Collect(Vec::new());
    let Ok(_) = walk_expr(&mut c, &e);
    Ok(c.0)
}

/// `s` as a PromQL double-quoted string body (`\` and `"` escaped).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as a regular expression that matches exactly `s` (RE2 syntax).
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_selectors_inside_functions_aggregations_and_binaries() {
        let s = selectors(
            r#"sum by (namespace) (rate(kube_pod_container_status_restarts_total{namespace="shop", pod=~"api-.*"}[15m])) > on (namespace) group_left() 3 * max by (namespace) (up{job!="x"})"#,
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].metric.as_deref(),
            Some("kube_pod_container_status_restarts_total")
        );
        let ns: Vec<_> = s[0].on("namespace").collect();
        assert_eq!(ns.len(), 1);
        assert!(ns[0].accepts("shop") && !ns[0].accepts("data"));
        let pod: Vec<_> = s[0].on("pod").collect();
        assert_eq!(pod[0].op, Op::Regex);
        assert!(pod[0].accepts("api-7d4b9c8f6d-x2x9z"));
        // regexes are anchored
        assert!(!pod[0].accepts("shop-api-1"));
        assert_eq!(s[1].metric.as_deref(), Some("up"));
        assert!(!s[1].on("job").next().unwrap().accepts("x"));
    }

    #[test]
    fn name_matchers_and_subqueries() {
        let s = selectors(r#"max_over_time({__name__=~"kube_.*", namespace="a"}[1h:5m])"#).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].metric, None);
        assert!(s[0].could_be("kube_pod_info") && !s[0].could_be("up"));
        let s = selectors(r#"{__name__="up"}"#).unwrap();
        assert_eq!(s[0].metric.as_deref(), Some("up"));
    }

    #[test]
    fn bad_expressions_are_errors() {
        assert!(selectors("sum(rate(x[5m])").is_err());
        assert!(selectors(r#"x{a=~"("}"#).is_err());
    }

    #[test]
    fn quoting_and_escaping_round_trip() {
        let name = "a.b-c";
        let e = format!(
            "x{{pod=~{}}}",
            quote(&format!("{}-[0-9]+", regex_escape(name)))
        );
        let s = selectors(&e).unwrap();
        let m = s[0].on("pod").next().unwrap();
        assert!(m.accepts("a.b-c-0") && !m.accepts("aXb-c-0"));
        let s = selectors(&format!("x{{l={}}}", quote("say \"hi\" \\ there"))).unwrap();
        assert_eq!(s[0].matchers[0].value, "say \"hi\" \\ there");
    }
}

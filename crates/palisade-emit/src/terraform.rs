//! Terraform (HCL) through hcl-rs: generators build [`Block`]s and this
//! module formats them. A plain string is always a literal — `${` and `%{`
//! in it are escaped, so a label value cannot become an interpolation —
//! and only [`template`] and [`expression`] write HCL that Terraform
//! evaluates.

pub use hcl::{Block, Body, Expression, Object, ObjectKey};

/// The resource block `resource "KIND" "NAME" { … }`'s builder.
pub fn resource(kind: &str, name: &str) -> hcl::BlockBuilder {
    Block::builder("resource").add_label(kind).add_label(name)
}

/// `blocks` formatted, each after its `# comment` lines, one empty line
/// between blocks.
pub fn blocks<C: AsRef<str>>(items: impl IntoIterator<Item = (C, Block)>) -> String {
    let mut out = String::new();
    for (i, (comment, block)) in items.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&crate::yaml::comment(comment.as_ref()));
        out.push_str(&format(&Body::builder().add_block(block).build()));
    }
    out
}

/// A body as HCL text.
///
/// Formatting a body built from blocks, attributes and expressions cannot
/// fail; a failure is a programming error and the message says which.
/// Lists of scalars stay on one line (`verbs = ["get", "list"]`).
pub fn format(body: &Body) -> String {
    use hcl::format::{Format, Formatter};
    let mut f = Formatter::builder().compact_arrays(true).build_vec();
    body.format_string(&mut f)
        .unwrap_or_else(|e| panic!("a Terraform body palisade built is not HCL: {e}"))
}

/// A quoted template that Terraform interpolates, e.g.
/// `"${base64encode(tls_private_key.ca.private_key_pem)}"`; `text` is the
/// template between the quotes, written by palisade, never user data.
pub fn template(text: &str) -> Expression {
    hcl::TemplateExpr::QuotedString(text.to_string()).into()
}

/// An HCL expression palisade wrote (a reference such as
/// `kubernetes_role_v1.x.metadata[0].name`); never user data.
pub fn expression(text: &str) -> Expression {
    text.parse()
        .unwrap_or_else(|e| panic!("an expression palisade wrote is not HCL ({text}): {e}"))
}

/// A JSON value as an HCL expression: objects keyed by quoted strings (so
/// `app.kubernetes.io/name` stays one key), every string a literal except
/// those `is_template` picks, which become [`template`]s.
pub fn value(v: &serde_json::Value, is_template: &dyn Fn(&str) -> bool) -> Expression {
    use serde_json::Value as J;
    match v {
        J::Null => Expression::Null,
        J::Bool(b) => Expression::Bool(*b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Expression::from(i)
            } else if let Some(u) = n.as_u64() {
                Expression::from(u)
            } else {
                Expression::from(n.as_f64().unwrap_or_default())
            }
        }
        J::String(s) if is_template(s) => template(s),
        J::String(s) => Expression::String(s.clone()),
        J::Array(a) => Expression::Array(a.iter().map(|x| value(x, is_template)).collect()),
        J::Object(m) => Expression::Object(
            m.iter()
                .map(|(k, x)| {
                    (
                        ObjectKey::Expression(k.clone().into()),
                        value(x, is_template),
                    )
                })
                .collect(),
        ),
    }
}

/// A map of strings as an HCL object with quoted keys.
pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Expression {
    Expression::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (ObjectKey::Expression(k.into()), Expression::from(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_stay_literal_and_templates_interpolate() {
        let b = resource("kubernetes_config_map_v1", "x")
            .add_attribute(("literal", "${var.secret} and %{ if x }"))
            .add_attribute(("quote", "say \"hi\"\n"))
            .add_attribute((
                "tpl",
                template("${base64encode(tls_private_key.ca.private_key_pem)}"),
            ))
            .add_attribute(("ref", expression("kubernetes_role_v1.x.metadata[0].name")))
            .add_attribute((
                "data",
                value(
                    &json!({"app.kubernetes.io/name": "a", "n": 1, "l": [true, null]}),
                    &|_| false,
                ),
            ))
            .build();
        let text = blocks([("made by a test", b)]);
        assert!(
            text.starts_with("# made by a test\nresource \"kubernetes_config_map_v1\" \"x\" {\n"),
            "{text}"
        );
        assert!(
            text.contains("literal = \"$${var.secret} and %%{ if x }\""),
            "{text}"
        );
        assert!(text.contains("quote = \"say \\\"hi\\\"\\n\""), "{text}");
        assert!(
            text.contains("tpl = \"${base64encode(tls_private_key.ca.private_key_pem)}\""),
            "{text}"
        );
        assert!(
            text.contains("ref = kubernetes_role_v1.x.metadata[0].name"),
            "{text}"
        );
        assert!(
            text.contains("\"app.kubernetes.io/name\" = \"a\""),
            "{text}"
        );
        // and it reads back as HCL with the same literal
        let body: hcl::Body = hcl::from_str(&text).unwrap();
        let attr = body
            .blocks()
            .next()
            .unwrap()
            .body
            .attributes()
            .find(|a| a.key() == "literal")
            .unwrap();
        assert_eq!(
            attr.expr,
            Expression::String("${var.secret} and %{ if x }".into())
        );
    }
}

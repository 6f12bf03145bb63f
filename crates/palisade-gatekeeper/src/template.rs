//! ConstraintTemplates (`templates.gatekeeper.sh` v1, v1beta1, v1alpha1):
//! the Rego of the `admission.k8s.gatekeeper.sh` target and its `libs`,
//! compiled once with regorus (Rego v0 syntax, as Gatekeeper reads it).

use crate::builtins;
use regorus::{Engine, Value};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Each thread's ready engines, by template id: evaluating on a warm
    /// engine avoids building an interpreter per evaluation.
    static ENGINES: RefCell<HashMap<u64, Engine>> = RefCell::new(HashMap::new());
}

/// The deepest bracket nesting accepted in Rego (the library never goes past 10).
pub const MAX_NESTING: usize = 12;

/// The only target palisade evaluates (the admission webhook's).
pub const TARGET: &str = "admission.k8s.gatekeeper.sh";

/// A compiled ConstraintTemplate.
#[derive(Clone)]
pub struct Template {
    /// `metadata.name` (the kind in lower case, by convention).
    pub name: String,
    /// The kind of the constraints it defines (`spec.crd.spec.names.kind`).
    pub kind: String,
    /// The engine with the policy loaded and no data.
    engine: Engine,
    /// `data.<package>.violation`.
    entry: String,
    /// The engine with the current inventory, prepared for evaluation.
    ready: Engine,
    /// Identifies `ready` in the per-thread engine caches.
    id: u64,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("entry", &self.entry)
            .finish()
    }
}

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The Rego and libs of the admission target: either `rego`/`libs` on the
/// target, or a `code` entry with `engine: Rego`.
fn rego_sources(target: &Json) -> Option<(String, Vec<String>)> {
    let libs = |v: &Json| -> Vec<String> {
        v.get("libs")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(r) = target.get("rego").and_then(Json::as_str) {
        return Some((r.to_string(), libs(target)));
    }
    let code = target.get("code")?.as_array()?;
    code.iter().find_map(|c| {
        (c.get("engine")?.as_str()? == "Rego").then_some(())?;
        let src = c.get("source")?;
        Some((src.get("rego")?.as_str()?.to_string(), libs(src)))
    })
}

impl Template {
    /// Compiles a ConstraintTemplate object.
    pub fn from_json(obj: &Json) -> Result<Template, TemplateError> {
        let name = str_at(obj, &["metadata", "name"]).unwrap_or("").to_string();
        let err = |m: String| TemplateError(format!("ConstraintTemplate {name:?}: {m}"));
        let kind = str_at(obj, &["spec", "crd", "spec", "names", "kind"])
            .ok_or_else(|| err("spec.crd.spec.names.kind is missing".into()))?
            .to_string();
        let targets = obj
            .pointer("/spec/targets")
            .and_then(Json::as_array)
            .ok_or_else(|| err("spec.targets is missing".into()))?;
        let target = targets
            .iter()
            .find(|t| t.get("target").and_then(Json::as_str) == Some(TARGET))
            .ok_or_else(|| err(format!("no target {TARGET}")))?;
        let (rego, libs) = rego_sources(target).ok_or_else(|| {
            err("the target has no Rego (only CEL `K8sNativeValidation` code, which palisade does not run)".into())
        })?;
        for src in std::iter::once(&rego).chain(&libs) {
            let depth = crate::rego_compat::nesting_depth(src);
            if depth > MAX_NESTING {
                return Err(err(format!(
                    "brackets nest {depth} deep (more than {MAX_NESTING}): refused, the Rego parser would take exponential time"
                )));
            }
        }
        let mut engine = Engine::new();
        engine.set_rego_v0(true);
        builtins::register(&mut engine).map_err(|e| err(e.to_string()))?;
        for (i, lib) in libs.iter().enumerate() {
            engine
                .add_policy(format!("{name}/lib{i}.rego"), compat(lib))
                .map_err(|e| err(format!("libs[{i}]: {e}")))?;
        }
        let package = engine
            .add_policy(format!("{name}/template.rego"), compat(&rego))
            .map_err(|e| err(format!("rego: {e}")))?;
        let entry = format!("{package}.violation");
        let ready = prepare(&engine, &entry, None).map_err(err)?;
        Ok(Template {
            name,
            kind,
            engine,
            entry,
            ready,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// Recompiles with `data.inventory` set (referential templates).
    pub fn set_inventory(&mut self, inventory: &Value) -> Result<(), TemplateError> {
        self.ready = prepare(&self.engine, &self.entry, Some(inventory))
            .map_err(|m| TemplateError(format!("ConstraintTemplate {:?}: {m}", self.name)))?;
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Evaluates `violation` for one review; returns each violation's
    /// message and details.
    pub fn violations(&self, input: Value) -> Result<Vec<(String, Json)>, String> {
        let v = ENGINES
            .with(|cache| {
                let mut cache = cache.borrow_mut();
                if cache.len() > 4096 {
                    cache.clear();
                }
                let engine = cache.entry(self.id).or_insert_with(|| self.ready.clone());
                engine.set_input(input);
                engine.eval_rule(self.entry.clone())
            })
            .map_err(|e| e.to_string())?;
        let items: Vec<Value> = match v {
            Value::Undefined | Value::Null => return Ok(Vec::new()),
            Value::Set(s) => s.iter().cloned().collect(),
            Value::Array(a) => a.iter().cloned().collect(),
            other => return Err(format!("violation is not a set: {other}")),
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let j = serde_json::to_value(&item).map_err(|e| e.to_string())?;
            let msg = j
                .get("msg")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            let details = j.get("details").cloned().unwrap_or(Json::Null);
            out.push((msg, details));
        }
        Ok(out)
    }
}

fn compat(src: &str) -> String {
    crate::rego_compat::normalise(src).unwrap_or_else(|| src.to_string())
}

fn prepare(engine: &Engine, entry: &str, inventory: Option<&Value>) -> Result<Engine, String> {
    let mut e = engine.clone();
    if let Some(inv) = inventory {
        let mut data = std::collections::BTreeMap::new();
        data.insert(Value::from("inventory"), inv.clone());
        e.add_data(Value::from(data)).map_err(|e| e.to_string())?;
    }
    // compiling checks the policy and prepares the engine
    e.compile_with_entrypoint(&entry.into())
        .map_err(|e| format!("compiling {entry}: {e}"))?;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(rego: &str) -> Json {
        serde_json::json!({
            "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
            "metadata": {"name": "k8sx"},
            "spec": {"crd": {"spec": {"names": {"kind": "K8sX"}}},
                "targets": [{"target": TARGET, "rego": rego}]}
        })
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let deep = format!("package x\nv = {}1{}\n", "[".repeat(40), "]".repeat(40));
        let t = std::time::Instant::now();
        let e = Template::from_json(&template(&deep)).unwrap_err();
        assert!(e.0.contains("nest 40 deep"), "{e}");
        // the deepest accepted nesting still parses in reasonable time
        let n = MAX_NESTING - 1;
        let ok = format!(
            "package x\nviolation[{{\"msg\": \"x\"}}] {{\n  v := {}1{}\n  count(v) > 5\n}}\n",
            "[".repeat(n),
            "]".repeat(n)
        );
        Template::from_json(&template(&ok)).unwrap();
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
    }
}

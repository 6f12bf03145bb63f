//! Manifests from files, directories and stdin → model objects.
//!
//! * `-` reads stdin; a file is read whatever its extension; a directory is
//!   walked recursively for `*.yaml`, `*.yml`, `*.json` and Terraform
//!   `*.tf`, honouring `.gitignore` and skipping hidden entries (unless
//!   `no_ignore`);
//! * `.tf` files are read per directory (a Terraform module) with the
//!   directory's `terraform.tfvars` and `*.auto.tfvars` and any `--var-file`;
//! * in a walked directory, files with no Kubernetes object at all (Helm
//!   `values.yaml`, CI configs, …) are skipped quietly;
//! * with [`LoadOptions::render`], a Helm chart (a directory with
//!   `Chart.yaml`) or a kustomization (a directory with
//!   `kustomization.yaml`) — named, or met in a walk — is rendered through
//!   `palisade-render` once, and nothing under it is read on its own (its
//!   templates, values, subcharts in `charts/`, patches and resources are
//!   its inputs, not manifests); objects point at the template or source
//!   file they came from (a kustomize Component met in a walk is left to
//!   the kustomizations that include it). Without it, the `templates/` of a
//!   chart are skipped (render them and pipe them to `-`);
//! * files are read and parsed in parallel; objects come back in a stable
//!   order (path, then position), each with its file and line;
//! * every problem is an [`InputError`] with file and line; the rest of the
//!   input is still read.

use palisade_findings::InputError;
use palisade_model::{Object, ObjectOptions, objects_from_document};
pub use palisade_render::RenderOptions;
use palisade_value::Node;
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to read the input.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Namespace of namespaced objects that do not name one.
    pub default_namespace: String,
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    pub limits: palisade_yaml::Limits,
    /// Also read files `.gitignore` excludes and hidden files.
    pub no_ignore: bool,
    /// Terraform variable files applied to every module read.
    pub var_files: Vec<PathBuf>,
    /// Render Helm charts and kustomizations (with these options) instead of
    /// skipping their templates; `None` reads them as before rendering
    /// existed (chart templates skipped, kustomization files read as files).
    pub render: Option<palisade_render::RenderOptions>,
    /// Directories rendered as Helm charts whatever they hold (`scan --helm`).
    pub helm: Vec<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".into(),
            max_file_size: 64 * 1024 * 1024,
            limits: palisade_yaml::Limits::default(),
            no_ignore: false,
            var_files: Vec::new(),
            render: None,
            helm: Vec::new(),
        }
    }
}

/// What was read.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    /// With `--cluster`: the server's Kubernetes version (`1.37`).
    pub server_version: Option<String>,
    pub errors: Vec<InputError>,
    /// Files that contributed objects or errors.
    pub files: usize,
    /// Files skipped because they hold no Kubernetes object.
    pub skipped: Vec<String>,
    /// Helm charts found in a walk (directories with `Chart.yaml`) whose
    /// `templates/` were not read because rendering was off: templates are
    /// not manifests until rendered.
    pub charts: Vec<PathBuf>,
    /// The charts and kustomizations that were rendered.
    pub rendered: Vec<PathBuf>,
    /// The files objects were rendered from (templates, kustomize sources,
    /// `… (rendered)`): what `palisade fix` cannot edit.
    pub rendered_files: std::collections::BTreeSet<String>,
}

impl Loaded {
    /// When nothing in the input was a Kubernetes object: what was seen
    /// instead, and what to do about it. `None` when objects were read, or
    /// when the input errors already say what went wrong.
    pub fn nothing_read(&self) -> Option<String> {
        if !self.objects.is_empty() || !self.errors.is_empty() {
            return None;
        }
        let mut why = vec![format!(
            "no Kubernetes object was read: {} {} read",
            self.files + self.skipped.len(),
            if self.files + self.skipped.len() == 1 {
                "file"
            } else {
                "files"
            }
        )];
        if !self.skipped.is_empty() {
            let shown: Vec<&str> = self.skipped.iter().take(5).map(String::as_str).collect();
            why.push(format!(
                "{} without a `kind` (values files, CI or tool configuration): {}{}",
                self.skipped.len(),
                shown.join(", "),
                if self.skipped.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ));
        }
        for c in &self.charts {
            why.push(format!(
                "{} is a Helm chart: its templates are not manifests until rendered; \
                 run `helm template {} | palisade scan -`",
                c.display(),
                c.display()
            ));
        }
        for r in &self.rendered {
            why.push(format!(
                "{} rendered to no object (are its templates switched off by its values?)",
                r.display()
            ));
        }
        if self.files + self.skipped.len() == 0 {
            why.push("no *.yaml, *.yml, *.json or *.tf file was found".to_string());
        }
        Some(why.join("; "))
    }
}

/// One input to read.
#[derive(Debug, Clone)]
enum Input {
    Stdin,
    /// A file, and whether the user named it (not found by a walk).
    File(PathBuf, bool),
    /// A directory to render: a Helm chart, or a kustomization.
    Render(PathBuf, Renderer),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renderer {
    Helm,
    Kustomize,
}

/// What renders the directory `p`, if anything does (a chart first).
fn renderer_of(p: &Path) -> Option<Renderer> {
    if palisade_render::is_chart(p) {
        Some(Renderer::Helm)
    } else if palisade_render::kustomization_file(p).is_some() {
        Some(Renderer::Kustomize)
    } else {
        None
    }
}

/// Reads every path (`-` for stdin).
///
/// The trees of every file read together stay within
/// `opts.limits.max_bytes` (a budget shared by the parallel readers), unless
/// the caller shares a budget of its own.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Loaded {
    let mut run = opts.clone();
    if run.limits.shared.is_none() {
        run.limits.shared = Some(Arc::new(palisade_yaml::Budget::new(run.limits.max_bytes)));
    }
    let opts = &run;
    let mut out = Loaded::default();
    let mut inputs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if p.is_dir()
            && opts.render.is_some()
            && let Some(r) = renderer_of(p)
        {
            inputs.push(Input::Render(p.clone(), r));
        } else if p.is_dir() {
            match walk(p, opts) {
                Ok((files, links, charts)) => {
                    if opts.render.is_some() {
                        inputs.extend(files.into_iter().map(|f| Input::File(f, false)));
                        // a kustomize Component is built by the kustomizations
                        // that include it (alone, its patches patch nothing)
                        inputs.extend(
                            charts
                                .into_iter()
                                .filter_map(|c| renderer_of(&c).map(|r| Input::Render(c, r)))
                                .filter(|i| {
                                    !matches!(i, Input::Render(c, Renderer::Kustomize)
                                        if palisade_render::is_component(c))
                                }),
                        );
                    } else {
                        out.charts.extend(charts);
                        inputs.extend(files.into_iter().map(|f| Input::File(f, false)));
                    }
                    out.errors.extend(links.iter().map(|l| {
                        whole_file(
                            l,
                            "a symbolic link to a directory, not followed (name the directory to scan it)"
                                .into(),
                        )
                    }));
                }
                Err(e) => out.errors.push(whole_file(p, e)),
            }
        } else if p.exists() {
            inputs.push(Input::File(p.clone(), true));
        } else {
            out.errors
                .push(whole_file(p, "no such file or directory".into()));
        }
    }
    for c in &opts.helm {
        if c.is_dir() {
            inputs.push(Input::Render(c.clone(), Renderer::Helm));
        } else {
            out.errors.push(whole_file(
                c,
                if c.exists() {
                    "--helm names a file; it takes a chart's directory".into()
                } else {
                    "no such directory".into()
                },
            ));
        }
    }
    // each chart and kustomization is rendered once, however it was named
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| match i {
        Input::Render(p, _) => seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())),
        _ => true,
    });
    // values files that are not YAML: said with their line, and no chart is
    // rendered with them
    let values_errors = match &opts.render {
        Some(r)
            if inputs
                .iter()
                .any(|i| matches!(i, Input::Render(_, Renderer::Helm))) =>
        {
            palisade_render::check_values(&r.values, &opts.limits)
        }
        _ => Vec::new(),
    };
    let mut values_bad = None;
    if let Some(first) = values_errors.first() {
        values_bad = Some(first.file.clone());
        out.errors.extend(values_errors.iter().map(|e| InputError {
            file: e.file.display().to_string(),
            line: e.line,
            column: e.column,
            message: e.message.clone(),
        }));
    }
    // Terraform files are read per directory (one module each)
    let (tf, inputs): (Vec<Input>, Vec<Input>) = inputs
        .into_iter()
        .partition(|i| matches!(i, Input::File(p, _) if is_terraform(p)));
    let mut modules: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    for i in tf {
        if let Input::File(p, _) = i {
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            modules.entry(dir).or_default().push(p);
        }
    }
    let mut var_files = Vec::new();
    for v in &opts.var_files {
        match std::fs::read_to_string(v) {
            Ok(t) => var_files.push((v.display().to_string(), t)),
            Err(e) => out.errors.push(whole_file(v, e.to_string())),
        }
    }
    let module_results: Vec<FileResult> = modules
        .par_iter()
        .map(|(dir, files)| read_module(dir, files, &var_files, opts))
        .collect();
    let mut results: Vec<FileResult> = inputs
        .par_iter()
        .map(|i| match (i, &values_bad) {
            (Input::Render(p, Renderer::Helm), Some(v)) => FileResult {
                name: p.display().to_string(),
                files: 1,
                objects: Vec::new(),
                errors: vec![whole_file(
                    p,
                    format!(
                        "the chart was not rendered: the values file {} is not valid (see its error)",
                        v.display()
                    ),
                )],
                skipped: false,
                rendered: None,
            },
            _ => read_input(i, opts),
        })
        .collect();
    results.extend(module_results);
    for r in results {
        if r.skipped {
            out.skipped.push(r.name);
            continue;
        }
        out.files += r.files;
        if let Some((dir, files)) = r.rendered {
            out.rendered.push(dir);
            out.rendered_files.extend(files);
        }
        out.objects.extend(r.objects);
        out.errors.extend(r.errors);
    }
    out
}

/// Reads one Terraform module: its `.tf` files and the `.tfvars` that apply.
fn read_module(
    dir: &Path,
    files: &[PathBuf],
    var_files: &[(String, String)],
    opts: &LoadOptions,
) -> FileResult {
    let name = dir.display().to_string();
    let mut errors = Vec::new();
    let mut texts = Vec::new();
    for f in files {
        match read_limited(&Input::File(f.clone(), true), opts.max_file_size)
            .and_then(|b| String::from_utf8(b).map_err(|_| "not UTF-8 text".to_string()))
        {
            Ok(t) => texts.push((f.display().to_string(), t)),
            Err(e) => errors.push(whole_file(f, e)),
        }
    }
    // Terraform loads terraform.tfvars, then *.auto.tfvars (alphabetically), then -var-file
    let mut vars = Vec::new();
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".auto.tfvars"))
        .collect();
    auto.sort();
    for p in std::iter::once(dir.join("terraform.tfvars")).chain(auto) {
        if let Ok(t) = std::fs::read_to_string(&p) {
            vars.push((p.display().to_string(), t));
        }
    }
    vars.extend(var_files.iter().cloned());
    let object_opts = ObjectOptions {
        default_namespace: opts.default_namespace.clone(),
    };
    let module = palisade_hcl::load_module(&texts, &vars, &object_opts);
    errors.extend(module.errors);
    errors.sort();
    FileResult {
        name,
        files: files.len(),
        objects: module.objects,
        errors,
        skipped: false,
        rendered: None,
    }
}

/// Reads YAML/JSON text that came from somewhere else (a rendered chart,
/// an HTTP body) as if it were the file `name`.
pub fn load_text(name: &str, text: &str, opts: &LoadOptions) -> Loaded {
    let r = parse_text(name, text, true, opts);
    Loaded {
        objects: r.objects,
        errors: r.errors,
        files: 1,
        ..Loaded::default()
    }
}

fn whole_file(p: &Path, message: String) -> InputError {
    InputError {
        file: p.display().to_string(),
        line: 0,
        column: 0,
        message,
    }
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "tf")
    )
}

fn is_terraform(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()) == Some("tf")
}

/// What a directory walk found.
type Walked = (Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>);

/// The manifests under `dir`, the links to directories it did not follow,
/// and the Helm charts whose templates it left out (with rendering: the
/// charts and kustomizations to render, whose directories it did not
/// enter). A link to a file is read, as `kubectl apply -f DIR` reads it.
fn walk(dir: &Path, opts: &LoadOptions) -> Result<Walked, String> {
    let mut files = Vec::new();
    let mut links = Vec::new();
    let mut charts = Vec::new();
    let rendering = opts.render.is_some();
    // with rendering: charts and kustomizations met on the way, which are
    // not entered (their files are their inputs, not manifests)
    let found = Arc::new(std::sync::Mutex::new(Vec::new()));
    let found_in_walk = found.clone();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(!opts.no_ignore)
        .require_git(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            if rendering {
                if e.depth() > 0
                    && e.file_type().is_some_and(|t| t.is_dir())
                    && renderer_of(e.path()).is_some()
                {
                    if let Ok(mut f) = found_in_walk.lock() {
                        f.push(e.path().to_path_buf());
                    }
                    return false;
                }
                return true;
            }
            // the templates of a Helm chart are not manifests until rendered
            !(e.file_name() == "templates"
                && e.path()
                    .parent()
                    .is_some_and(|p| p.join("Chart.yaml").is_file()))
        })
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| e.to_string())?;
        let Some(t) = entry.file_type() else { continue };
        if t.is_file() && entry.file_name() == "Chart.yaml" {
            if let Some(chart) = entry.path().parent() {
                charts.push(chart.to_path_buf());
            }
            files.push(entry.into_path());
        } else if t.is_file() && is_manifest(entry.path()) {
            files.push(entry.into_path());
        } else if t.is_symlink() {
            match std::fs::metadata(entry.path()) {
                Ok(m) if m.is_file() && is_manifest(entry.path()) => files.push(entry.into_path()),
                Ok(m) if m.is_dir() => links.push(entry.into_path()),
                _ => {}
            }
        }
    }
    if rendering {
        charts = std::mem::take(&mut *found.lock().map_err(|e| e.to_string())?);
    }
    Ok((files, links, charts))
}

struct FileResult {
    name: String,
    /// Files this result stands for (a Terraform module is several).
    files: usize,
    objects: Vec<Object>,
    errors: Vec<InputError>,
    skipped: bool,
    /// A rendered chart or kustomization, and the files its objects came from.
    rendered: Option<(PathBuf, Vec<String>)>,
}

fn read_input(input: &Input, opts: &LoadOptions) -> FileResult {
    let (name, named) = match input {
        Input::Stdin => ("<stdin>".to_string(), true),
        Input::File(p, named) => (p.display().to_string(), *named),
        Input::Render(p, r) => return render(p, *r, opts),
    };
    let fail = |message: String| FileResult {
        name: name.clone(),
        files: 1,
        objects: Vec::new(),
        errors: vec![InputError {
            file: name.clone(),
            line: 0,
            column: 0,
            message,
        }],
        skipped: false,
        rendered: None,
    };
    let bytes = match read_limited(input, opts.max_file_size) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let upto = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..upto].iter().filter(|&&b| b == b'\n').count() + 1;
            return FileResult {
                errors: vec![InputError {
                    file: name.clone(),
                    line: line as u32,
                    column: 0,
                    message: "not UTF-8 text (Kubernetes manifests are UTF-8)".into(),
                }],
                ..fail(String::new())
            };
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    parse_text(&name, text, named, opts)
}

/// Renders a chart or kustomization into objects located in their sources.
fn render(dir: &Path, renderer: Renderer, opts: &LoadOptions) -> FileResult {
    let render_opts = opts.render.clone().unwrap_or_default();
    let result = match renderer {
        Renderer::Helm => palisade_render::render_chart(dir, &render_opts, &opts.limits),
        Renderer::Kustomize => {
            palisade_render::build_kustomization(dir, &render_opts, &opts.limits)
        }
    };
    let name = dir.display().to_string();
    let rendered = match result {
        Ok(r) => r,
        Err(e) => {
            return FileResult {
                name,
                files: 1,
                objects: Vec::new(),
                errors: vec![whole_file(dir, e.to_string())],
                skipped: false,
                rendered: None,
            };
        }
    };
    let files = rendered.files();
    let object_opts = ObjectOptions {
        default_namespace: opts.default_namespace.clone(),
    };
    let mut errors: Vec<InputError> = rendered
        .errors
        .iter()
        .map(|e| InputError {
            file: rendered.output_name.clone(),
            line: e.line,
            column: e.column,
            message: e.message.clone(),
        })
        .collect();
    let mut objects = Vec::new();
    let mut sources = std::collections::BTreeSet::new();
    let mut names: std::collections::HashMap<String, Arc<str>> = Default::default();
    for doc in rendered.documents {
        if is_tool_config(&doc.root) {
            continue;
        }
        let file = names
            .entry(doc.file.clone())
            .or_insert_with(|| Arc::from(doc.file.as_str()))
            .clone();
        sources.insert(doc.file);
        for r in objects_from_document(doc.root, &file, &object_opts) {
            match r {
                Ok(o) => {
                    errors.extend(o.problems.iter().map(|e| InputError {
                        file: file.to_string(),
                        line: e.line,
                        column: e.column,
                        message: e.message.clone(),
                    }));
                    objects.push(o)
                }
                Err(e) => errors.push(InputError {
                    file: file.to_string(),
                    line: e.line,
                    column: e.column,
                    message: e.message,
                }),
            }
        }
    }
    errors.sort();
    FileResult {
        name,
        files: files.max(1),
        objects,
        errors,
        skipped: false,
        rendered: Some((dir.to_path_buf(), sources.into_iter().collect())),
    }
}

fn read_limited(input: &Input, max: u64) -> Result<Vec<u8>, String> {
    let too_big = |size: u64| {
        format!(
            "file is {:.1} MiB, over the {:.0} MiB limit (raise it with --max-file-size)",
            size as f64 / 1048576.0,
            max as f64 / 1048576.0
        )
    };
    match input {
        Input::File(p, _) => {
            let meta = std::fs::metadata(p).map_err(|e| e.to_string())?;
            if meta.len() > max {
                return Err(too_big(meta.len()));
            }
            std::fs::read(p).map_err(|e| e.to_string())
        }
        Input::Render(..) => Err("a directory is rendered, not read".into()),
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .take(max + 1)
                .read_to_end(&mut buf)
                .map_err(|e| e.to_string())?;
            if buf.len() as u64 > max {
                return Err(too_big(buf.len() as u64));
            }
            Ok(buf)
        }
    }
}

fn looks_like_object(n: &Node) -> bool {
    n.get("kind").is_some() && !is_tool_config(n)
}

/// Configuration of build tools that lives beside manifests but is never
/// sent to a cluster: kustomize's `kustomization.yaml` (Kustomization,
/// Component), kind cluster configs, Skaffold.
fn is_tool_config(n: &Node) -> bool {
    n.get_str("apiVersion").is_some_and(|v| {
        v.starts_with("kustomize.config.k8s.io/")
            || v.starts_with("kind.x-k8s.io/")
            || v.starts_with("skaffold/")
    })
}

fn parse_text(name: &str, text: &str, named: bool, opts: &LoadOptions) -> FileResult {
    let stream = palisade_yaml::parse_stream(text, &opts.limits);
    let file: Arc<str> = Arc::from(name);
    let err = |line: u32, column: u32, message: String| InputError {
        file: name.to_string(),
        line,
        column,
        message,
    };
    let mut errors: Vec<InputError> = stream
        .errors
        .iter()
        .map(|e| err(e.line, e.column, e.message.clone()))
        .collect();
    // a walked file with no Kubernetes object at all is not a manifest
    if !named
        && stream.errors.is_empty()
        && !stream.documents.iter().any(|d| looks_like_object(&d.root))
    {
        return FileResult {
            name: name.to_string(),
            files: 1,
            objects: Vec::new(),
            errors: Vec::new(),
            skipped: true,
            rendered: None,
        };
    }
    let object_opts = ObjectOptions {
        default_namespace: opts.default_namespace.clone(),
    };
    let mut objects = Vec::new();
    for doc in stream.documents {
        if is_tool_config(&doc.root) {
            continue;
        }
        for r in objects_from_document(doc.root, &file, &object_opts) {
            match r {
                Ok(o) => {
                    errors.extend(
                        o.problems
                            .iter()
                            .map(|e| err(e.line, e.column, e.message.clone())),
                    );
                    objects.push(o)
                }
                Err(e) => errors.push(err(e.line, e.column, e.message)),
            }
        }
    }
    errors.sort();
    FileResult {
        name: name.to_string(),
        files: 1,
        objects,
        errors,
        skipped: false,
        rendered: None,
    }
}

#[cfg(test)]
mod tests;

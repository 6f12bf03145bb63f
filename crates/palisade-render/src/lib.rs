//! Helm charts and kustomizations → located manifests, by running the
//! user's own renderer, the way Checkov does.
//!
//! * a chart (a directory with `Chart.yaml`) is rendered with `helm
//!   template` — `$PALISADE_HELM`, else `helm` on PATH (v3 or v4) — with the
//!   values files, `--set` values, release name and namespace of
//!   [`RenderOptions`], CRDs included. Each rendered document follows a `#
//!   Source: CHART/templates/FILE` comment, which names the template it
//!   came from (`CHART/charts/SUB/templates/FILE` for a subchart);
//! * a kustomization (a directory with `kustomization.yaml`,
//!   `kustomization.yml` or `Kustomization`) is built with `kubectl
//!   kustomize` — `$PALISADE_KUSTOMIZE`, else `kubectl` on PATH, else
//!   `kustomize build`. The user's files are left as they are: a temporary
//!   kustomization that lists the directory as its one resource asks for
//!   kustomize's `config.kubernetes.io/origin` annotations, which name each
//!   object's source file; the annotation is removed from the objects
//!   before they are analyzed;
//! * the renderer runs with a timeout ([`DEFAULT_TIMEOUT`]); past it, it is
//!   killed with every process it started, and the error says so;
//! * every object comes back with the file it came from and, where the
//!   field can be found there, the line (see [`locate`] for how); an object
//!   that cannot be found in its source keeps the lines of the renderer's
//!   output, and its file is named `SOURCE (rendered)` to say so.
//!
//! There is no renderer here: a missing tool is an error that says how to
//! render by hand and pipe the output in, never a partial rendering.

pub mod locate;
mod run;

use palisade_value::{Node, Value};
use run::{RunError, from_env, on_path};
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// How long a renderer may run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The annotation kustomize writes with `buildMetadata: [originAnnotations]`.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Helm values files (`-f`), in order.
    pub values: Vec<PathBuf>,
    /// Helm `--set KEY=VALUE`, in order.
    pub set: Vec<String>,
    /// Helm release name; default: the chart's name.
    pub release: Option<String>,
    /// Helm `--namespace` (what `.Release.Namespace` renders to).
    pub namespace: String,
    /// Longest a renderer may run.
    pub timeout: Duration,
    /// Most bytes of output read.
    pub max_output: u64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            set: Vec::new(),
            release: None,
            namespace: "default".into(),
            timeout: DEFAULT_TIMEOUT,
            max_output: 64 * 1024 * 1024,
        }
    }
}

/// Why a chart or kustomization gave no manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The renderer is not installed (or the configured path is wrong).
    Missing(String),
    /// The renderer failed; its message.
    Failed(String),
    /// The renderer ran past the timeout and was stopped.
    TimedOut(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Missing(m) | RenderError::Failed(m) | RenderError::TimedOut(m) => {
                f.write_str(m)
            }
        }
    }
}

/// One rendered document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The object; positions are those of `file` when `located`.
    pub root: Node,
    /// The file it came from (a template, a kustomize resource) as a path
    /// to open; `SOURCE (rendered)` when it could not be found there.
    pub file: String,
    /// Whether the positions in `root` are those of `file`. When not, they
    /// are lines of the renderer's output.
    pub located: bool,
}

impl Doc {
    /// A rendered object from `source`; when it could not be located there
    /// its file says so (`SOURCE (rendered)`).
    fn new(root: Node, source: String, located: bool) -> Self {
        let file = if located {
            source
        } else {
            format!("{source} (rendered)")
        };
        Doc {
            root,
            file,
            located,
        }
    }
}

/// What a chart or kustomization rendered to.
#[derive(Debug, Default)]
pub struct Rendered {
    pub documents: Vec<Doc>,
    /// YAML errors in the renderer's output (lines of the output).
    pub errors: Vec<palisade_yaml::Error>,
    /// The name the output goes by in errors: `DIR (rendered)`.
    pub output_name: String,
    /// The command that was run, as a shell line.
    pub command: String,
}

impl Rendered {
    /// The source files the documents came from.
    pub fn files(&self) -> usize {
        self.documents
            .iter()
            .map(|d| d.file.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// Whether `dir` is a Helm chart.
pub fn is_chart(dir: &Path) -> bool {
    dir.join("Chart.yaml").is_file()
}

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Whether the kustomization in `dir` is a kustomize Component (`kind:
/// Component`): a piece that kustomizations include with `components:`,
/// whose patches usually have nothing to patch on their own.
pub fn is_component(dir: &Path) -> bool {
    let Some(text) = kustomization_file(dir).and_then(|f| std::fs::read_to_string(f).ok()) else {
        return false;
    };
    palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default())
        .documents
        .first()
        .is_some_and(|d| d.root.get_str("kind") == Some("Component"))
}

/// The `name` in a chart's `Chart.yaml`.
pub fn chart_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).ok()?;
    let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    stream
        .documents
        .first()?
        .root
        .get_str("name")
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// A problem in a values file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesError {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Reads the values files the way Helm will, so that one that is not YAML
/// (or not a mapping) is reported with its file and line before Helm runs.
pub fn check_values(files: &[PathBuf], limits: &palisade_yaml::Limits) -> Vec<ValuesError> {
    let mut out = Vec::new();
    for f in files {
        let err = |line, column, message: String| ValuesError {
            file: f.clone(),
            line,
            column,
            message,
        };
        let text = match std::fs::read(f) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    out.push(err(0, 0, "a values file must be UTF-8 text".into()));
                    continue;
                }
            },
            Err(e) => {
                out.push(err(0, 0, format!("values file: {e}")));
                continue;
            }
        };
        let stream = palisade_yaml::parse_stream(&text, limits);
        if !stream.errors.is_empty() {
            out.extend(stream.errors.iter().map(|e| {
                err(
                    e.line,
                    e.column,
                    format!("values file is not valid YAML: {}", e.message),
                )
            }));
            continue;
        }
        if let Some(d) = stream.documents.first()
            && !matches!(d.root.value, Value::Map(_) | Value::Null)
        {
            out.push(err(
                d.root.line,
                d.root.column,
                format!(
                    "a values file must be a mapping of values, not a {}",
                    d.root.type_name()
                ),
            ));
        }
    }
    out
}

/// A path as a shell word.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn shell_line(program: &str, args: &[OsString]) -> String {
    std::iter::once(shell_word(program))
        .chain(args.iter().map(|a| shell_word(&a.to_string_lossy())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `helm template` arguments for a chart.
fn helm_args(dir: &Path, opts: &RenderOptions) -> Vec<OsString> {
    let release = opts
        .release
        .clone()
        .or_else(|| chart_name(dir))
        .or_else(|| {
            dir.canonicalize()
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
        })
        .unwrap_or_else(|| "release".into());
    let mut args: Vec<OsString> = vec![
        "template".into(),
        release.into(),
        dir.as_os_str().into(),
        "--namespace".into(),
        opts.namespace.clone().into(),
        "--include-crds".into(),
    ];
    for v in &opts.values {
        args.push("--values".into());
        args.push(v.as_os_str().into());
    }
    for s in &opts.set {
        args.push("--set".into());
        args.push(s.into());
    }
    args
}

/// What to run by hand when palisade cannot: `helm template … | palisade scan -`.
pub fn helm_pipe_hint(dir: &Path, opts: &RenderOptions) -> String {
    let args = helm_args(dir, opts);
    // the same command without the flags palisade adds for itself
    let mut shown: Vec<OsString> = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--namespace" && opts.namespace == "default" {
            it.next();
            continue;
        }
        if a == "--include-crds" {
            continue;
        }
        shown.push(a);
    }
    format!("{} | palisade scan -", shell_line("helm", &shown))
}

/// Renders the chart in `dir` with `helm template`.
pub fn render_chart(
    dir: &Path,
    opts: &RenderOptions,
    limits: &palisade_yaml::Limits,
) -> Result<Rendered, RenderError> {
    let (program, configured) = match from_env("PALISADE_HELM") {
        Some(p) => (p, true),
        None => ("helm".into(), false),
    };
    let args = helm_args(dir, opts);
    let hint = helm_pipe_hint(dir, opts);
    let command = shell_line(&program.to_string_lossy(), &args);
    let ran = run::run(&program, &args, opts.timeout, opts.max_output).map_err(|e| match e {
        RunError::NotFound if configured => RenderError::Missing(format!(
            "cannot render the chart: PALISADE_HELM is {}, which does not exist; \
             point it at helm (v3 or v4), or render the chart yourself and pipe it in: {hint}",
            program.to_string_lossy()
        )),
        RunError::NotFound => RenderError::Missing(format!(
            "cannot render the chart: helm is not installed (no `helm` on PATH; \
             install helm v3 or v4, or set PALISADE_HELM to its path), \
             or render it yourself and pipe it in: {hint}"
        )),
        other => describe(other, "helm template", &command, opts.timeout, &[]),
    })?;
    let mut rendered = split_helm(dir, &ran.stdout, limits);
    rendered.command = command;
    Ok(rendered)
}

/// The error for a run that did not end well.
fn describe(
    e: RunError,
    what: &str,
    command: &str,
    timeout: Duration,
    replace: &[(String, String)],
) -> RenderError {
    match e {
        RunError::NotFound => RenderError::Missing(format!("{what}: not found")),
        RunError::Spawn(e) => RenderError::Failed(format!("cannot run `{command}`: {e}")),
        RunError::TimedOut => RenderError::TimedOut(format!(
            "`{what}` did not finish within {} s and was stopped \
             (a renderer waiting for something? raise --render-timeout if it is only slow): {command}",
            timeout.as_secs_f64()
        )),
        RunError::TooLarge => RenderError::Failed(format!(
            "`{what}` printed more than the input limit (raise --max-file-size)"
        )),
        RunError::Failed(msg) => {
            // Helm's advice about its own flag is no help here
            let mut msg = msg
                .lines()
                .filter(|l| !l.starts_with("Use --debug flag"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string();
            for (from, to) in replace {
                msg = msg.replace(from.as_str(), to);
            }
            // the end of a long message is the part that names the cause
            let lines: Vec<&str> = msg.lines().collect();
            let shown = if lines.len() > 20 {
                format!("…\n{}", lines[lines.len() - 20..].join("\n"))
            } else {
                msg
            };
            RenderError::Failed(format!("{what} failed: {shown}"))
        }
    }
}

/// The documents of `helm template` output, each located in its template.
fn split_helm(dir: &Path, text: &str, limits: &palisade_yaml::Limits) -> Rendered {
    // `# Source: CHART/templates/FILE` after each `---`: (line, source)
    let mut sources: Vec<(u32, &str)> = Vec::new();
    let mut doc_start = 1u32;
    for (i, l) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if l.starts_with("---") {
            doc_start = n;
        } else if let Some(s) = l.strip_prefix("# Source: ") {
            sources.push((doc_start, s.trim()));
        }
    }
    let stream = palisade_yaml::parse_stream(text, limits);
    let output_name = format!("{} (rendered)", dir.display());
    let mut templates: HashMap<String, Option<String>> = HashMap::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut documents = Vec::new();
    for d in stream.documents {
        let mut root = d.root;
        let source = sources
            .iter()
            .rev()
            .find(|(start, _)| *start <= root.line)
            .map(|(_, s)| *s);
        let Some(source) = source else {
            documents.push(Doc {
                root,
                file: output_name.clone(),
                located: false,
            });
            continue;
        };
        let path = template_path(dir, source);
        let shown = path.as_ref().map_or_else(
            || dir.join(source.split_once('/').map_or(source, |(_, r)| r)),
            Clone::clone,
        );
        let shown = shown.display().to_string();
        let kind = root.get_str("kind").unwrap_or_default().to_string();
        let ordinal = seen.entry((shown.clone(), kind)).or_default();
        let text = templates
            .entry(shown.clone())
            .or_insert_with(|| path.and_then(|p| std::fs::read_to_string(p).ok()));
        let located = text
            .as_deref()
            .is_some_and(|t| locate::Template::new(t).relocate(&mut root, *ordinal));
        *ordinal += 1;
        documents.push(Doc::new(root, shown, located));
    }
    Rendered {
        documents,
        errors: stream.errors,
        output_name,
        command: String::new(),
    }
}

/// The file under the chart in `dir` that `# Source: CHART/…` names, when it
/// exists (a packaged subchart's templates are inside its archive).
fn template_path(dir: &Path, source: &str) -> Option<PathBuf> {
    let mut parts = source.split('/');
    parts.next()?; // the chart's name
    let parts: Vec<&str> = parts.collect();
    let mut chart = dir.to_path_buf();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "charts" {
        let sub = parts[i + 1];
        let direct = chart.join("charts").join(sub);
        chart = if is_chart(&direct) {
            direct
        } else {
            // a subchart whose directory is not named after it
            std::fs::read_dir(chart.join("charts"))
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| is_chart(p) && chart_name(p).as_deref() == Some(sub))?
        };
        i += 2;
    }
    let file = parts[i..].iter().fold(chart, |p, c| p.join(c));
    file.is_file().then_some(file)
}

/// The kustomize to run: `(program, arguments before the directory, name)`.
fn kustomize_program() -> Option<(OsString, Vec<OsString>)> {
    let kubectl_style = |p: &Path| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("kubectl"))
    };
    if let Some(p) = from_env("PALISADE_KUSTOMIZE") {
        let sub = if kubectl_style(Path::new(&p)) {
            "kustomize"
        } else {
            "build"
        };
        return Some((p, vec![sub.into()]));
    }
    if let Some(p) = on_path("kubectl") {
        return Some((p.into(), vec!["kustomize".into()]));
    }
    on_path("kustomize").map(|p| (p.into(), vec!["build".into()]))
}

/// Builds the kustomization in `dir` with `kubectl kustomize` (or
/// `kustomize build`), each object located in its source file.
pub fn build_kustomization(
    dir: &Path,
    opts: &RenderOptions,
    limits: &palisade_yaml::Limits,
) -> Result<Rendered, RenderError> {
    let hint = format!(
        "kubectl kustomize {} | palisade scan -",
        shell_word(&dir.display().to_string())
    );
    let Some((program, mut args)) = kustomize_program() else {
        return Err(RenderError::Missing(format!(
            "cannot build the kustomization: neither `kubectl` nor `kustomize` is on PATH \
             (install one, or set PALISADE_KUSTOMIZE to its path), \
             or build it yourself and pipe it in: {hint}"
        )));
    };
    let name = if args[0] == "kustomize" {
        "kubectl kustomize"
    } else {
        "kustomize build"
    };
    let failed = |m: String| RenderError::Failed(format!("cannot build the kustomization: {m}"));
    let real = dir.canonicalize().map_err(|e| failed(e.to_string()))?;
    // a kustomization of our own that lists the user's as its one resource
    // (or component) and asks for origin annotations: the user's files stay
    // as they are
    let wrapper = tempfile::Builder::new()
        .prefix("palisade-kustomize-")
        .tempdir()
        .map_err(|e| failed(e.to_string()))?;
    let wrapper_real = wrapper
        .path()
        .canonicalize()
        .map_err(|e| failed(e.to_string()))?;
    let rel = relative(&real, &wrapper_real);
    let rel_text = rel.to_string_lossy().replace('\\', "/");
    std::fs::write(
        wrapper_real.join("kustomization.yaml"),
        format!(
            "# written by palisade: builds {} with origin annotations\n{}:\n- {}\nbuildMetadata: [originAnnotations]\n",
            real.display(),
            if is_component(dir) {
                "components"
            } else {
                "resources"
            },
            json_string(&rel_text)
        ),
    )
    .map_err(|e| failed(e.to_string()))?;
    args.push(wrapper_real.as_os_str().into());
    let shown_command = format!("{name} {}", shell_word(&dir.display().to_string()));
    let replace = vec![
        (rel_text.clone(), dir.display().to_string()),
        (
            wrapper_real.display().to_string(),
            "(palisade's wrapper)".into(),
        ),
    ];
    let ran = run::run(&program, &args, opts.timeout, opts.max_output).map_err(|e| match e {
        RunError::NotFound => RenderError::Missing(format!(
            "cannot build the kustomization: PALISADE_KUSTOMIZE is {}, which does not exist; \
             point it at kubectl or kustomize, or build it yourself and pipe it in: {hint}",
            program.to_string_lossy()
        )),
        other => describe(other, name, &shown_command, opts.timeout, &replace),
    })?;
    let stream = palisade_yaml::parse_stream(&ran.stdout, limits);
    let output_name = format!("{} (rendered)", dir.display());
    let mut sources: HashMap<PathBuf, Option<Vec<Node>>> = HashMap::new();
    let mut documents = Vec::new();
    for d in stream.documents {
        let mut root = d.root;
        let origin = take_origin(&mut root);
        let source = origin
            .as_ref()
            .and_then(|o| o.get_str("path"))
            .filter(|_| origin.as_ref().and_then(|o| o.get("repo")).is_none())
            .map(|p| lexical(&wrapper_real.join(p)));
        let Some(source) = source else {
            documents.push(Doc {
                root,
                file: output_name.clone(),
                located: false,
            });
            continue;
        };
        let shown = lexical(&dir.join(relative(&source, &real)))
            .display()
            .to_string();
        let docs = sources.entry(source.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(&source).ok()?;
            Some(
                palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default())
                    .documents
                    .into_iter()
                    .map(|d| d.root)
                    .collect(),
            )
        });
        let twin = docs.as_deref().and_then(|docs| source_twin(&root, docs));
        let located = match twin {
            Some(t) => {
                locate::relocate_like(&mut root, t);
                true
            }
            None => false,
        };
        documents.push(Doc::new(root, shown, located));
    }
    drop(wrapper);
    Ok(Rendered {
        documents,
        errors: stream.errors,
        output_name,
        command: shown_command,
    })
}

/// The document of a source file that a built object came from: the same
/// kind, and the name it had before a prefix or suffix was added.
fn source_twin<'a>(built: &Node, docs: &'a [Node]) -> Option<&'a Node> {
    let kind = built.get_str("kind")?;
    let name = built
        .get("metadata")
        .and_then(|m| m.get_str("name"))
        .unwrap_or_default();
    let same_kind: Vec<&Node> = docs
        .iter()
        .filter(|d| d.get_str("kind") == Some(kind))
        .collect();
    let source_name = |d: &Node| {
        d.get("metadata")
            .and_then(|m| m.get_str("name"))
            .unwrap_or_default()
            .to_string()
    };
    same_kind
        .iter()
        .find(|d| source_name(d) == name)
        .or_else(|| {
            same_kind
                .iter()
                .filter(|d| !source_name(d).is_empty() && name.contains(&source_name(d)))
                .max_by_key(|d| source_name(d).len())
        })
        .or_else(|| (same_kind.len() == 1).then(|| &same_kind[0]))
        .copied()
}

/// Removes kustomize's origin annotation from the object (and `annotations`
/// when nothing else is left in it), returning the origin it names.
fn take_origin(root: &mut Node) -> Option<Node> {
    let Value::Map(m) = &mut root.value else {
        return None;
    };
    let meta = m.get_mut("metadata")?;
    let Value::Map(meta) = &mut meta.value else {
        return None;
    };
    let annotations = meta.get_mut("annotations")?;
    let Value::Map(a) = &mut annotations.value else {
        return None;
    };
    let i = a.entries.iter().position(|(k, _)| k == ORIGIN_ANNOTATION)?;
    let (_, origin) = a.entries.remove(i);
    if a.entries.is_empty() {
        meta.entries.retain(|(k, _)| k != "annotations");
    }
    let text = origin.as_str()?;
    palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default())
        .documents
        .into_iter()
        .next()
        .map(|d| d.root)
}

/// A string as JSON writes it (valid YAML).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `path` relative to the directory `base` (both absolute, without `..`).
fn relative(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `path` with `.` and `dir/..` removed, as text (symbolic links are not
/// followed: the path is the one the user would open).
fn lexical(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    let p: PathBuf = out.iter().map(|c| c.as_os_str()).collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}

#[cfg(test)]
mod tests;

//! Where output goes, and whether it is coloured.

use crate::cli::{ColorChoice, InputArgs};
use palisade_source::LoadOptions;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Writes `text` to `path` or stdout. Returns an error message on failure.
pub fn emit(text: &str, path: Option<&Path>) -> Result<(), String> {
    emit_with(path, |w| w.write_all(text.as_bytes()))
}

/// Streams output produced by `f` to `path` or stdout, buffered.
pub fn emit_with(
    path: Option<&Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    // `-o -`: standard output, as when no file is named
    let path = path.filter(|p| *p != Path::new("-"));
    let result = match path {
        Some(p) => open_output(p, Access::Report).and_then(|file| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            f(&mut w)?;
            w.flush()
        }),
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            f(&mut w).and_then(|_| w.flush())
        }
    };
    match result {
        Ok(()) => Ok(()),
        // `palisade scan … | head` is not an error
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(match path {
            Some(p) => format!("{}: {e}", p.display()),
            None => format!("stdout: {e}"),
        }),
    }
}

/// How a file palisade writes is protected.
#[derive(Clone, Copy)]
enum Access {
    /// A report: created owner-only (it names findings); an existing file
    /// keeps its mode.
    Report,
    /// Keys and tokens: owner-only, an existing file narrowed too.
    Secret,
    /// Certificates, manifests, flags: the usual mode.
    Public,
}

/// The inputs of this run (files and directories, canonical), so that `-o`
/// never overwrites one of them unless `--force`.
static INPUTS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
static FORCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--force`: `-o` may overwrite an input.
pub fn set_force(force: bool) {
    FORCE.store(force, std::sync::atomic::Ordering::Relaxed);
}

/// Records the paths this run reads.
pub fn note_inputs(paths: &[std::path::PathBuf]) {
    let mut inputs = INPUTS.lock().unwrap_or_else(|e| e.into_inner());
    inputs.extend(paths.iter().filter_map(|p| p.canonicalize().ok()));
}

/// `p` is an input file, or a manifest inside an input directory (what the
/// next run would read).
fn is_input(p: &Path) -> bool {
    let Ok(canon) = p.canonicalize() else {
        return false;
    };
    let manifest = matches!(
        canon.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "tf")
    );
    let inputs = INPUTS.lock().unwrap_or_else(|e| e.into_inner());
    inputs
        .iter()
        .any(|i| *i == canon || (manifest && i.is_dir() && canon.starts_with(i)))
}

/// Opens a file palisade writes, never through a symbolic link (a link
/// planted where a report goes would redirect it anywhere), and never over
/// one of the run's inputs unless `--force`.
fn open_output(p: &Path, access: Access) -> std::io::Result<std::fs::File> {
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other(
            "is a symbolic link: palisade does not write through links (name the target)",
        ));
    }
    if matches!(access, Access::Report)
        && !FORCE.load(std::sync::atomic::Ordering::Relaxed)
        && is_input(p)
    {
        return Err(std::io::Error::other(
            "is one of the inputs: palisade does not overwrite what it reads \
             (name another file, or add --force)",
        ));
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if !matches!(access, Access::Public) {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(p)?;
    #[cfg(unix)]
    if matches!(access, Access::Secret) {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = access;
    Ok(f)
}

/// Colour when asked, or when writing to a terminal and `NO_COLOR` is unset.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

pub fn load_options(i: &InputArgs) -> LoadOptions {
    LoadOptions {
        default_namespace: i.namespace.clone().unwrap_or_else(|| "default".into()),
        max_file_size: i.max_file_size.saturating_mul(1024 * 1024),
        no_ignore: i.no_ignore,
        var_files: i.var_files.clone(),
        render: Some(palisade_source::RenderOptions {
            values: i.values.clone(),
            set: i.set.clone(),
            release: i.release.clone(),
            namespace: i.namespace.clone().unwrap_or_else(|| "default".into()),
            timeout: std::time::Duration::from_secs(i.render_timeout),
            max_output: i.max_file_size.saturating_mul(1024 * 1024),
        }),
        helm: i.helm.clone(),
        limits: palisade_yaml::Limits {
            max_bytes: usize::try_from(i.max_memory.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            ..Default::default()
        },
    }
}

/// Prints an error for a misused command and returns the exit code.
pub fn usage_error(msg: impl std::fmt::Display) -> u8 {
    eprintln!("palisade: {msg}");
    crate::exit::INPUT_ERROR
}

/// Reads the files and, with `--cluster`, the live cluster; cluster
/// warnings (kinds skipped for lack of permission) go to stderr. `Err` when
/// the cluster cannot be read at all.
pub fn load_input(i: &InputArgs) -> Result<palisade_source::Loaded, String> {
    note_inputs(&i.paths);
    note_inputs(&i.helm);
    let mut loaded = if i.paths.is_empty() && i.helm.is_empty() {
        palisade_source::Loaded::default()
    } else {
        palisade_source::load(&i.paths, &load_options(i))
    };
    if i.cluster {
        let opts = palisade_live::LiveOptions {
            kubeconfig: i.kubeconfig.clone(),
            context: i.context.clone(),
            namespace: i.namespace.clone(),
            timeout: std::time::Duration::from_secs(i.request_timeout.max(1)),
            page_size: i.page_size,
            progress: std::io::stderr().is_terminal(),
            ..Default::default()
        };
        let fetched = palisade_live::fetch(&opts).map_err(|e| format!("cluster: {e}"))?;
        for w in &fetched.warnings {
            eprintln!("palisade: warning: {w}");
        }
        if let Some(path) = &i.dump {
            std::fs::write(path, palisade_live::to_yaml_list(&fetched.raw))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        loaded.files += 1;
        loaded.server_version = fetched.server_version;
        loaded.objects.extend(fetched.objects);
        loaded.errors.extend(fetched.errors);
    }
    // nothing scanned is not a pass: an empty directory, a chart's
    // unrendered templates or a folder of CI files end with exit 2
    if !(i.paths.is_empty() && i.helm.is_empty())
        && let Some(why) = loaded.nothing_read()
    {
        return Err(why);
    }
    // manifests meant for `kubectl apply -n NS`, read without it
    if !i.cluster
        && let Some(a) =
            palisade_model::namespaces::namespace_advice(&loaded.objects, i.namespace.as_deref())
    {
        eprintln!("palisade: note: {}", a.message);
    }
    // custom resources of operators palisade does not know: said once
    if let Some(note) = palisade_model::kinds::unknown_kinds_note(&loaded.objects) {
        eprintln!("palisade: note: {note}");
    }
    Ok(loaded)
}

/// `PALISADE_TIMINGS=1`: each phase's duration and the peak memory so far,
/// on stderr.
pub struct Phases {
    on: bool,
    clock: std::time::Instant,
}

impl Phases {
    pub fn new() -> Self {
        Phases {
            on: std::env::var_os("PALISADE_TIMINGS").is_some(),
            clock: std::time::Instant::now(),
        }
    }

    /// Ends the phase `name` and starts the next.
    pub fn mark(&mut self, name: &str) {
        if self.on {
            let hwm = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .map(|l| l[6..].trim().to_string())
                })
                .unwrap_or_default();
            eprintln!(
                "palisade: {name}: {:.3}s (peak RSS so far {hwm})",
                self.clock.elapsed().as_secs_f64()
            );
        }
        self.clock = std::time::Instant::now();
    }
}

/// Writes a file; `secret` files (keys, tokens) are owner-only (0600).
pub fn write_file(path: &std::path::Path, content: &str, secret: bool) -> std::io::Result<()> {
    let access = if secret {
        Access::Secret
    } else {
        Access::Public
    };
    open_output(path, access)?.write_all(content.as_bytes())
}

/// The input as a model; read errors printed to stderr and returned (the
/// rest is still analysed), a usage error's exit code otherwise.
pub fn load_model(
    input: &InputArgs,
) -> Result<(palisade_model::Model, Vec<palisade_findings::InputError>), u8> {
    let loaded = load_input(input).map_err(usage_error)?;
    for e in &loaded.errors {
        eprintln!("palisade: {e}");
    }
    Ok((palisade_model::Model::new(loaded.objects), loaded.errors))
}

/// The table's width: the terminal's (between 60 and 160 columns) when
/// standard output is one and nothing else is named, else 100.
pub fn table_width(to_file: bool) -> usize {
    use std::io::IsTerminal;
    if !to_file
        && std::io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        return usize::from(w).clamp(60, 160);
    }
    100
}

/// `palisade fix PATH…` for the input, for the table's hint (none for a
/// live cluster, which `fix` does not edit).
pub fn fix_command(input: &InputArgs) -> Option<String> {
    if input.paths.is_empty() || input.paths.iter().any(|p| p.as_os_str() == "-") {
        return None;
    }
    let paths: Vec<String> = input
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    Some(format!("palisade fix {}", paths.join(" ")))
}

/// A namespace the user named that the input neither declares nor uses:
/// said once on stderr, with the closest one that exists. The answer is
/// still given (RBAC grants through ClusterRoleBindings reach every
/// namespace), so this is a warning, not an error.
pub fn warn_unknown_namespace(model: &palisade_model::Model, namespace: Option<&str>) {
    let Some(ns) = namespace else { return };
    // `-n` also names the namespace of objects that set none, so only the
    // declared Namespaces and the API server's own count as known
    let mut known: Vec<String> = model.of_kind("Namespace").map(|o| o.name.clone()).collect();
    if known.is_empty() {
        return;
    }
    known.extend(palisade_model::BUILTIN_NAMESPACES.map(String::from));
    known.sort();
    known.dedup();
    if known.iter().any(|k| k == ns) {
        return;
    }
    let hint =
        match palisade_findings::suggest::closest(ns, known.iter().map(String::as_str), |d, c| {
            d <= 2.max(c.len() / 3)
        }) {
            Some(near) => format!("; did you mean {near}?"),
            None => format!(" (it has {})", known.join(", ")),
        };
    eprintln!("palisade: warning: namespace {ns} is not in the input{hint}");
}

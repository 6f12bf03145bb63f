//! `palisade fix`: scan, apply each finding's fix to its file at the
//! located node, write atomically (or print a diff), scan again to check
//! the fixed findings are gone.

use crate::cli::FixArgs;
use crate::exit;
use crate::output::usage_error;
use palisade_findings::{Applicability, Finding, Severity};
use palisade_fix::Outcome;
use palisade_model::Model;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One finding to fix, with where its object starts.
struct Job {
    finding: Finding,
    obj_line: u32,
    obj_col: u32,
    /// The object as the scan read it (to notice files changed since).
    raw: serde_json::Value,
}

/// Where each object starts, and what it was, as the scan read it.
type Positions = Vec<(Arc<palisade_model::ObjectRef>, u32, u32, serde_json::Value)>;

fn scan(
    paths: &[PathBuf],
    namespace: &Option<String>,
) -> (palisade_source::Loaded, Vec<Finding>, Positions) {
    let opts = palisade_source::LoadOptions {
        default_namespace: namespace.clone().unwrap_or_else(|| "default".into()),
        ..Default::default()
    };
    let mut loaded = palisade_source::load(paths, &opts);
    let model = Model::new(std::mem::take(&mut loaded.objects));
    // after the model: it names the workloads of absent owners anew
    let positions: Vec<_> = model
        .objects()
        .iter()
        .map(|o| {
            (
                o.reference.clone(),
                o.raw.line,
                o.raw.column,
                o.raw.to_json(),
            )
        })
        .collect();
    let outcome = palisade_checks::run(&model, &palisade_checks::Settings::default());
    (loaded, outcome.findings, positions)
}

/// The value at `path` in an object as JSON.
fn json_at<'a>(
    v: &'a serde_json::Value,
    path: &palisade_value::Path,
) -> Option<&'a serde_json::Value> {
    path.segments().iter().try_fold(v, |v, s| match s {
        palisade_value::Seg::Key(k) => v.get(k.as_str()),
        palisade_value::Seg::Index(i) => v.get(*i),
    })
}

/// `IMAGE sha256:DIGEST` per line (`#` comments); the digest must look like one.
fn read_digests(p: &Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut out = HashMap::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let mut it = l.split_whitespace();
        let (Some(image), Some(d), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!(
                "{}:{}: expected `IMAGE sha256:DIGEST`",
                p.display(),
                i + 1
            ));
        };
        let hex = d.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{}:{}: {d:?} is not a sha256 digest",
                p.display(),
                i + 1
            ));
        }
        out.insert(image.to_string(), d.to_string());
    }
    Ok(out)
}

/// Replaces `path`'s content atomically. A symbolic link stays a link: its
/// target is what gets rewritten.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let path = resolved.as_path();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.palisade-fix.tmp"));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

pub fn run(args: FixArgs) -> u8 {
    for id in &args.checks {
        if palisade_checks::find(id).is_none() {
            return usage_error(palisade_checks::unknown_id(id));
        }
    }
    let min = args.min_severity.unwrap_or(Severity::Info);
    let digests = match &args.image_digests {
        Some(p) => match read_digests(p) {
            Ok(d) => d,
            Err(e) => return usage_error(e),
        },
        None => HashMap::new(),
    };
    let (loaded, mut findings, positions) = scan(&args.paths, &args.namespace);
    let raw_of: HashMap<*const palisade_model::ObjectRef, &serde_json::Value> = positions
        .iter()
        .map(|(r, _, _, raw)| (Arc::as_ptr(r), raw))
        .collect();
    // Digest pinning is safe once the digest is known: the same image, immutable.
    for f in findings
        .iter_mut()
        .filter(|f| f.check.id == "image-no-digest" && f.autofix.is_none())
    {
        // The finding's path is the container's `image` field.
        let image = match (raw_of.get(&Arc::as_ptr(&f.object)), &f.path) {
            (Some(raw), Some(p)) => json_at(raw, p).and_then(|v| v.as_str()).unwrap_or(""),
            _ => "",
        };
        if let (Some(d), Some(p)) = (digests.get(image), &f.path) {
            let pinned = format!("{}@{d}", image.split('@').next().unwrap_or(image));
            f.autofix = Some(palisade_findings::Autofix::safe(vec![
                palisade_findings::Edit::set(p.clone(), pinned),
            ]));
        }
    }
    for e in &loaded.errors {
        eprintln!("palisade: {e}");
    }
    let pos: HashMap<*const palisade_model::ObjectRef, (u32, u32, serde_json::Value)> = positions
        .into_iter()
        .map(|(r, l, c, raw)| (Arc::as_ptr(&r), (l, c, raw)))
        .collect();
    let wanted = |f: &Finding| {
        f.autofix.is_some()
            && f.severity >= min
            && (args.checks.is_empty() || args.checks.iter().any(|c| c == f.check.id))
    };
    let mut needs_unsafe = Vec::new();
    let mut by_file: BTreeMap<String, Vec<Job>> = BTreeMap::new();
    let mut not_fixable = 0usize;
    for f in findings {
        if !wanted(&f) {
            if f.autofix.is_none()
                && f.severity >= min
                && (args.checks.is_empty() || args.checks.iter().any(|c| c == f.check.id))
            {
                not_fixable += 1;
            }
            continue;
        }
        let fix = f.autofix.as_ref().expect("wanted");
        if fix.applicability == Applicability::Unsafe && !args.unsafe_ {
            needs_unsafe.push(f);
            continue;
        }
        let Some((l, c, raw)) = pos.get(&Arc::as_ptr(&f.object)).cloned() else {
            continue;
        };
        by_file
            .entry(f.location.file.to_string())
            .or_default()
            .push(Job {
                finding: f,
                obj_line: l,
                obj_col: c,
                raw,
            });
    }
    let mut applied: Vec<Finding> = Vec::new();
    let mut skipped: Vec<(Finding, String)> = Vec::new();
    let mut changed: Vec<PathBuf> = Vec::new();
    let mut secrets_made: Vec<(String, String)> = Vec::new();
    let mut io_error = false;
    let stdout = &mut std::io::stdout().lock();
    use std::io::Write;
    for (file, mut jobs) in by_file {
        let path = PathBuf::from(&file);
        let skip_all = |jobs: Vec<Job>, why: &str, skipped: &mut Vec<(Finding, String)>| {
            for j in jobs {
                skipped.push((j.finding, why.to_string()));
            }
        };
        let terraform = file.ends_with(".tf");
        if file.ends_with(".json") && !file.ends_with(".tf.json") {
            skip_all(
                jobs,
                "JSON manifests are not rewritten (no way to keep their layout); apply the fix shown by `palisade scan`",
                &mut skipped,
            );
            continue;
        }
        if file.ends_with(".tf.json") {
            skip_all(
                jobs,
                "Terraform JSON files are not rewritten; apply the fix shown by `palisade scan`",
                &mut skipped,
            );
            continue;
        }
        let original = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("palisade: {file}: {e}");
                io_error = true;
                continue;
            }
        };
        if original.contains("{{") {
            skip_all(
                jobs,
                "templated YAML ({{ … }}) cannot be edited safely",
                &mut skipped,
            );
            continue;
        }
        // Bottom-up, so edits never move an object still to be edited.
        jobs.sort_by_key(|j| std::cmp::Reverse((j.obj_line, j.obj_col)));
        let stream = if terraform {
            palisade_yaml::Stream::default()
        } else {
            palisade_yaml::parse_stream(&original, &palisade_yaml::Limits::default())
        };
        // Terraform: the resource must still be there, with its kind and name.
        let tf_now: HashMap<(u32, u32), (String, String)> = if terraform {
            palisade_hcl::load_module(
                &[(file.clone(), original.clone())],
                &[],
                &Default::default(),
            )
            .objects
            .iter()
            .map(|o| ((o.raw.line, o.raw.column), (o.kind.clone(), o.name.clone())))
            .collect()
        } else {
            HashMap::new()
        };
        let now: HashMap<(u32, u32), serde_json::Value> = stream
            .documents
            .iter()
            .flat_map(|d| {
                let mut v = vec![((d.root.line, d.root.column), d.root.to_json())];
                if let Some(items) = d.root.get("items").and_then(palisade_value::Node::as_seq) {
                    v.extend(items.iter().map(|i| ((i.line, i.column), i.to_json())));
                }
                v
            })
            .collect();
        let mut text = original.clone();
        // Values a diff must never show, on changed and context lines alike:
        // Secret data, credential env values, a Secret's last-applied copy.
        let mut secrets: Vec<String> = stream
            .documents
            .iter()
            .flat_map(|d| palisade_secrets::values_to_redact(&d.root))
            .collect();
        // Two passes: a fix refused because of another finding on the same
        // object (allowPrivilegeEscalation next to privileged) is tried again
        // once the others are in.
        let mut pending: Vec<Job> = Vec::new();
        for j in jobs {
            let unchanged = if terraform {
                tf_now.get(&(j.obj_line, j.obj_col)).is_some_and(|(k, n)| {
                    j.raw.get("kind").and_then(|v| v.as_str()) == Some(k.as_str())
                        && j.raw.pointer("/metadata/name").and_then(|v| v.as_str())
                            == Some(n.as_str())
                })
            } else {
                now.get(&(j.obj_line, j.obj_col)) == Some(&j.raw)
            };
            if !unchanged {
                skipped.push((j.finding, "the file changed since the scan".into()));
                continue;
            }
            // The literal being moved to a Secret: never shown in a diff.
            if j.finding.check.id == "env-literal-secret"
                && let Some(p) = &j.finding.path
                && let Some(v) = json_at(&j.raw, p).and_then(|v| v.as_str())
            {
                secrets.push(v.to_string());
            }
            pending.push(j);
        }
        // Object by object, bottom-up (the jobs are sorted so): a retry never
        // runs after an object above it has moved.
        let mut objects: Vec<Vec<Job>> = Vec::new();
        for j in pending {
            match objects.last_mut() {
                Some(g) if (g[0].obj_line, g[0].obj_col) == (j.obj_line, j.obj_col) => g.push(j),
                _ => objects.push(vec![j]),
            }
        }
        for mut pending in objects {
            for pass in 0..2 {
                let mut retry = Vec::new();
                for j in std::mem::take(&mut pending) {
                    let fix = j.finding.autofix.as_ref().expect("has a fix");
                    let (next, outcomes) = if terraform {
                        palisade_fix::hcl::apply(&file, &text, j.obj_line, j.obj_col, &fix.edits)
                    } else {
                        palisade_fix::apply(&text, j.obj_line, j.obj_col, &fix.edits)
                    };
                    match outcomes.iter().find_map(|o| match o {
                        Outcome::Skipped(why) => Some(why.clone()),
                        _ => None,
                    }) {
                        Some(why) if pass == 0 && why.contains("rejects") => retry.push(j),
                        Some(why) => skipped.push((j.finding, why)),
                        None => {
                            if j.finding.check.id == "env-literal-secret"
                                && let Some(palisade_findings::Edit::Set { value, .. }) =
                                    fix.edits.get(1)
                            {
                                let name = value
                                    .pointer("/secretKeyRef/name")
                                    .and_then(|v| v.as_str())
                                    .unwrap_or("")
                                    .to_string();
                                let key = value
                                    .pointer("/secretKeyRef/key")
                                    .and_then(|v| v.as_str())
                                    .unwrap_or("")
                                    .to_string();
                                secrets_made.push((name, key));
                            }
                            // All "already done": an earlier fix on the object covered it.
                            text = next;
                            applied.push(j.finding);
                        }
                    }
                }
                pending = retry;
            }
        }
        if text == original {
            continue;
        }
        if args.diff {
            let d = similar::TextDiff::from_lines(&original, &text);
            let patch = d
                .unified_diff()
                .context_radius(3)
                .header(&file, &file)
                .to_string();
            let _ = write!(stdout, "{}", palisade_redact::text(&patch, &secrets));
        } else if !args.dry_run
            && let Err(e) = write_atomically(&path, &text)
        {
            eprintln!("palisade: {file}: not written: {e}");
            io_error = true;
            continue;
        }
        changed.push(path);
    }
    // Report.
    let verb = if args.diff || args.dry_run {
        "would fix"
    } else {
        "fixed"
    };
    let mut report = String::new();
    for f in &applied {
        report.push_str(&format!(
            "{verb}  {}:{}  {}  {}\n",
            f.location.file, f.location.line, f.check.id, f.message
        ));
    }
    for (f, why) in &skipped {
        report.push_str(&format!(
            "skipped  {}:{}  {}  {why}\n",
            f.location.file, f.location.line, f.check.id
        ));
    }
    for f in &needs_unsafe {
        let caution = f
            .autofix
            .as_ref()
            .and_then(|a| a.caution.as_deref())
            .unwrap_or("");
        report.push_str(&format!(
            "needs --unsafe  {}:{}  {}  {caution}\n",
            f.location.file, f.location.line, f.check.id
        ));
    }
    let mut seen = HashSet::new();
    for (name, key) in &secrets_made {
        if seen.insert((name.clone(), key.clone())) {
            report.push_str(&format!(
                "create the Secret before rolling out (value not shown): kubectl create secret generic {name} --from-literal={key}=<the value>\n"
            ));
        }
    }
    // Scan again: the fixed findings must be gone.
    let mut remaining = 0usize;
    if !args.diff && !args.dry_run && !changed.is_empty() {
        let (_, after, _) = scan(&changed, &args.namespace);
        for f in &applied {
            let still = after.iter().any(|a| {
                a.check.id == f.check.id
                    && *a.object == *f.object
                    && a.path == f.path
                    && a.location.file == f.location.file
            });
            if still {
                remaining += 1;
                report.push_str(&format!(
                    "still reported after the fix  {}:{}  {}\n",
                    f.location.file, f.location.line, f.check.id
                ));
            }
        }
    }
    report.push_str(&format!(
        "{} finding(s) {verb} in {} file(s); {} skipped; {} need --unsafe; {} without an automatic fix{}\n",
        applied.len(),
        changed.len(),
        skipped.len(),
        needs_unsafe.len(),
        not_fixable,
        if remaining > 0 { format!("; {remaining} still reported") } else { String::new() }
    ));
    if args.diff {
        eprint!("{report}");
    } else {
        let _ = write!(stdout, "{report}");
    }
    if io_error || !loaded.errors.is_empty() {
        exit::INPUT_ERROR
    } else if remaining > 0
        || !skipped.is_empty()
        || !needs_unsafe.is_empty()
        || ((args.diff || args.dry_run) && !applied.is_empty())
    {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

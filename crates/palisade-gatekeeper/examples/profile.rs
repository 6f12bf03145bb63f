//! Where a Gatekeeper review spends its time: every template and sample
//! constraint of the library, applied to the same AdmissionReviews as
//! `bench/admission.sh` (workloads and Ingresses of the given manifests).
//!
//! ```text
//! cargo run --release -p palisade-gatekeeper --example profile -- \
//!     LIBRARY_DIR [--objects PATH]... [--iterations N] [--cold] [--dump FILE]
//! ```
//!
//! Prints, per constraint, the reviews it matched, the mean µs of one
//! evaluation (that constraint alone in a set, so its own match, input and
//! Rego; no result cache), then the whole set's mean µs per review without
//! the cache and with it (the reviews repeat, as in the load test, so all
//! but the first round are answered from it). `--cold` renames the objects
//! in each round, so even the cached set never hits. `--dump FILE` writes,
//! per constraint, its template, parameters, the reviews it matched
//! (`input.review`), palisade's µs per evaluation and violations per
//! review, for `bench/opa_side_by_side.sh`.

use palisade_gatekeeper::{PolicySet, Review};
use palisade_source::{LoadOptions, load};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The allocator of the palisade binary, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(dir: &Path, pred: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, pred, out);
        } else if pred(&p) {
            out.push(p);
        }
    }
}

fn reviews(paths: &[PathBuf]) -> Vec<Review> {
    let loaded = load(paths, &LoadOptions::default());
    let mut out = Vec::new();
    for o in &loaded.objects {
        if o.pod_template().is_none() && o.kind != "Ingress" {
            continue;
        }
        let group = o.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        let version = o.api_version.rsplit('/').next().unwrap_or("v1");
        let req = json!({
            "kind": {"group": group, "version": version, "kind": o.kind},
            "name": o.name, "namespace": o.namespace.clone().unwrap_or_default(),
            "operation": "CREATE",
            "userInfo": {"username": "bench", "groups": ["system:authenticated"]},
            "object": o.admitted_json(),
        });
        out.push(Review::from_request(&req));
    }
    out
}

fn renamed(r: &Review, i: usize) -> Review {
    let mut r = r.clone();
    r.name = format!("{}-{i}", r.name);
    if let Some(Json::Object(meta)) = r.object.get_mut("metadata") {
        meta.insert("name".into(), Json::String(r.name.clone()));
    }
    r
}

fn main() {
    let mut args = std::env::args().skip(1);
    let lib = PathBuf::from(args.next().expect("LIBRARY_DIR"));
    let mut objects = Vec::new();
    let mut iterations = 20usize;
    let mut cold = false;
    let mut dump: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dump" => dump = Some(PathBuf::from(args.next().expect("FILE"))),
            "--objects" => objects.push(PathBuf::from(args.next().expect("PATH"))),
            "--iterations" => iterations = args.next().expect("N").parse().expect("N"),
            "--cold" => cold = true,
            other => panic!("unknown argument {other}"),
        }
    }
    if objects.is_empty() {
        objects.push(lib.clone());
    }
    let mut policy_files = Vec::new();
    files(
        &lib,
        &|p| p.file_name().is_some_and(|n| n == "template.yaml"),
        &mut policy_files,
    );
    let templates = policy_files.len();
    files(
        &lib,
        &|p| {
            p.file_name().is_some_and(|n| n == "constraint.yaml")
                && p.components().any(|c| c.as_os_str() == "samples")
        },
        &mut policy_files,
    );
    let t = Instant::now();
    let loaded = load(&policy_files, &LoadOptions::default());
    let (cached, errors) = PolicySet::from_objects(&loaded.objects);
    let mut set = cached.clone();
    set.set_cache_bytes(0);
    eprintln!(
        "{templates} templates, {} constraints loaded in {:?} ({} errors)",
        set.constraints().len(),
        t.elapsed(),
        errors.len()
    );
    let reviews = reviews(&objects);
    eprintln!("{} reviews", reviews.len());
    let batches: Vec<Vec<Review>> = (0..iterations)
        .map(|i| {
            if cold {
                reviews.iter().map(|r| renamed(r, i)).collect()
            } else {
                reviews.clone()
            }
        })
        .collect();

    // the whole set, without and with the result cache
    let n = (iterations * reviews.len()) as f64;
    let mut matched = 0;
    let mut violations = 0;
    let mut whole = [0.0; 2];
    for (i, s) in [&set, &cached].into_iter().enumerate() {
        let t = Instant::now();
        for b in &batches {
            for r in b {
                let o = s.review(r);
                if i == 0 {
                    matched += o.matched;
                    violations += o.violations.len();
                }
            }
        }
        whole[i] = t.elapsed().as_secs_f64() * 1e6 / n;
    }

    // each constraint alone
    let mut rows = Vec::new();
    let mut dumped = Vec::new();
    for lc in set.constraints() {
        let one = set.only(&lc.constraint.name, &lc.constraint.kind);
        let hit: Vec<&Review> = reviews
            .iter()
            .filter(|r| one.review(r).matched > 0)
            .collect();
        let hits = hit.len();
        if hits == 0 {
            rows.push((
                0.0,
                0,
                lc.constraint.kind.clone(),
                lc.constraint.name.clone(),
            ));
            continue;
        }
        let t = Instant::now();
        for b in &batches {
            for r in b {
                one.review(r);
            }
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / (iterations * hits) as f64;
        if dump.is_some() {
            dumped.push(json!({
                "kind": lc.constraint.kind,
                "name": lc.constraint.name,
                "parameters": lc.constraint.parameters,
                "palisade_us": per,
                "reviews": hit.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
                "violations": hit.iter().map(|r| one.review(r).violations.len()).collect::<Vec<_>>(),
            }));
        }
        rows.push((
            per,
            hits,
            lc.constraint.kind.clone(),
            lc.constraint.name.clone(),
        ));
    }
    if let Some(path) = &dump {
        let doc = json!({"reviews": reviews.len(), "constraints": dumped});
        std::fs::write(path, serde_json::to_vec(&doc).expect("JSON")).expect("--dump FILE");
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("| constraint | reviews matched | µs per evaluation |");
    println!("|---|---:|---:|");
    let mut sum = 0.0;
    for (per, hits, kind, name) in &rows {
        sum += per * *hits as f64;
        println!("| {kind}/{name} | {hits} | {per:.1} |");
    }
    println!();
    let evals = matched as f64 / n;
    println!(
        "whole set: {:.1} µs per review without the cache ({evals:.1} constraints matched per review, {:.1} µs per evaluation; sum of the constraints alone {:.1} µs per review; {} violations per round), {:.1} µs with it{} ({:?})",
        whole[0],
        whole[0] / evals,
        sum / reviews.len() as f64,
        violations / iterations,
        whole[1],
        if cold {
            " (cold: objects renamed each round)"
        } else {
            ""
        },
        cached.cache(),
    );
}

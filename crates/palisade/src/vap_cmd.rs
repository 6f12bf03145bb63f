//! `palisade generate admission-policy`: glue for `palisade_vap::generate`
//! (options from flags and `.palisade.yaml`), and a dry run of the
//! generated policies on the given manifests or cluster.

use crate::cli::{AdmissionPolicyArgs, InputArgs};
use crate::exit;
use crate::output::{emit, load_input, usage_error};
use clap::{FromArgMatches, Parser};
use palisade_checks::Config;
use palisade_vap::generate::{Mode, Options, generate as build};

/// `InputArgs` with its defaults for these paths (or the cluster).
fn input_of(a: &AdmissionPolicyArgs) -> Result<InputArgs, String> {
    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        input: InputArgs,
    }
    let mut argv: Vec<std::ffi::OsString> = vec!["palisade".into()];
    argv.extend(a.paths.iter().map(|p| p.clone().into_os_string()));
    if a.cluster {
        argv.push("--cluster".into());
    }
    if let Some(k) = &a.kubeconfig {
        argv.push("--kubeconfig".into());
        argv.push(k.clone().into_os_string());
    }
    if let Some(c) = &a.context {
        argv.push("--context".into());
        argv.push(c.into());
    }
    let matches = <Wrap as clap::CommandFactory>::command()
        .try_get_matches_from(argv)
        .map_err(|e| e.to_string())?;
    Wrap::from_arg_matches(&matches)
        .map(|w| w.input)
        .map_err(|e| e.to_string())
}

pub fn generate(a: AdmissionPolicyArgs) -> u8 {
    let config_path = a.config.clone().or_else(|| Config::discover(&a.paths));
    let config = match &config_path {
        Some(p) => match Config::load(p) {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        },
        None => Config::default(),
    };
    let mode: Mode = match a.mode.parse() {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let pss_version = match a.pss_version.parse() {
        Ok(v) => v,
        Err(e) => return usage_error(format!("--pss-version: {e}")),
    };
    let default_level = match a
        .default_level
        .clone()
        .or_else(|| config.pss.as_ref().and_then(|p| p.level.clone()))
    {
        Some(l) => match l.parse::<palisade_pss::Level>() {
            Ok(palisade_pss::Level::Privileged) => None,
            Ok(l) => Some(l),
            Err(e) => return usage_error(format!("--default-level: {e}")),
        },
        None => None,
    };
    let exempt_namespaces = if !a.exempt_namespace.is_empty() {
        a.exempt_namespace.clone()
    } else if !config.exempt_namespaces.is_empty() {
        config.exempt_namespaces.clone()
    } else {
        vec!["kube-system".into()]
    };
    let opts = Options {
        mode,
        pss_version,
        params_namespace: a.params_namespace.clone(),
        level_label: a.level_label.clone(),
        default_level,
        exempt_namespaces,
        ingress_hosts: a.ingress_host.clone(),
        prefix: a.name_prefix.clone(),
        policies: a.policy.clone(),
    };
    let generated = match build(&opts) {
        Ok(g) => g,
        Err(e) => return usage_error(e),
    };
    let mut bad = false;
    if !a.paths.is_empty() || a.cluster {
        let input = match input_of(&a) {
            Ok(i) => i,
            Err(e) => return usage_error(e),
        };
        let loaded = match load_input(&input) {
            Ok(l) => l,
            Err(e) => return usage_error(e),
        };
        for e in &loaded.errors {
            eprintln!("palisade: {e}");
        }
        bad = !loaded.errors.is_empty();
        dry_run(&generated, &loaded.objects);
    }
    let text = if a.format == "terraform" {
        generated.to_terraform()
    } else {
        generated.to_yaml()
    };
    match emit(&text, a.output.as_deref()) {
        Ok(()) if bad => exit::INPUT_ERROR,
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}

/// Says on stderr what the generated policies would refuse or warn about
/// among `objects`.
fn dry_run(generated: &palisade_vap::generate::Generated, objects: &[palisade_model::Object]) {
    let policy_objects = generated.to_objects();
    let (set, errors) = palisade_vap::policy::PolicySet::from_objects(&policy_objects);
    for e in errors {
        eprintln!("palisade: {e}");
    }
    let findings = palisade_vap::eval::apply(&set, &policy_objects, objects);
    let objects: std::collections::BTreeSet<String> =
        findings.iter().map(|f| f.object.to_string()).collect();
    eprintln!(
        "palisade: the generated policies would act on {} object(s) of the input ({} validation(s) failed){}",
        objects.len(),
        findings.len(),
        if findings.is_empty() { "" } else { ":" }
    );
    for f in findings.iter().take(20) {
        eprintln!("  {}  {}  {}", f.location, f.object, f.message);
    }
    if findings.len() > 20 {
        eprintln!("  … and {} more", findings.len() - 20);
    }
}

//! The ValidatingAdmissionPolicies `palisade generate admission-policy`
//! writes, bound in the test bed, decide every upstream Pod Security
//! fixture (all levels and versions) as palisade does, and as palisade's
//! offline CEL evaluation of the same policies does: in Deny mode (the API
//! server refuses the server-side dry-run create) for every fixture, and in
//! Warn mode (it admits it with warnings) for the fixtures of v1.0, v1.25
//! and the newest version (one kubectl a pod: kubectl prints a repeated
//! warning once, so Warn cannot be batched).

use super::bed::{self, Bed};
use palisade_model::{Object, ObjectOptions, objects_from_document};
use palisade_vap::eval::Review;
use palisade_vap::policy::PolicySet;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const PARAMS: &str = "palisade-vap-proof";

fn objects(text: &str, file: &str) -> Vec<Object> {
    let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    assert!(stream.errors.is_empty(), "{file}: {:?}", stream.errors);
    let file: Arc<str> = Arc::from(file);
    stream
        .documents
        .into_iter()
        .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
        .map(|o| o.unwrap())
        .collect()
}

fn label(minor: &str) -> String {
    format!("pss-proof.palisade.dev/{minor}")
}

fn namespace(minor: &str, level: &str, mode: &str) -> String {
    format!("pss-{}-{level}-{mode}", minor.replace('.', "-"))
}

/// The generated policies for one version and mode, as the CLI writes them.
fn generated(minor: &str, mode: &str) -> String {
    bed::generate_policies(&[
        "--mode",
        mode,
        "--pss-version",
        minor,
        "--level-label",
        &format!("{}-{mode}", label(minor)),
        "--params-namespace",
        PARAMS,
        "--name-prefix",
        &format!("proof-{}-{mode}", minor.replace('.', "-")),
        "--policy",
        "pod-security",
    ])
}

/// What the API server said of each pod, created in `ns` with a
/// server-side dry run: `(denied, warned)`, or `None` when the API
/// server's own validation refused it before admission (an invalid pod:
/// some fixtures are, e.g. `procMount: Unmasked` without `hostUsers:
/// false`). (Fixture names are
/// not all valid object names: each pod is sent as `f<index>`.)
fn verdicts(b: &Bed, ns: &str, pods: &[Json]) -> Vec<Option<(bool, bool)>> {
    let stream: Vec<String> = pods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            p["metadata"]["name"] = Json::from(format!("f{i}"));
            if let Some(m) = p["metadata"].as_object_mut() {
                m.remove("namespace");
            }
            p.to_string()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pods.yaml");
    std::fs::write(&file, stream.join("\n---\n")).unwrap();
    // stdout and stderr in one stream, so each warning comes before the
    // object it is about
    let cmd = format!(
        "'{}' --kubeconfig '{}' create --dry-run=server -n {ns} -f '{}' 2>&1",
        b.kubectl_path().display(),
        b.admin.display(),
        file.display()
    );
    let out = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut result: BTreeMap<usize, Option<(bool, bool)>> = BTreeMap::new();
    let mut warned = false;
    let index = |name: &str| name.trim_start_matches('f').parse::<usize>().ok();
    for line in text.lines() {
        if line.starts_with("Warning:") {
            warned |= line.contains("ValidatingAdmissionPolicy");
        } else if let Some(rest) = line.strip_prefix("pod/") {
            let name = rest.split_whitespace().next().unwrap_or("");
            if let Some(i) = index(name) {
                result.insert(i, Some((false, warned)));
            }
            warned = false;
        } else if line.starts_with("Error from server") || line.starts_with("The Pod ") {
            // … pods "f12" is forbidden: … / Pod "f21" is invalid: …
            let name = line
                .split(['"'])
                .find(|w| w.starts_with('f') && index(w).is_some())
                .unwrap_or("");
            let verdict = if line.contains("is invalid") {
                None
            } else {
                assert!(
                    line.contains("ValidatingAdmissionPolicy"),
                    "refused for another reason than the policy: {line}"
                );
                Some((true, warned))
            };
            if let Some(i) = index(name) {
                result.insert(i, verdict);
            }
            warned = false;
        }
    }
    assert_eq!(result.len(), pods.len(), "kubectl said:\n{text}");
    result.into_values().collect()
}

/// [`verdicts`] one kubectl per pod, eight at a time: kubectl prints a
/// warning it has printed before only once, so a batch cannot tell which
/// pods a Warn binding warned about.
fn verdicts_each(b: &Bed, ns: &str, pods: &[Json]) -> Vec<Option<(bool, bool)>> {
    let mut out = vec![None; pods.len()];
    std::thread::scope(|s| {
        let chunks: Vec<_> = out.chunks_mut(pods.len().div_ceil(8).max(1)).collect();
        let mut start = 0;
        for chunk in chunks {
            let from = start;
            start += chunk.len();
            s.spawn(move || {
                for (k, slot) in chunk.iter_mut().enumerate() {
                    *slot = verdicts(b, ns, &pods[from + k..from + k + 1])[0];
                }
            });
        }
    });
    out
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn generated_policies_decide_every_pod_security_fixture_as_palisade() {
    let Some(b) = bed::bed() else { return };
    palisade_corpus::require!("pod-security-admission/testdata");
    let _g = bed::lock();
    let root = palisade_corpus::corpus_path("pod-security-admission/testdata");
    let mut minors: Vec<String> = std::fs::read_dir(root.join("baseline"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    minors.sort();
    let modes = ["deny", "warn"];
    let newest = minors
        .iter()
        .max_by_key(|m| m.trim_start_matches("v1.").parse::<u32>().unwrap_or(0))
        .unwrap()
        .clone();
    let warned_versions = ["v1.0".to_string(), "v1.25".to_string(), newest];
    let mut namespaces = vec![PARAMS.to_string()];
    let wanted = |m: &String, mode: &str| mode == "deny" || warned_versions.contains(m);
    for m in &minors {
        for level in ["baseline", "restricted"] {
            for mode in modes.iter().filter(|mode| wanted(m, mode)) {
                namespaces.push(namespace(m, level, mode));
            }
        }
    }
    let mut policies = Vec::new();
    for m in &minors {
        for mode in modes.iter().filter(|mode| wanted(m, mode)) {
            let prefix = format!("proof-{}-{mode}", m.replace('.', "-"));
            policies.push(format!("validatingadmissionpolicy/{prefix}-pod-security"));
            for level in ["baseline", "restricted"] {
                policies.push(format!(
                    "validatingadmissionpolicybinding/{prefix}-pod-security-{level}"
                ));
            }
        }
    }
    let ns_refs: Vec<&str> = namespaces.iter().map(String::as_str).collect();
    let policy_refs: Vec<&str> = policies.iter().map(String::as_str).collect();
    let _clean = b.cleanup(&ns_refs, &policy_refs);

    // namespaces first (the parameters live in one), then every policy
    let mut ns_yaml = format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {PARAMS}}}\n");
    let mut generated_by: BTreeMap<(String, &str), String> = BTreeMap::new();
    for m in &minors {
        for mode in modes.into_iter().filter(|mode| wanted(m, mode)) {
            for level in ["baseline", "restricted"] {
                ns_yaml.push_str(&format!(
                    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n  labels: {{\"{}-{mode}\": {level}}}\n",
                    namespace(m, level, mode),
                    label(m)
                ));
            }
            generated_by.insert((m.clone(), mode), generated(m, mode));
        }
    }
    b.apply(&ns_yaml);
    let all: String = generated_by
        .values()
        .cloned()
        .collect::<Vec<_>>()
        .join("---\n");
    b.apply(&all);

    // the bindings take effect once the API server has compiled them: wait
    // until the newest version's restricted binding refuses a bare pod
    let probe = "apiVersion: v1\nkind: Pod\nmetadata: {name: probe}\nspec: {containers: [{name: c, image: x}]}\n";
    let last = &warned_versions[2];
    for mode in modes {
        let ns = namespace(last, "restricted", mode);
        b.wait_for(60, "the generated bindings", || {
            let out = b.kubectl_as(
                &b.admin,
                &["create", "--dry-run=server", "-n", &ns, "-f", "-"],
                Some(probe),
            );
            let said = String::from_utf8_lossy(&out.stderr);
            said.contains("ValidatingAdmissionPolicy")
        });
    }
    // and the oldest version's too (policies are compiled one by one)
    b.wait_for(60, "every binding", || {
        let ns = namespace(&minors[0], "baseline", "deny");
        let privileged = "apiVersion: v1\nkind: Pod\nmetadata: {name: probe}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n";
        let out = b.kubectl_as(
            &b.admin,
            &["create", "--dry-run=server", "-n", &ns, "-f", "-"],
            Some(privileged),
        );
        !out.status.success()
    });

    let mut counts: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    let mut offline_agrees = 0usize;
    let mut invalid = 0usize;
    let mut invalid_deny = 0usize;
    let mut failures = Vec::new();
    for m in &minors {
        let version: palisade_pss::Version = m.parse().unwrap();
        for mode in modes {
            if !wanted(m, mode) {
                continue;
            }
            let text = &generated_by[&(m.clone(), mode)];
            let objs = objects(text, "generated.yaml");
            let (set, errors) = PolicySet::from_objects(&objs);
            assert!(errors.is_empty(), "{errors:?}");
            let params = palisade_vap::eval::params_among(&objs);
            for level in ["baseline", "restricted"] {
                let lv = palisade_pss::LevelVersion {
                    level: level.parse().unwrap(),
                    version,
                };
                let ns = namespace(m, level, mode);
                for outcome in ["pass", "fail"] {
                    let files = fixture_files(&root.join(level).join(m).join(outcome));
                    let pods: Vec<Object> = files
                        .iter()
                        .map(|f| objects(&std::fs::read_to_string(f).unwrap(), "fixture").remove(0))
                        .collect();
                    let json: Vec<Json> = pods.iter().map(Object::admitted_json).collect();
                    let api = if mode == "warn" {
                        verdicts_each(b, &ns, &json)
                    } else {
                        verdicts(b, &ns, &json)
                    };
                    for (k, (f, pod)) in files.iter().zip(&pods).enumerate() {
                        // palisade's own verdict
                        let palisade_denies = match &pod.typed {
                            palisade_model::Typed::Pod(p) => {
                                !palisade_pss::allowed(&palisade_pss::evaluate(
                                    lv,
                                    Some(&p.metadata),
                                    p.spec.as_ref().unwrap(),
                                ))
                            }
                            _ => unreachable!(),
                        };
                        // palisade's offline CEL verdict on the same policies
                        let mut object = json[k].clone();
                        object["metadata"]["namespace"] = Json::from(ns.clone());
                        let labels = BTreeMap::from([
                            ("kubernetes.io/metadata.name".to_string(), ns.clone()),
                            (format!("{}-{mode}", label(m)), level.to_string()),
                        ]);
                        let offline = !set
                            .review(&Review::create(object, labels), &params)
                            .is_empty();
                        let rel = f.strip_prefix(&root).unwrap().display().to_string();
                        let Some((denied, warned)) = api[k] else {
                            // invalid before admission: palisade and its offline
                            // CEL still agree on it
                            invalid += 1;
                            if mode == "deny" {
                                invalid_deny += 1;
                            }
                            if offline != palisade_denies {
                                failures.push(format!("{rel} ({mode}): palisade {palisade_denies}, offline CEL {offline}"));
                            }
                            continue;
                        };
                        let api_says = if mode == "deny" {
                            denied
                        } else {
                            warned && !denied
                        };
                        if api_says != palisade_denies {
                            failures.push(format!(
                                "{rel} ({mode}): API server {api_says}, palisade {palisade_denies}"
                            ));
                        }
                        if offline == api_says {
                            offline_agrees += 1;
                        } else {
                            failures.push(format!(
                                "{rel} ({mode}): API server {api_says}, offline CEL {offline}"
                            ));
                        }
                        let c = counts.entry((mode, outcome)).or_default();
                        c.0 += 1;
                        c.1 += usize::from(api_says);
                    }
                }
            }
        }
    }
    let total: usize = counts.values().map(|c| c.0).sum();
    eprintln!(
        "API server verdicts ((mode, fixtures), (decided, refused or warned)): {counts:?}; \
         offline CEL agrees on {offline_agrees} of {total}; {invalid} invalid before admission"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
    // every fixture in Deny mode, the three versions' in Warn mode:
    // decided by the API server, or invalid
    let deny: usize = counts
        .iter()
        .filter(|(k, _)| k.0 == "deny")
        .map(|(_, c)| c.0)
        .sum();
    let deny_invalid = invalid_deny;
    assert_eq!(deny + deny_invalid, 4537);
    let names: BTreeSet<_> = counts.keys().collect();
    assert_eq!(names.len(), 4);
}

/// The hardening policy, bound in Warn mode to one namespace: every
/// workload of the demo and of the upstream policy libraries, created
/// there with a server-side dry run, draws a warning for exactly the
/// checks palisade reports on it (one kubectl a workload: a warning is one
/// failed validation).
#[test]
fn generated_hardening_policy_warns_on_what_palisade_reports() {
    let Some(b) = bed::bed() else { return };
    palisade_corpus::require!("gatekeeper-library/library");
    let _g = bed::lock();
    const NS: &str = "vap-hardening-proof";
    let _clean = b.cleanup(
        &[NS],
        &[
            "validatingadmissionpolicy/proofh-hardening",
            "validatingadmissionpolicybinding/proofh-hardening",
        ],
    );
    let yaml = bed::generate_policies(&[
        "--policy",
        "hardening",
        "--mode",
        "warn",
        "--name-prefix",
        "proofh",
    ]);
    b.apply(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NS}}}\n"
    ));
    b.apply(&yaml);
    // this namespace only, while the test runs
    b.ok(&[
        "patch",
        "validatingadmissionpolicybinding/proofh-hardening",
        "--type=merge",
        "-p",
        &format!(
            "{{\"spec\":{{\"matchResources\":{{\"namespaceSelector\":{{\"matchLabels\":{{\"kubernetes.io/metadata.name\":\"{NS}\"}}}}}}}}}}"
        ),
    ]);
    // the workloads, renamed f<i> into the test namespace
    let repo = bed::repo();
    let loaded = palisade_source::load(
        &[
            repo.join("examples/demo"),
            palisade_corpus::corpus_path("gatekeeper-library/library"),
        ],
        &Default::default(),
    );
    let model = palisade_model::Model::new(loaded.objects);
    // and one workload that passes every check, which Deny must admit
    let hardened = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "hardened"},
        "spec": {"selector": {"matchLabels": {"app": "hardened"}},
            "template": {"metadata": {"labels": {"app": "hardened"}},
                "spec": {"serviceAccountName": "hardened", "automountServiceAccountToken": false,
                    "containers": [{"name": "app",
                        "image": "registry.example.com/app:1.4.2@sha256:4bc453b53cb3d914b45f4b250294236adba2c0e09ff6f03793949e7e39fd4cc1",
                        "imagePullPolicy": "IfNotPresent",
                        "securityContext": {"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false,
                            "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"cpu": "500m", "memory": "256Mi"}}}]}}}});
    let workloads: Vec<Json> = model
        .workloads()
        .filter(|(o, _)| o.kind != "ReplicationController")
        .map(|(o, _)| o.admitted_json())
        .chain(std::iter::once(hardened))
        .enumerate()
        .map(|(i, mut j)| {
            j["metadata"] = serde_json::json!({"name": format!("f{i}"), "namespace": NS,
                "labels": j["metadata"]["labels"].clone()});
            j
        })
        .collect();
    let text: String = workloads.iter().map(|w| format!("---\n{w}\n")).collect();
    let renamed = objects(&text, "renamed.yaml");
    let only: std::collections::HashSet<String> = palisade_checks::catalogue()
        .into_iter()
        .filter(|c| c.admission_cel().is_some())
        .map(|c| c.meta().id.to_string())
        .collect();
    let settings = palisade_checks::Settings {
        only: Some(only),
        ..Default::default()
    };
    let renamed_model = palisade_model::Model::new(renamed);
    let outcome = palisade_checks::run(&renamed_model, &settings);
    let palisade_says: BTreeSet<(String, String)> = outcome
        .findings
        .iter()
        .chain(outcome.suppressed.iter().map(|s| &s.finding))
        .map(|f| (f.object.name.clone(), f.check.id.to_string()))
        .collect();
    // wait until the binding warns
    let probe = "apiVersion: v1\nkind: Pod\nmetadata: {name: probe}\nspec: {containers: [{name: c, image: x}]}\n";
    b.wait_for(60, "the hardening binding", || {
        let out = b.kubectl_as(
            &b.admin,
            &["create", "--dry-run=server", "-n", NS, "-f", "-"],
            Some(probe),
        );
        String::from_utf8_lossy(&out.stderr).contains("ValidatingAdmissionPolicy")
    });
    // one kubectl a workload, eight at a time
    let results: Vec<Option<BTreeSet<String>>> = {
        let mut out = vec![None; workloads.len()];
        std::thread::scope(|s| {
            for (k, chunk) in out
                .chunks_mut(workloads.len().div_ceil(8).max(1))
                .enumerate()
            {
                let from = k * workloads.len().div_ceil(8).max(1);
                let w = &workloads;
                s.spawn(move || {
                    for (j, slot) in chunk.iter_mut().enumerate() {
                        let o = b.kubectl_as(
                            &b.admin,
                            &["create", "--dry-run=server", "-f", "-"],
                            Some(&w[from + j].to_string()),
                        );
                        if !o.status.success() {
                            continue; // refused before the policy: invalid upstream samples
                        }
                        let said = String::from_utf8_lossy(&o.stderr);
                        *slot = Some(
                            said.lines()
                                .filter(|l| {
                                    l.contains("ValidatingAdmissionPolicy 'proofh-hardening'")
                                })
                                .filter_map(|l| l.split("': ").nth(1))
                                .filter_map(|m| m.split(':').next())
                                .map(str::to_string)
                                .collect(),
                        );
                    }
                });
            }
        });
        out
    };
    let mut decided = 0;
    let mut api_says: BTreeSet<(String, String)> = BTreeSet::new();
    let mut admitted: BTreeSet<String> = BTreeSet::new();
    for (i, r) in results.iter().enumerate() {
        if let Some(checks) = r {
            decided += 1;
            admitted.insert(format!("f{i}"));
            api_says.extend(checks.iter().map(|c| (format!("f{i}"), c.clone())));
        }
    }
    let palisade_says: BTreeSet<(String, String)> = palisade_says
        .into_iter()
        .filter(|(n, _)| admitted.contains(n))
        .collect();
    eprintln!(
        "hardening: {decided} of {} workloads admitted by the API server; {} (workload, check) warnings, palisade reports {}",
        workloads.len(),
        api_says.len(),
        palisade_says.len()
    );
    assert!(decided > 100, "{decided}");
    let only_api: Vec<_> = api_says.difference(&palisade_says).collect();
    let only_palisade: Vec<_> = palisade_says.difference(&api_says).collect();
    assert!(
        only_api.is_empty() && only_palisade.is_empty(),
        "only the API server: {only_api:?}\nonly palisade: {only_palisade:?}"
    );

    // Deny: the same binding refusing. A workload is refused exactly when
    // palisade reports a check on it, and the refusal names one of those
    b.ok(&[
        "patch",
        "validatingadmissionpolicybinding/proofh-hardening",
        "--type=merge",
        "-p",
        "{\"spec\":{\"validationActions\":[\"Deny\"]}}",
    ]);
    b.wait_for(60, "the hardening binding to deny", || {
        let out = b.kubectl_as(
            &b.admin,
            &["create", "--dry-run=server", "-n", NS, "-f", "-"],
            Some(probe),
        );
        !out.status.success()
    });
    let denied: Vec<Option<String>> = {
        let mut out = vec![None; workloads.len()];
        let chunk_len = workloads.len().div_ceil(8).max(1);
        std::thread::scope(|s| {
            for (k, chunk) in out.chunks_mut(chunk_len).enumerate() {
                let w = &workloads;
                let admitted = &admitted;
                s.spawn(move || {
                    for (j, slot) in chunk.iter_mut().enumerate() {
                        let i = k * chunk_len + j;
                        if !admitted.contains(&format!("f{i}")) {
                            continue;
                        }
                        // a refusal that is not the policy's (a busy API
                        // server) is asked again
                        let mut o = b.kubectl_as(
                            &b.admin,
                            &["create", "--dry-run=server", "-f", "-"],
                            Some(&w[i].to_string()),
                        );
                        for _ in 0..3 {
                            if o.status.success()
                                || String::from_utf8_lossy(&o.stderr).contains("denied request: ")
                            {
                                break;
                            }
                            std::thread::sleep(std::time::Duration::from_secs(1));
                            o = b.kubectl_as(
                                &b.admin,
                                &["create", "--dry-run=server", "-f", "-"],
                                Some(&w[i].to_string()),
                            );
                        }
                        *slot = Some(if o.status.success() {
                            String::new()
                        } else {
                            let said = String::from_utf8_lossy(&o.stderr).to_string();
                            said.split("denied request: ")
                                .nth(1)
                                .and_then(|m| m.split(':').next())
                                .map_or_else(|| format!("(no check named: {said})"), str::to_string)
                        });
                    }
                });
            }
        });
        out
    };
    let mut refused = 0;
    let mut wrong = Vec::new();
    for (i, d) in denied.iter().enumerate() {
        let Some(check) = d else { continue };
        let name = format!("f{i}");
        let reported: BTreeSet<&str> = palisade_says
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, c)| c.as_str())
            .collect();
        if check.is_empty() {
            if !reported.is_empty() {
                wrong.push(format!("{name}: admitted, palisade reports {reported:?}"));
            }
        } else {
            refused += 1;
            if !reported.contains(check.as_str()) {
                wrong.push(format!(
                    "{name}: refused for {check}, palisade reports {reported:?}"
                ));
            }
        }
    }
    eprintln!(
        "hardening, Deny: {refused} of {decided} workloads refused, each for a check palisade reports on it, {} admitted; {} disagree",
        decided - refused,
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(decided > refused, "the hardened workload must be admitted");
}

/// The generated Ingress host allowlist, bound in the test bed in Deny and
/// then Warn mode, decides the samples of the Gatekeeper Ingress policy
/// (`policies/ingress-host-allowlist/samples`) as palisade's offline
/// evaluation of the same policy does, sample by sample.
#[test]
fn generated_ingress_policy_decides_the_samples_as_palisade() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    const NS: &str = "vap-ingress-proof";
    const PARAMS_NS: &str = "vap-ingress-params";
    let _clean = b.cleanup(
        &[NS, PARAMS_NS],
        &[
            "validatingadmissionpolicy/proofi-ingress-hosts",
            "validatingadmissionpolicybinding/proofi-ingress-hosts",
        ],
    );
    let yaml = bed::generate_policies(&[
        "--policy",
        "ingress-hosts",
        "--ingress-host",
        "shop.example.com",
        "--ingress-host",
        "*.apps.example.com",
        "--params-namespace",
        PARAMS_NS,
        "--name-prefix",
        "proofi",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let policy_file = dir.path().join("policy.yaml");
    std::fs::write(&policy_file, &yaml).unwrap();
    b.apply(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NS}}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {PARAMS_NS}}}\n"
    ));
    b.apply(&yaml);
    b.ok(&[
        "patch",
        "validatingadmissionpolicybinding/proofi-ingress-hosts",
        "--type=merge",
        "-p",
        &format!(
            "{{\"spec\":{{\"matchResources\":{{\"namespaceSelector\":{{\"matchLabels\":{{\"kubernetes.io/metadata.name\":\"{NS}\"}}}}}}}}}}"
        ),
    ]);
    // the samples, and what palisade says of each offline
    let samples_dir = bed::repo().join("policies/ingress-host-allowlist/samples");
    let mut samples: Vec<(String, Json, usize)> = Vec::new();
    for path in fixture_files(&samples_dir) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "constraint" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut object = objects(&text, &path.display().to_string())
            .remove(0)
            .admitted_json();
        object["metadata"]["namespace"] = Json::String(NS.into());
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, object.to_string()).unwrap();
        let report = bed::policy_eval(&policy_file, &file);
        let violations = report["findings"].as_array().unwrap().len();
        samples.push((name, object, violations));
    }
    assert_eq!(samples.len(), 9);
    let probe = samples
        .iter()
        .find(|(_, _, v)| *v > 0)
        .map(|(_, o, _)| o.to_string())
        .unwrap();
    let mut decided = Vec::new();
    for mode in ["Deny", "Warn"] {
        b.ok(&[
            "patch",
            "validatingadmissionpolicybinding/proofi-ingress-hosts",
            "--type=merge",
            "-p",
            &format!("{{\"spec\":{{\"validationActions\":[\"{mode}\"]}}}}"),
        ]);
        b.wait_for(60, "the Ingress binding", || {
            let o = b.kubectl_as(
                &b.admin,
                &["create", "--dry-run=server", "-f", "-"],
                Some(&probe),
            );
            let said = String::from_utf8_lossy(&o.stderr);
            said.contains("ValidatingAdmissionPolicy 'proofi-ingress-hosts'")
                && (mode == "Deny") != o.status.success()
        });
        for (name, object, violations) in &samples {
            let o = b.kubectl_as(
                &b.admin,
                &["create", "--dry-run=server", "-f", "-"],
                Some(&object.to_string()),
            );
            let said = String::from_utf8_lossy(&o.stderr).to_string();
            let flagged = said.contains("ValidatingAdmissionPolicy 'proofi-ingress-hosts'");
            let refused = !o.status.success();
            assert_eq!(
                flagged,
                *violations > 0,
                "{mode} {name}: the API server said {said:?}, palisade found {violations}"
            );
            assert_eq!(
                refused,
                mode == "Deny" && *violations > 0,
                "{mode} {name}: {said}"
            );
            decided.push((mode, name.clone(), flagged));
        }
    }
    eprintln!(
        "ingress hosts: {} (mode, sample) decisions equal palisade's, {} flagged",
        decided.len(),
        decided.iter().filter(|d| d.2).count()
    );
}

//! What one review costs in memory, measured with a counting allocator:
//! the peak heap of `Admission::review` per container of the reviewed pod,
//! per finding, and per byte of an object without containers; and the
//! refusal past `limits.maxContainers`. The numbers the webhook's
//! defaults are sized on (`docs/admission.md`, "Limits") come from here:
//! `cargo test -p palisade-admission --test budget -- --nocapture`.

use palisade_admission::{Admission, Config, Endpoint};
use serde_json::{Value as Json, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = NOW.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        NOW.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new > l.size() {
                let now = NOW.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                NOW.fetch_sub(l.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The tests of this file measure one at a time.
static ONE: Mutex<()> = Mutex::new(());

fn review(kind: &str, group: &str, object: Json) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": "x"},
            "name": "hostile", "namespace": "hostile", "operation": "CREATE",
            "userInfo": {"username": "mallory"}, "object": object}
    }))
    .unwrap()
}

fn pod(containers: usize) -> Vec<u8> {
    let cs: Vec<Json> = (0..containers)
        .map(|i| json!({"name": format!("c{i}"), "image": "busybox"}))
        .collect();
    review(
        "Pod",
        "",
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hostile"}, "spec": {"containers": cs}}),
    )
}

/// The peak heap above what was live before, and the decision.
fn measure(a: &Admission, body: &[u8]) -> (usize, palisade_admission::Decision) {
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let d = a.review(body, Endpoint::Validate).unwrap();
    (PEAK.load(Ordering::Relaxed) - before, d)
}

fn admission(limits: &str) -> Admission {
    let (a, errors) = Admission::load(Config::parse(limits, "c.yaml").unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    a
}

/// Findings the built-in checks report on a pod of `n` minimal containers
/// (the verdicts a review keeps are fewer: Pod Security groups containers).
fn findings(n: usize) -> usize {
    let body = pod(n);
    let doc: Json = serde_json::from_slice(&body).unwrap();
    let file: std::sync::Arc<str> = std::sync::Arc::from("pod.json");
    let opts = palisade_model::ObjectOptions {
        default_namespace: "hostile".into(),
    };
    let objects: Vec<_> = palisade_model::objects_from_document(
        palisade_value::Node::from_json(&doc["request"]["object"]),
        &file,
        &opts,
    )
    .into_iter()
    .filter_map(Result::ok)
    .collect();
    let settings = palisade_checks::Settings {
        only: Some(
            palisade_admission::admission_check_ids()
                .into_iter()
                .map(String::from)
                .collect(),
        ),
        ..Default::default()
    };
    palisade_checks::run(&palisade_model::Model::new(objects), &settings)
        .findings
        .len()
}

#[test]
fn a_review_costs_little_per_container_and_is_refused_past_the_limit() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let a = admission("limits: {maxContainers: 256}\n");
    // warm up what is built once (check catalogue, lazies)
    measure(&a, &pod(4));
    let (small, _) = measure(&a, &pod(32));
    let (large, d) = measure(&a, &pod(256));
    assert!(d.allowed || d.outcome == "deny", "{:?}", d.response);
    let per_container = (large - small) / (256 - 32);
    let (f32, f256) = (findings(32), findings(256));
    let per_finding = (large - small) as f64 / (f256 - f32) as f64;
    eprintln!(
        "review of a pod: {small} B peak at 32 containers, {large} B at 256: {per_container} B per container; \
         the checks find {f32} and {f256} findings: {per_finding:.0} B per finding"
    );
    // what docs/admission.md sizes the defaults on: a review of the largest
    // pod allowed stays within 8 MiB (eight at once within 64 MiB)
    assert!(large < 8 << 20, "{large} B for 256 containers");
    assert!(per_container < 24 * 1024, "{per_container} B per container");
    // one container over: refused before any check runs, cheaply
    let (_, d) = measure(&a, &pod(257));
    assert!(!d.allowed);
    assert_eq!(d.outcome, "refused");
    let r = &d.response["response"];
    assert_eq!(r["uid"], "u-1");
    assert_eq!(r["status"]["code"], 422);
    let m = r["status"]["message"].as_str().unwrap();
    assert!(
        m.contains("257 containers")
            && m.contains("limit of 256")
            && m.contains("--max-containers"),
        "{m}"
    );
    // a hostile pod (the 630 KB one) costs its parse, not its checks
    let body = pod(17_500);
    let (hostile, d) = measure(&a, &body);
    assert_eq!(d.outcome, "refused");
    eprintln!(
        "refused pod of 17500 containers ({} B): {hostile} B peak, {:.1}x its size",
        body.len(),
        hostile as f64 / body.len() as f64
    );
    assert!(
        hostile < 40 * body.len(),
        "{hostile} B for {} B",
        body.len()
    );
    // init and ephemeral containers count too
    let mut doc: Json = serde_json::from_slice(&pod(200)).unwrap();
    doc["request"]["object"]["spec"]["initContainers"] = json!(
        (0..57)
            .map(|i| json!({"name": format!("i{i}")}))
            .collect::<Vec<_>>()
    );
    let d = a
        .review(&serde_json::to_vec(&doc).unwrap(), Endpoint::Validate)
        .unwrap();
    assert_eq!(d.outcome, "refused", "{:?}", d.response);
    // a workload's pod template is counted as its pod's
    let cs: Vec<Json> = (0..300)
        .map(|i| json!({"name": format!("c{i}"), "image": "x"}))
        .collect();
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": cs}}}});
    let d = a
        .review(&review("Deployment", "apps", deploy), Endpoint::Mutate)
        .unwrap();
    assert_eq!(d.outcome, "refused", "{:?}", d.response);
}

#[test]
fn objects_without_containers_cost_a_bounded_multiple_of_their_bytes() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let a = admission("");
    measure(&a, &pod(1));
    // the worst shapes found: one array of small numbers, many tiny keys
    let array = review(
        "Thing",
        "example.com",
        json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"},
            "spec": {"x": vec![0; 500_000]}}),
    );
    let data: serde_json::Map<String, Json> = (0..100_000)
        .map(|i| (format!("k{i}"), json!("v")))
        .collect();
    let configmap = review(
        "ConfigMap",
        "",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}),
    );
    for (what, body) in [("array", array), ("configmap", configmap)] {
        let (peak, d) = measure(&a, &body);
        assert!(d.allowed, "{:?}", d.response);
        let ratio = peak as f64 / body.len() as f64;
        eprintln!(
            "review of a {what} of {} B: {peak} B peak, {ratio:.1}x its size",
            body.len()
        );
        // docs/admission.md sizes the byte budget on 40x
        assert!(ratio < 40.0, "{what}: {ratio:.1}x");
    }
}

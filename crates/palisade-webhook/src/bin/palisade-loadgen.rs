//! Open-loop load generator for the admission webhook (`bench/admission.sh`).
//!
//! Wraps every workload and Ingress in the given manifests into an
//! AdmissionReview (CREATE), then sends them round-robin over keep-alive TLS
//! connections at a fixed rate. Latency is measured from each request's
//! scheduled send time, so a slow server cannot hide queueing (no
//! coordinated omission). Prints one JSON object: rate asked and achieved,
//! p50/p90/p99/max latency in ms, decisions and errors. With `--fresh`
//! every request's object is one the server has never seen (its
//! `metadata.uid` numbered per request), so no answer can come from a
//! cache: the cost of new objects, as a scale-up brings them.

use palisade_webhook::client::{Client, tls_config};
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    addr: SocketAddr,
    server_name: String,
    ca: PathBuf,
    rate: f64,
    seconds: f64,
    connections: usize,
    objects: Vec<PathBuf>,
    fresh: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        addr: "127.0.0.1:8443".parse().map_err(|e| format!("{e}"))?,
        server_name: "palisade-webhook.palisade.svc".into(),
        ca: PathBuf::from("ca.crt"),
        rate: 500.0,
        seconds: 10.0,
        connections: 32,
        objects: Vec::new(),
        fresh: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--addr" => a.addr = v()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--server-name" => a.server_name = v()?,
            "--ca" => a.ca = PathBuf::from(v()?),
            "--rate" => a.rate = v()?.parse().map_err(|e| format!("--rate: {e}"))?,
            "--seconds" => a.seconds = v()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--connections" => {
                a.connections = v()?.parse().map_err(|e| format!("--connections: {e}"))?
            }
            "--objects" => a.objects.push(PathBuf::from(v()?)),
            "--fresh" => a.fresh = true,
            "-h" | "--help" => {
                return Err("usage: palisade-loadgen --addr HOST:PORT --server-name NAME --ca CA.pem --rate N --seconds S --connections C --objects PATH... [--fresh]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.objects.is_empty() {
        return Err("--objects PATH is required".into());
    }
    Ok(a)
}

fn reviews(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    let loaded = palisade_source::load(paths, &palisade_source::LoadOptions::default());
    let mut out = Vec::new();
    for (i, o) in loaded.objects.iter().enumerate() {
        let group = o.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        let version = o.api_version.rsplit('/').next().unwrap_or("v1");
        let wanted = o.pod_template().is_some() || o.kind == "Ingress";
        if !wanted {
            continue;
        }
        let ns = o.namespace.clone().unwrap_or_default();
        let mut object = o.admitted_json();
        // numbered per request with --fresh (see `numbered`)
        object["metadata"]["uid"] = json!(format!("{FRESH}{:012}", 0));
        let body = json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": format!("00000000-0000-4000-8000-{i:012}"),
                "kind": {"group": group, "version": version, "kind": o.kind},
                "resource": {"group": group, "version": version, "resource": format!("{}s", o.kind.to_lowercase())},
                "name": o.name, "namespace": ns, "operation": "CREATE",
                "userInfo": {"username": "bench", "groups": ["system:authenticated"]},
                "object": object
            }
        });
        out.push(serde_json::to_vec(&body).unwrap_or_default());
    }
    out
}

/// The prefix of the object uid `--fresh` numbers.
const FRESH: &str = "palisade-fresh-";

/// `body` with its object's uid numbered `n`: the same review about a new
/// object.
fn numbered(body: &[u8], n: usize) -> Vec<u8> {
    let mut out = body.to_vec();
    if let Some(at) = body
        .windows(FRESH.len())
        .position(|w| w == FRESH.as_bytes())
    {
        let digits = format!("{:012}", n % 1_000_000_000_000);
        out[at + FRESH.len()..at + FRESH.len() + 12].copy_from_slice(digits.as_bytes());
    }
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("palisade-loadgen: {e}");
            std::process::exit(2);
        }
    };
    let bodies = Arc::new(reviews(&args.objects));
    if bodies.is_empty() {
        eprintln!("palisade-loadgen: no workload or Ingress in the objects");
        std::process::exit(2);
    }
    let ca = match std::fs::read(&args.ca) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("palisade-loadgen: {}: {e}", args.ca.display());
            std::process::exit(2);
        }
    };
    // one worker thread: the server gets the rest of the machine
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = rt.block_on(async move {
        let tls = tls_config(&ca).expect("the CA parses");
        let total = (args.rate * args.seconds).round() as usize;
        let interval = Duration::from_secs_f64(args.connections as f64 / args.rate);
        let start = Instant::now() + Duration::from_millis(200);
        let mut tasks = Vec::new();
        for c in 0..args.connections {
            let tls = tls.clone();
            let bodies = bodies.clone();
            let name = args.server_name.clone();
            let addr = args.addr;
            let n = total / args.connections + usize::from(c < total % args.connections);
            let offset = Duration::from_secs_f64(c as f64 / args.rate);
            let (fresh, connections) = (args.fresh, args.connections);
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(n);
                let mut errors = 0usize;
                let mut denied = 0usize;
                let mut client = Client::connect(addr, &name, tls.clone()).await.ok();
                for i in 0..n {
                    let due = start + offset + interval * i as u32;
                    tokio::time::sleep_until(due.into()).await;
                    let body = bodies[(c + i * 7) % bodies.len()].clone();
                    let body = if fresh {
                        numbered(&body, i * connections + c)
                    } else {
                        body
                    };
                    if client.is_none() {
                        client = Client::connect(addr, &name, tls.clone()).await.ok();
                    }
                    let Some(cl) = client.as_mut() else {
                        errors += 1;
                        continue;
                    };
                    match cl.send("POST", "/validate", body).await {
                        Ok((200, b)) => {
                            lat.push(due.elapsed().as_secs_f64() * 1000.0);
                            if b.windows(15).any(|w| w == b"\"allowed\":false") {
                                denied += 1;
                            }
                        }
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            client = None;
                        }
                    }
                }
                (lat, errors, denied)
            }));
        }
        let mut all = Vec::with_capacity(total);
        let (mut errors, mut denied) = (0, 0);
        for t in tasks {
            if let Ok((l, e, d)) = t.await {
                all.extend(l);
                errors += e;
                denied += d;
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        all.sort_by(|a, b| a.total_cmp(b));
        json!({
            "rate_asked": args.rate,
            "rate_achieved": (all.len() as f64 / elapsed * 10.0).round() / 10.0,
            "requests": all.len(),
            "errors": errors,
            "denied": denied,
            "distinct_reviews": if args.fresh { all.len() } else { bodies.len() },
            "connections": args.connections,
            "p50_ms": percentile(&all, 50.0),
            "p90_ms": percentile(&all, 90.0),
            "p99_ms": percentile(&all, 99.0),
            "max_ms": all.last().copied().unwrap_or(0.0),
        })
    });
    println!("{result}");
}

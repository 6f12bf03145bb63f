//! Scanner throughput on one core, files already in memory:
//! `cargo run --release -p palisade-secrets --example throughput -- DIR…`
//! (bench/secrets.sh runs it; the whole command is timed there too).

use std::time::Instant;

fn collect(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, out),
            Ok(t) if t.is_file() => {
                if let Ok(b) = std::fs::read(&p) {
                    out.push((p.to_string_lossy().into_owned(), b));
                }
            }
            _ => {}
        }
    }
}

fn main() {
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        collect(std::path::Path::new(&a), &mut files);
    }
    files.retain(|(_, b)| b.len() <= 10 << 20 && !palisade_secrets::is_binary(b));
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let scanner = palisade_secrets::Scanner::new();
    let t = Instant::now();
    let mut found = 0;
    for (p, b) in &files {
        found += scanner.scan(p, b).len();
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{} files, {:.1} MB, {found} findings, {s:.2} s on one core: {:.0} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / s
    );
}

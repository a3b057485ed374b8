//! Validates the whole veraPDF corpus and reports files/s and MB/s, next to `qpdf --check` on
//! the same files in the same run (issue 7).
//!
//! ```sh
//! cargo bench -p pdfa --bench pdf_corpus            # options: -- --passes N
//! ```
//!
//! Our validator runs in-process on one thread (as the gateway runs it, in `spawn_blocking`),
//! the files already in memory. `qpdf --check` runs once per file, as a process reading the
//! file; the cost of starting qpdf (`qpdf --version`) is measured too so the two can be read
//! side by side. Without qpdf on the PATH the reference is skipped with a message.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    match std::env::var_os("PDF_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/verapdf"),
    }
}

fn pdf_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("pdf"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn rate(files: usize, bytes: usize, took: Duration) -> (f64, f64) {
    let s = took.as_secs_f64().max(1e-9);
    (files as f64 / s, bytes as f64 / 1e6 / s)
}

fn main() {
    let mut passes = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--passes" {
            passes = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(passes)
                .max(1);
        }
    }
    let root = corpus_dir();
    let files = pdf_files(&root);
    if files.is_empty() {
        eprintln!(
            "pdf_corpus: no PDF files under {} (set PDF_CORPUS_DIR)",
            root.display()
        );
        return;
    }
    let data: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    let bytes: usize = data.iter().map(Vec::len).sum();
    println!(
        "corpus: {} files, {:.1} MB ({})",
        data.len(),
        bytes as f64 / 1e6,
        root.display()
    );

    // Ours: one warm-up pass, then `passes` timed passes; the best pass counts.
    let mut passed = 0;
    for d in &data {
        passed += usize::from(pdfa::validate(d).is_ok());
    }
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    for _ in 0..passes {
        let start = Instant::now();
        for d in &data {
            std::hint::black_box(pdfa::validate(std::hint::black_box(d)).is_ok());
        }
        let took = start.elapsed();
        best = best.min(took);
        total += took;
    }
    let (fps, mbps) = rate(data.len(), bytes, best);
    println!(
        "pdfa::validate: best of {passes} passes {:.3} s (mean {:.3} s): {fps:.0} files/s, {mbps:.1} MB/s ({passed} PASS)",
        best.as_secs_f64(),
        total.as_secs_f64() / passes as f64,
    );

    // The full report: every finding of every file (up to the default cap of 100).
    let options = pdfa::Options::default();
    let findings: usize = data
        .iter()
        .map(|d| pdfa::check(d, &options).findings.len())
        .sum();
    let mut best_check = Duration::MAX;
    let mut total_check = Duration::ZERO;
    for _ in 0..passes {
        let start = Instant::now();
        for d in &data {
            std::hint::black_box(
                pdfa::check(std::hint::black_box(d), &options)
                    .findings
                    .len(),
            );
        }
        let took = start.elapsed();
        best_check = best_check.min(took);
        total_check += took;
    }
    let (fps, mbps) = rate(data.len(), bytes, best_check);
    println!(
        "pdfa::check (every finding): best of {passes} passes {:.3} s (mean {:.3} s): {fps:.0} files/s, {mbps:.1} MB/s ({findings} findings)",
        best_check.as_secs_f64(),
        total_check.as_secs_f64() / passes as f64,
    );

    // Reference: qpdf --check, one process per file.
    let qpdf = Command::new("qpdf")
        .arg("--version")
        .stdout(Stdio::piped())
        .output();
    let version = match qpdf {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("qpdf")
            .to_owned(),
        _ => {
            println!("qpdf not found on PATH: skipping the qpdf --check reference");
            return;
        }
    };
    let start = Instant::now();
    let mut ok = 0;
    for f in &files {
        let status = Command::new("qpdf")
            .arg("--check")
            .arg(f)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        ok += usize::from(status.is_ok_and(|s| s.success()));
    }
    let took = start.elapsed();
    let (qfps, qmbps) = rate(files.len(), bytes, took);
    println!(
        "{version} --check: {:.3} s: {qfps:.0} files/s, {qmbps:.1} MB/s ({ok} exit 0)",
        took.as_secs_f64()
    );
    let start = Instant::now();
    for _ in &files {
        let _ = Command::new("qpdf")
            .arg("--version")
            .stdout(Stdio::null())
            .status();
    }
    let startup = start.elapsed();
    println!(
        "qpdf --version × {} (process start-up alone): {:.3} s",
        files.len(),
        startup.as_secs_f64()
    );
    println!(
        "ratio, total time qpdf --check : validate = {:.1} (without qpdf start-up: {:.1})",
        took.as_secs_f64() / best.as_secs_f64(),
        took.saturating_sub(startup).as_secs_f64() / best.as_secs_f64()
    );
}

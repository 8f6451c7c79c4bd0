//! The whole real corpus (`../shared/corpus/install.sh`), every Go file
//! including `testdata/` trees of intentionally broken Go: no panic, no
//! hang, and a report of how many files had syntax errors.
//!
//! Opt-in, because a debug build takes many minutes over the ~37,000 files:
//!
//! ```sh
//! cargo build --release
//! MAPVET_CORPUS_SWEEP=1 MAPVET_BIN=target/release/mapvet \
//!     cargo test --test corpus_sweep -- --nocapture
//! ```
//!
//! `MAPVET_CORPUS` (directories separated by `:`) overrides the corpus,
//! `MAPVET_BIN` the binary (default: this build's), `MAPVET_SWEEP_TIMEOUT`
//! the time limit in seconds (default 3600). `.ci/run` runs it with the
//! release binary when the corpus is installed.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/corpus.rs"]
mod corpus;
use corpus::corpus_dirs;

/// Every `.go` file under the corpus, and the paths that make mapvet check
/// all of them: the roots, each directory discovery would skip (`testdata`,
/// `vendor`, `_x`, `.x`: named, they are walked too) and each `_x.go` or
/// `.x.go` file.
fn sweep_arguments(roots: &[PathBuf]) -> (usize, Vec<PathBuf>) {
    let mut total = 0;
    let mut args: Vec<PathBuf> = roots.to_vec();
    for root in roots {
        for e in walkdir::WalkDir::new(root).into_iter().flatten() {
            if e.depth() == 0 {
                continue;
            }
            let name = e.file_name().to_string_lossy();
            let hidden = name.starts_with('.') || name.starts_with('_');
            if e.file_type().is_dir() {
                if hidden || name == "testdata" || name == "vendor" {
                    args.push(e.into_path());
                }
            } else if e.file_type().is_file() && name.ends_with(".go") {
                total += 1;
                if hidden {
                    args.push(e.into_path());
                }
            }
        }
    }
    (total, args)
}

#[test]
fn corpus_sweep() {
    if std::env::var("MAPVET_CORPUS_SWEEP").as_deref() != Ok("1") {
        eprintln!(
            "note: corpus sweep skipped; set MAPVET_CORPUS_SWEEP=1 to run it (see tests/corpus_sweep.rs)"
        );
        return;
    }
    let roots = corpus_dirs();
    if roots.is_empty() {
        eprintln!(
            "note: corpus sweep skipped: no corpus (run ../shared/corpus/install.sh or set MAPVET_CORPUS)"
        );
        return;
    }
    let bin = std::env::var_os("MAPVET_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mapvet")));
    let limit = std::env::var("MAPVET_SWEEP_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600);
    let (total, args) = sweep_arguments(&roots);
    let report = std::env::temp_dir().join(format!("mapvet-sweep-{}.json", std::process::id()));

    let started = Instant::now();
    let mut child = Command::new(&bin)
        .args(["check", "--include-generated", "--verbose", "--stats"])
        .args(["--format", "json", "--output"])
        .arg(&report)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let mut pipe = child.stderr.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(limit) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mapvet still running after {limit} s over the corpus: a hang?");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let wall = started.elapsed();
    let stderr = drain.join().unwrap();

    let Some(code) = status.code() else {
        panic!("mapvet was killed by a signal ({status}):\n{stderr}");
    };
    assert!(
        !stderr.contains("panicked"),
        "mapvet panicked:\n{}",
        stderr
            .lines()
            .filter(|l| l.contains("panicked"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        matches!(code, 0..=2),
        "exit code {code}:\n{}",
        stderr.lines().rev().take(20).collect::<Vec<_>>().join("\n")
    );

    let json = std::fs::read_to_string(&report).expect("the JSON report was written");
    let _ = std::fs::remove_file(&report);
    let v: serde_json::Value = serde_json::from_str(&json).expect("the JSON report is valid");
    let findings = v["diagnostics"].as_array().map_or(0, Vec::len);

    let checked = stderr
        .lines()
        .find_map(|l| l.strip_prefix("mapvet stats: files "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("--stats prints the files checked");
    let count = |needle: &str| stderr.lines().filter(|l| l.contains(needle)).count();
    let syntax = count(": syntax error");
    let errors = count("mapvet: error: ");
    let warnings = count("mapvet: warning: ") - syntax;
    println!("corpus sweep over {}:", roots.len());
    for r in &roots {
        println!("  {}", r.display());
    }
    println!(
        "  {total} .go files ({} paths named); {checked} checked, {syntax} with syntax errors",
        args.len()
    );
    println!(
        "  {findings} findings; {warnings} other warnings, {errors} errors; exit code {code}; wall {:.1} s",
        wall.as_secs_f64()
    );
    for l in stderr.lines().filter(|l| l.starts_with("mapvet stats:")) {
        println!("  {l}");
    }
    for l in stderr
        .lines()
        .filter(|l| l.starts_with("mapvet: error: "))
        .take(20)
    {
        println!("  {l}");
    }
    assert!(checked > 0, "nothing was checked:\n{stderr}");
}

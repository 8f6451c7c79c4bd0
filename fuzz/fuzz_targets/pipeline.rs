//! Fuzz target: the whole pipeline (parse, model, rules, every printer) on
//! one package of 1-3 in-memory Go files.
//!
//! Input layout: the bytes are split on NUL into at most 3 files (further
//! NULs stay in the last file), each converted with `from_utf8_lossy`. A
//! cheap hash of each chunk decides whether it gets a `package p\n` prefix
//! (about half the time) and, for files after the first, whether it is only
//! package context (`report = false`, about a quarter of the time). A hash
//! of the whole input toggles `report_unused_ignores`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mapvet::output::text::TextOptions;
use std::path::{Path, PathBuf};

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fuzz_target!(|data: &[u8]| {
    let chunks: Vec<&[u8]> = data.splitn(3, |&b| b == 0).collect();
    let mut files = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        let h = fnv(chunk);
        let mut text = String::from_utf8_lossy(chunk).into_owned();
        if h & 1 == 1 {
            text.insert_str(0, "package p\n");
        }
        let report = i == 0 || (h >> 1) & 3 != 0;
        files.push((PathBuf::from(format!("f{i}.go")), text, report));
    }
    // Also report unused suppression directives half of the time.
    let opts = mapvet::Options {
        report_unused_ignores: fnv(data) & 1 == 1,
        ..Default::default()
    };
    let report = mapvet::check_package_sources(Path::new(""), files, &opts);

    let _ = mapvet::output::text::render(
        &report,
        &TextOptions {
            color: false,
            width: 100,
        },
    );
    let json = mapvet::output::json::render(&report);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
        panic!("JSON output does not parse: {e}\n{json}");
    }
    let sarif = mapvet::output::sarif::render(&report);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&sarif) {
        panic!("SARIF output does not parse: {e}\n{sarif}");
    }
    let _ = mapvet::output::github::render(&report);
    let _ = report.exit_code();
});

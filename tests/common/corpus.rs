//! The real corpus (`../shared/corpus/install.sh --list`), for the opt-in
//! tests that sweep it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The corpus roots: `MAPVET_CORPUS` (directories separated by `:`) when
/// set, else what the install script lists (none when it is missing).
pub fn corpus_dirs() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("MAPVET_CORPUS") {
        return std::env::split_paths(&list)
            .filter(|p| p.is_dir())
            .collect();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/install.sh");
    if !script.is_file() {
        return Vec::new();
    }
    let Ok(out) = Command::new("bash").arg(&script).arg("--list").output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .collect()
}

//! Finding the Go files to check.
//!
//! Directories are walked with `walkdir`, skipping what the go tool skips
//! (`vendor/`, `testdata/`, names starting with `.` or `_`) and what
//! `.gitignore` files between the repository root and the file exclude.
//! Symbolic links are not followed while walking (so a link loop cannot
//! trap the walk); a path named on the command line is always taken.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A problem met while discovering or reading input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub message: String,
    /// Something the user asked for could not be checked (exit code 2).
    pub is_error: bool,
}

#[derive(Default)]
pub struct Discovered {
    /// Files to check, sorted and deduplicated.
    pub files: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

/// Go's package pattern `dir/...` (and `...`) names `dir` recursively, which
/// is what a directory means here.
fn strip_go_pattern(p: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    match s.strip_suffix("...") {
        Some(rest) => {
            let rest = rest.trim_end_matches('/');
            PathBuf::from(if rest.is_empty() { "." } else { rest })
        }
        None => p.to_path_buf(),
    }
}

pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    let ignores = std::cell::RefCell::new(IgnoreCache::default());
    let paths: Vec<PathBuf> = paths.iter().map(|p| strip_go_pattern(p)).collect();
    for root in &paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.problems.push(Problem {
                    path: display_path(root),
                    message: io_message(&e),
                    is_error: true,
                });
                continue;
            }
        };
        if meta.is_file() {
            // Named explicitly: taken whatever its name or location.
            out.files.push(root.clone());
            continue;
        }
        if !meta.is_dir() {
            out.problems.push(Problem {
                path: display_path(root),
                message: "not a regular file or directory; skipped".into(),
                is_error: true,
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                if e.file_type().is_dir() {
                    if name.starts_with('.')
                        || name.starts_with('_')
                        || name == "vendor"
                        || name == "testdata"
                    {
                        return false;
                    }
                    return !ignores.borrow_mut().is_ignored(e.path(), true);
                }
                true
            });
        for entry in walker {
            match entry {
                Ok(e) => {
                    let ft = e.file_type();
                    let name = e.file_name().to_string_lossy();
                    if !name.ends_with(".go") || name.starts_with('.') || name.starts_with('_') {
                        continue;
                    }
                    if ft.is_symlink() || ft.is_dir() {
                        continue;
                    }
                    if !ft.is_file() {
                        out.problems.push(Problem {
                            path: display_path(e.path()),
                            message: "not a regular file; skipped".into(),
                            is_error: false,
                        });
                        continue;
                    }
                    if ignores.borrow_mut().is_ignored(e.path(), false) {
                        continue;
                    }
                    out.files.push(e.into_path());
                }
                Err(err) => {
                    let path = err
                        .path()
                        .map(display_path)
                        .unwrap_or_else(|| display_path(root));
                    let message = match err.io_error() {
                        Some(io) => io_message(io),
                        None => err.to_string(),
                    };
                    out.problems.push(Problem {
                        path,
                        message,
                        is_error: true,
                    });
                }
            }
        }
    }
    out.files.sort();
    out.files.dedup();
    out
}

/// `.gitignore` matchers per directory, from the repository root (the
/// nearest ancestor holding `.git`) down.
#[derive(Default)]
struct IgnoreCache {
    by_dir: HashMap<PathBuf, Option<Gitignore>>,
    is_repo_root: HashMap<PathBuf, bool>,
}

impl IgnoreCache {
    fn is_ignored(&mut self, path: &Path, is_dir: bool) -> bool {
        let abs = match std::path::absolute(path) {
            Ok(p) => p,
            Err(_) => return false,
        };
        // Deepest .gitignore first: the most specific one decides.
        let mut dir = abs.parent();
        while let Some(d) = dir {
            if let Some(gi) = self.matcher(d) {
                let m = gi.matched(&abs, is_dir);
                if m.is_ignore() {
                    return true;
                }
                if m.is_whitelist() {
                    return false;
                }
            }
            let root = *self
                .is_repo_root
                .entry(d.to_path_buf())
                .or_insert_with(|| d.join(".git").exists());
            if root {
                break;
            }
            dir = d.parent();
        }
        false
    }

    fn matcher(&mut self, dir: &Path) -> Option<&Gitignore> {
        self.by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = dir.join(".gitignore");
                if !file.is_file() {
                    return None;
                }
                let mut b = GitignoreBuilder::new(dir);
                b.add(&file);
                b.build().ok()
            })
            .as_ref()
    }
}

pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.replace('\\', "/")
}

pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// True when the file carries Go's generated-code marker, a line
/// `// Code generated ... DO NOT EDIT.` before the package clause.
pub fn is_generated(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("// Code generated ") && line.ends_with(" DO NOT EDIT.") {
            return true;
        }
        if line.starts_with("package ") {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_marker_must_precede_package_clause() {
        assert!(is_generated(
            "// Code generated by stringer; DO NOT EDIT.\n\npackage x\n"
        ));
        assert!(!is_generated(
            "package x\n// Code generated by stringer; DO NOT EDIT.\n"
        ));
        assert!(!is_generated("// Code generated by hand\npackage x\n"));
    }
}

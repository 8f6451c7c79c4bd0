//! Finding the Go files to check.
//!
//! Directories are walked with `walkdir`, skipping what the go tool skips
//! (`vendor/`, `testdata/`, names starting with `.` or `_`) and what
//! `.gitignore` files between the repository root and the file exclude.
//! Symbolic links to directories are not followed while walking (as
//! `go ./...` does not, and so a link loop cannot trap the walk); a link
//! named `*.go` to a regular file inside the walked directory is checked
//! under its own name. A path named on the command line is always taken.
//! FIFOs, sockets and devices are never opened (opening a FIFO blocks).

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
    /// Passed over on purpose, with the reason (listed by `--verbose`):
    /// symbolic links to directories, which the walk does not follow.
    pub skipped: Vec<(String, String)>,
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

/// What a file that is not a regular file or a directory is, for messages.
pub fn kind_of(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "named pipe (FIFO)";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_char_device() {
            return "character device";
        }
        if ft.is_block_device() {
            return "block device";
        }
    }
    if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symbolic link"
    } else if ft.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// The walk's view of one directory named on the command line.
struct Walk<'a> {
    root: &'a Path,
    /// The root with every link resolved: symbolic links met in the walk
    /// are followed only to files inside it.
    canonical_root: Option<PathBuf>,
    ignores: &'a std::cell::RefCell<IgnoreCache>,
    out: &'a mut Discovered,
}

impl Walk<'_> {
    fn warn(&mut self, path: &Path, message: String) {
        self.out.problems.push(Problem {
            path: display_path(path),
            message,
            is_error: false,
        });
    }

    fn take(&mut self, path: PathBuf) {
        note_lossy_name(&path, &mut self.out.problems);
        self.out.files.push(path);
    }

    /// A symbolic link met while walking. Links to directories are never
    /// followed (as `go ./...` does not); a link named `*.go` to a regular
    /// file inside the checked root is checked under the link's name (the
    /// go tool compiles it); anything else is skipped with a warning.
    fn symlink(&mut self, path: &Path, is_go: bool) {
        let target = std::fs::metadata(path);
        let meta = match target {
            Ok(m) => m,
            Err(e) => {
                let ignored = self.ignores.borrow_mut().is_ignored(path, false);
                if is_loop(&e) && !ignored {
                    self.warn(path, "symbolic link loop; skipped".into());
                } else if is_go && !ignored {
                    let why = if e.kind() == std::io::ErrorKind::NotFound {
                        "broken symbolic link (its target does not exist)".to_string()
                    } else {
                        format!("cannot follow symbolic link: {}", io_message(&e))
                    };
                    self.warn(path, format!("{why}; skipped"));
                }
                return;
            }
        };
        if meta.is_dir() {
            if self.ignores.borrow_mut().is_ignored(path, true) {
                return;
            }
            let encloses = match (
                std::fs::canonicalize(path),
                path.parent().map(std::fs::canonicalize),
            ) {
                (Ok(t), Some(Ok(parent))) => parent.starts_with(t),
                _ => false,
            };
            if encloses {
                self.warn(
                    path,
                    "symbolic link loop (to a directory that contains it); not followed".into(),
                );
            } else {
                self.out.skipped.push((
                    display_path(path),
                    "symbolic link to a directory; not followed (name it on the command line to check it)"
                        .into(),
                ));
            }
            return;
        }
        if !is_go || self.ignores.borrow_mut().is_ignored(path, false) {
            return;
        }
        if !meta.is_file() {
            let kind = kind_of(&meta.file_type());
            self.warn(
                path,
                format!("symbolic link to a {kind}, not a regular file; skipped"),
            );
            return;
        }
        match std::fs::canonicalize(path) {
            Ok(t) if self.canonical_root.as_ref().is_some_and(|r| t.starts_with(r)) => {
                self.take(path.to_path_buf())
            }
            Ok(t) => self.warn(
                path,
                format!(
                    "symbolic link out of the checked directory (to {}); not followed (name it on the command line to check it)",
                    display_path(&t),
                ),
            ),
            Err(e) => self.warn(
                path,
                format!("cannot follow symbolic link: {}; skipped", io_message(&e)),
            ),
        }
    }

    fn run(&mut self) {
        let ignores = self.ignores;
        let walker = walkdir::WalkDir::new(self.root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 || !e.file_type().is_dir() {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                if name.starts_with('.')
                    || name.starts_with('_')
                    || name == "vendor"
                    || name == "testdata"
                {
                    return false;
                }
                !ignores.borrow_mut().is_ignored(e.path(), true)
            });
        for entry in walker {
            let e = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().unwrap_or(self.root).to_path_buf();
                    let what = if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                        "cannot read directory"
                    } else {
                        "cannot read"
                    };
                    let message = match err.io_error() {
                        Some(io) => format!("{what}: {}", io_message(io)),
                        None => err.to_string(),
                    };
                    self.out.problems.push(Problem {
                        path: display_path(&path),
                        message,
                        is_error: true,
                    });
                    continue;
                }
            };
            if e.depth() == 0 {
                continue;
            }
            let ft = e.file_type();
            if ft.is_dir() {
                continue;
            }
            let name = e.file_name().to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let is_go = name.ends_with(".go");
            if ft.is_symlink() {
                let path = e.into_path();
                self.symlink(&path, is_go);
                continue;
            }
            if !is_go || self.ignores.borrow_mut().is_ignored(e.path(), false) {
                continue;
            }
            if !ft.is_file() {
                // Never opened: opening a FIFO waits for a writer.
                let kind = kind_of(&ft);
                self.warn(e.path(), format!("{kind}, not a regular file; skipped"));
                continue;
            }
            self.take(e.into_path());
        }
    }
}

/// A file name that is not UTF-8 is shown with U+FFFD for its bad bytes
/// (in every output format): say so once per file.
fn note_lossy_name(path: &Path, problems: &mut Vec<Problem>) {
    if path.to_str().is_none() {
        problems.push(Problem {
            path: display_path(path),
            message: "file name is not valid UTF-8; checked, shown with \u{FFFD} for the bad bytes"
                .into(),
            is_error: false,
        });
    }
}

/// Too many levels of symbolic links.
fn is_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
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
            // Named explicitly: taken whatever its name or location (a
            // symbolic link named on the command line is followed).
            note_lossy_name(root, &mut out.problems);
            out.files.push(root.clone());
            continue;
        }
        if !meta.is_dir() {
            let kind = kind_of(&meta.file_type());
            out.problems.push(Problem {
                path: display_path(root),
                message: format!("{kind}, not a regular file or directory; skipped"),
                is_error: true,
            });
            continue;
        }
        Walk {
            root,
            canonical_root: std::fs::canonicalize(root).ok(),
            ignores: &ignores,
            out: &mut out,
        }
        .run();
    }
    out.files.sort();
    out.files.dedup();
    out
}

/// Reads a source file without ever blocking on it: the file is opened
/// non-blocking and must be a regular file once open (it may have been
/// replaced by a FIFO or a device since it was listed).
pub fn read_source(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{}, not a regular file",
            kind_of(&meta.file_type())
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(1 << 30) as usize);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
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
    if is_loop(e) {
        return "symbolic link loop (too many levels of symbolic links)".into();
    }
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

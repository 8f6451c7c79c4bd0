//! Linting one file of a package again and again, as an editor needs: the
//! package's other files stay parsed between runs (re-read only when their
//! modification time or size changes, or taken from open buffers), the
//! edited file is re-parsed incrementally from its previous tree, and every
//! other file's per-function facts are reused as long as the package-level
//! model they were computed against has not changed.

use crate::model::facts::FileFacts;
use crate::model::{self, Package, ParsedFile};
use crate::source::SourceFile;
use crate::syntax::SyntaxTree;
use crate::{Finding, Options, discover};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use tree_sitter::Tree;

/// What the caller knows about a file as an editor buffer.
pub enum Buffer {
    /// Not open: the file on disk is the truth.
    Closed,
    /// Open, at the version the engine saw last.
    Unchanged,
    /// Open at a newer version: its text, and the tree of an earlier
    /// version with the edits since applied (for an incremental parse).
    Changed {
        version: i32,
        text: String,
        tree: Option<Tree>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Disk(Option<SystemTime>, u64),
    Buffer(i32),
}

struct Entry {
    origin: Origin,
    source: Arc<SourceFile>,
    /// Tree-sitter's tree of an open buffer, for its next incremental parse.
    tree: Option<Tree>,
    /// What the analysis reads.
    flat: Arc<SyntaxTree>,
    package: Option<String>,
    hash: u64,
    /// Its package-level declarations, collected once per version.
    decls: model::FileDecls,
}

struct CachedFacts {
    hash: u64,
    model: u64,
    facts: FileFacts,
}

struct Settings {
    opts: Options,
    go: Option<(u32, u32)>,
    error: Option<String>,
}

/// The result of linting one file.
pub struct Linted {
    /// The text the findings' offsets refer to.
    pub source: Arc<SourceFile>,
    /// Unsuppressed findings, sorted.
    pub findings: Vec<Finding>,
    /// The buffer's new tree and the version it is for, to keep for the
    /// next incremental parse.
    pub tree: Option<(i32, Tree)>,
    /// A problem to show the user (a bad configuration file).
    pub problem: Option<String>,
    /// How many files (declarations, for open buffers) were analyzed anew.
    pub analyzed: usize,
}

#[derive(Default)]
pub struct Engine {
    files: HashMap<PathBuf, Entry>,
    facts: HashMap<PathBuf, CachedFacts>,
    /// Per-declaration facts of open buffers (see `model::units`).
    units: HashMap<PathBuf, model::units::UnitCache>,
    settings: HashMap<PathBuf, Settings>,
    /// A configuration file to use instead of searching for one.
    pub config: Option<PathBuf>,
}

/// Context files larger than this are left out of the package.
const MAX_CONTEXT_FILE: u64 = 32 << 20;

impl Engine {
    pub fn new(config: Option<PathBuf>) -> Engine {
        Engine {
            config,
            ..Engine::default()
        }
    }

    /// Forgets configurations and facts (the configuration changed).
    pub fn reload(&mut self) {
        self.settings.clear();
        self.facts.clear();
        self.units.clear();
    }

    /// Forgets what is kept for `path`, or for its whole directory when no
    /// other file of it is open.
    pub fn close(&mut self, path: &Path, dir_still_open: bool) {
        self.units.remove(path);
        if dir_still_open {
            self.files.remove(path);
            self.facts.remove(path);
        } else {
            let dir = path.parent().unwrap_or(Path::new(""));
            self.files.retain(|p, _| p.parent() != Some(dir));
            self.facts.retain(|p, _| p.parent() != Some(dir));
            self.settings.remove(dir);
        }
    }

    fn settings(&mut self, dir: &Path) -> &Settings {
        let explicit = self.config.clone();
        self.settings.entry(dir.to_path_buf()).or_insert_with(|| {
            let path = explicit.or_else(|| crate::config::find(dir));
            let (config, error) = match path.as_deref().map(crate::config::load) {
                None => (crate::config::Config::default(), None),
                Some(Ok(c)) => (c, None),
                Some(Err(e)) => (
                    crate::config::Config::default(),
                    Some(format!(
                        "invalid configuration {}: {}; using the defaults",
                        e.path.display(),
                        e.message
                    )),
                ),
            };
            let opts = Options::from_config(&config);
            let go = opts.go.or_else(|| model::go_mod_version(dir));
            Settings { opts, go, error }
        })
    }

    /// Lints `target` in the context of its package. `buffer` tells, for
    /// any file of the directory, whether it is open in the editor (given
    /// the version the engine last saw).
    pub fn lint(
        &mut self,
        target: &Path,
        buffer: &mut dyn FnMut(&Path, Option<i32>) -> Buffer,
    ) -> Linted {
        let dir = target.parent().unwrap_or(Path::new("")).to_path_buf();
        let (opts, go, problem) = {
            let s = self.settings(&dir);
            (s.opts.clone(), s.go, s.error.clone())
        };
        self.refresh(target, buffer);
        let mut paths = self.siblings(&dir, target);
        paths.push(target.to_path_buf());
        for p in &paths[..paths.len() - 1] {
            self.refresh(p, buffer);
        }
        let empty = |source: Arc<SourceFile>, tree| Linted {
            source,
            findings: Vec::new(),
            tree,
            problem: problem.clone(),
            analyzed: 0,
        };
        let Some(t) = self.files.get(target) else {
            let source = Arc::new(SourceFile::new(
                target.to_path_buf(),
                discover::display_path(target),
                String::new(),
            ));
            return empty(source, None);
        };
        let new_tree = match t.origin {
            Origin::Buffer(v) => t.tree.clone().map(|tree| (v, tree)),
            Origin::Disk(..) => None,
        };
        let target_source = t.source.clone();
        if opts.excluded(target)
            || (!opts.include_generated && discover::is_generated(&t.source.text))
        {
            return empty(target_source, new_tree);
        }
        let Some(package) = t.package.clone() else {
            return empty(target_source, new_tree);
        };
        // The package's files in path order, the target among them.
        paths.sort();
        let members: Vec<&PathBuf> = paths
            .iter()
            .filter(|p| {
                self.files
                    .get(*p)
                    .is_some_and(|e| e.package.as_deref() == Some(&package))
            })
            .collect();
        let files: Vec<ParsedFile> = members
            .iter()
            .map(|p| {
                let e = &self.files[*p];
                ParsedFile {
                    source: e.source.clone(),
                    tree: e.flat.clone(),
                    report: p.as_path() == target,
                }
            })
            .collect();
        let decls = members
            .iter()
            .map(|p| self.files[*p].decls.clone())
            .collect();
        let mut pkg = Package::assemble(dir.clone(), package, files, decls);
        pkg.go_version = go;
        pkg.extensions = model::Extensions::new(&opts.rule_options);
        let model_sig = {
            let mut h = DefaultHasher::new();
            members.hash(&mut h);
            model::units::model_signature(&pkg).hash(&mut h);
            h.finish()
        };
        let mut analyzed = 0;
        let all: Vec<FileFacts> = members
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let hash = self.files[*p].hash;
                match self.facts.remove(*p) {
                    Some(c) if c.hash == hash && c.model == model_sig => c.facts,
                    _ if matches!(self.files[*p].origin, Origin::Buffer(_)) => {
                        let cache = self.units.entry((*p).clone()).or_default();
                        let (facts, n) = cache.analyze(&pkg, i, model_sig);
                        analyzed += n;
                        facts
                    }
                    _ => {
                        analyzed += 1;
                        model::mapstate::analyze_file(&pkg, i)
                    }
                }
            })
            .collect();
        let mut findings: Vec<Finding> = crate::run_rules_with_facts(&pkg, &all, &opts)
            .into_iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
        findings.sort_by(|a, b| {
            (a.diagnostic.span, a.diagnostic.rule).cmp(&(b.diagnostic.span, b.diagnostic.rule))
        });
        for (p, facts) in members.iter().zip(all) {
            let hash = self.files[*p].hash;
            self.facts.insert(
                (*p).clone(),
                CachedFacts {
                    hash,
                    model: model_sig,
                    facts,
                },
            );
        }
        Linted {
            source: target_source,
            findings,
            tree: new_tree,
            problem,
            analyzed,
        }
    }

    /// The `.go` files of `dir` other than `target`, as the go tool sees
    /// them (no dot or underscore files).
    fn siblings(&self, dir: &Path, target: &Path) -> Vec<PathBuf> {
        let listing = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = std::fs::read_dir(listing) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter(|e| {
                let n = e.file_name();
                let n = n.to_string_lossy();
                n.ends_with(".go") && !n.starts_with('.') && !n.starts_with('_')
            })
            .map(|e| dir.join(e.file_name()))
            .filter(|p| p != target)
            .collect()
    }

    /// Brings the entry for `path` up to date with its buffer or the disk.
    fn refresh(&mut self, path: &Path, buffer: &mut dyn FnMut(&Path, Option<i32>) -> Buffer) {
        let known = self.files.get(path).and_then(|e| match e.origin {
            Origin::Buffer(v) => Some(v),
            Origin::Disk(..) => None,
        });
        match buffer(path, known) {
            Buffer::Unchanged if known.is_some() => {}
            Buffer::Changed {
                version,
                text,
                tree,
            } => {
                let parsed = crate::parse_text(&text, tree.as_ref());
                self.store(path, Origin::Buffer(version), text, parsed);
            }
            Buffer::Closed | Buffer::Unchanged => {
                let Ok(meta) = std::fs::metadata(path) else {
                    self.files.remove(path);
                    return;
                };
                let origin = Origin::Disk(meta.modified().ok(), meta.len());
                if self.files.get(path).is_some_and(|e| e.origin == origin) {
                    return;
                }
                if meta.len() > MAX_CONTEXT_FILE {
                    self.files.remove(path);
                    return;
                }
                match std::fs::read(path).map(String::from_utf8) {
                    Ok(Ok(text)) => {
                        let parsed = crate::parse_text(&text, None);
                        self.store(path, origin, text, parsed);
                    }
                    _ => {
                        self.files.remove(path);
                    }
                }
            }
        }
    }

    fn store(&mut self, path: &Path, origin: Origin, text: String, tree: Option<Tree>) {
        let Some(tree) = tree else {
            self.files.remove(path);
            return;
        };
        let Some(flat) = SyntaxTree::new(&tree, &text) else {
            self.files.remove(path);
            return;
        };
        let flat = Arc::new(flat);
        let tree = matches!(origin, Origin::Buffer(_)).then_some(tree);
        let hash = crate::fnv1a(text.as_bytes());
        let package = model::named_children(flat.root_node())
            .find(|n| n.kind() == "package_clause")
            .and_then(|c| c.named_child(0))
            .map(|n| text[n.byte_range()].to_string());
        let source = Arc::new(SourceFile::new(
            path.to_path_buf(),
            discover::display_path(path),
            text,
        ));
        let parsed = ParsedFile {
            source,
            tree: flat,
            report: false,
        };
        let decls = model::FileDecls::collect(&parsed, 0);
        let ParsedFile {
            source, tree: flat, ..
        } = parsed;
        self.files.insert(
            path.to_path_buf(),
            Entry {
                origin,
                source,
                tree,
                flat,
                package,
                hash,
                decls,
            },
        );
    }
}

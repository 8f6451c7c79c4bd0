//! mapvet: a static linter for map misuse in Go source.
//!
//! The pipeline: [`discover`] the files, read and parse them in parallel
//! (one tree-sitter parser per worker thread), group them into packages
//! (same directory, same package clause), build the semantic [`model`] of
//! each package, run the [`rules`] over it, and sort the findings so the
//! output is identical for any thread count. The CLI, the tests and the
//! printers all go through [`check_paths`] / [`check_package_sources`].

pub mod baseline;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fields;
pub mod lsp;
pub mod model;
pub mod output;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;

use diagnostic::{Diagnostic, Severity};
use discover::{Problem, display_path, io_message};
use model::{Package, ParsedFile};
use rayon::prelude::*;
use source::{Position, SourceFile};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads; `None` uses one per core.
    pub threads: Option<usize>,
    pub include_generated: bool,
    /// Only these rules (ids); `None` runs every rule.
    pub select: Option<Vec<String>>,
    /// Rules not to run.
    pub ignore: Vec<String>,
    /// Report suppression directives that suppress nothing.
    pub report_unused_ignores: bool,
    /// Per-rule severity from the configuration; `None` turns a rule off.
    pub severity: std::collections::BTreeMap<String, Option<Severity>>,
    /// Files to leave out: globs relative to a base directory.
    pub exclude: Option<(PathBuf, globset::GlobSet)>,
    /// Stop after parsing (the baseline of the speed benchmark).
    pub parse_only: bool,
    /// The Go version to assume, over `go.mod` (from the configuration).
    pub go: Option<(u32, u32)>,
    /// Files larger than this many bytes are skipped with a warning.
    pub max_file_size: Option<u64>,
    /// Rule options from the configuration.
    pub rule_options: config::RuleOptions,
}

/// Time spent per phase, summed over worker threads (CPU-ish time), and
/// the volume of input: printed by `mapvet check --stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub read_ns: std::sync::atomic::AtomicU64,
    pub parse_ns: std::sync::atomic::AtomicU64,
    pub model_ns: std::sync::atomic::AtomicU64,
    pub rules_ns: std::sync::atomic::AtomicU64,
    pub bytes: std::sync::atomic::AtomicU64,
    pub lines: std::sync::atomic::AtomicU64,
}

pub static STATS: Stats = Stats {
    read_ns: std::sync::atomic::AtomicU64::new(0),
    parse_ns: std::sync::atomic::AtomicU64::new(0),
    model_ns: std::sync::atomic::AtomicU64::new(0),
    rules_ns: std::sync::atomic::AtomicU64::new(0),
    bytes: std::sync::atomic::AtomicU64::new(0),
    lines: std::sync::atomic::AtomicU64::new(0),
};

fn add(counter: &std::sync::atomic::AtomicU64, since: std::time::Instant) {
    counter.fetch_add(
        since.elapsed().as_nanos() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
}

impl Options {
    fn rule_enabled(&self, id: &str) -> bool {
        self.select
            .as_ref()
            .is_none_or(|s| s.iter().any(|r| r == id))
            && !self.ignore.iter().any(|r| r == id)
            && !matches!(self.severity.get(id), Some(None))
    }

    fn severity_for(&self, rule: &rules::RuleMeta) -> Severity {
        match self.severity.get(rule.id) {
            Some(Some(s)) => *s,
            _ => rule.default_severity,
        }
    }

    /// The options a configuration file gives (the CLI's flags then
    /// override them; the language server uses them as they are).
    pub fn from_config(config: &config::Config) -> Options {
        Options {
            select: config.select.clone(),
            ignore: config.ignore.clone(),
            severity: config.severity.clone(),
            exclude: config.excluder(),
            go: config.go.as_deref().and_then(model::parse_go_version),
            rule_options: config.rule_options.clone(),
            ..Options::default()
        }
    }

    /// The file matches the configuration's `exclude` globs.
    pub fn excluded(&self, file: &Path) -> bool {
        let Some((base, set)) = &self.exclude else {
            return false;
        };
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let rel = abs.strip_prefix(base).unwrap_or(&abs);
        set.is_match(rel)
    }
}

/// A diagnostic placed in its file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub source: Arc<SourceFile>,
    pub start: Position,
    pub end: Position,
    /// Set when an in-source directive suppresses it: the justification.
    pub suppressed: Option<String>,
}

impl Finding {
    pub fn path(&self) -> &str {
        &self.source.display
    }

    /// A stable fingerprint: the rule, the file and the flagged line's
    /// text with whitespace collapsed. Unchanged when lines above move.
    /// (Two identical flagged lines in a file share it; [`fingerprints`]
    /// numbers them.)
    pub fn fingerprint_base(&self) -> u64 {
        let line = self.source.line_text(self.start.line - 1);
        let norm: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
        fnv1a(format!("{}\u{0}{}\u{0}{}", self.diagnostic.rule, self.path(), norm).as_bytes())
    }

    fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            self.path(),
            self.start.line,
            self.start.col,
            self.diagnostic.rule,
            &self.diagnostic.message,
        )
    }
}

/// FNV-1a, 64 bits: a hash that stays the same across builds and platforms.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Fingerprints of findings in order, hex, with `:N` appended to the N-th
/// repeat of the same base fingerprint (in source order).
pub fn fingerprints<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let base = f.fingerprint_base();
            let n = seen.entry(base).or_default();
            let fp = if *n == 0 {
                format!("{base:016x}")
            } else {
                format!("{base:016x}:{n}")
            };
            *n += 1;
            fp
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Findings suppressed in the source (not printed, except in SARIF on
    /// request).
    pub suppressed: Vec<Finding>,
    /// Warnings and errors about the input, sorted by path.
    pub problems: Vec<Problem>,
    /// Files that were parsed and checked.
    pub files_checked: usize,
    /// Files that were passed over, with the reason (generated code...).
    pub skipped: Vec<(String, String)>,
    /// Checked files with syntax the grammar did not understand (errors,
    /// or Go newer than the grammar): checked outside the damaged region.
    /// Warnings, summarised unless `--verbose`.
    pub syntax_errors: Vec<Problem>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.is_error)
    }

    /// 0 clean, 1 findings, 2 input errors.
    pub fn exit_code(&self) -> i32 {
        if self.has_errors() {
            2
        } else if self.findings.is_empty() {
            0
        } else {
            1
        }
    }

    fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.suppressed
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.problems.sort();
        self.skipped.sort();
        self.syntax_errors.sort();
    }
}

/// Checks files and directories as the CLI does.
pub fn check_paths(paths: &[PathBuf], opts: &Options) -> Report {
    let mut found = discover::discover(paths);
    found.files.retain(|f| !opts.excluded(f));
    // Excluded paths are not warned about either (a FIFO, a broken link).
    found
        .problems
        .retain(|p| p.is_error || !opts.excluded(Path::new(&p.path)));
    found
        .skipped
        .retain(|(path, _)| !opts.excluded(Path::new(path)));
    let mut report = run_in_pool(opts, || check_files(&found.files, opts));
    report.problems.extend(found.problems);
    report.skipped.extend(found.skipped);
    report.sort();
    report
}

/// Stack for worker threads: the analysis bounds its recursion, but deeply
/// nested input should meet those bounds, not the stack's.
pub(crate) const WORKER_STACK: usize = 16 << 20;

fn run_in_pool<T: Send>(opts: &Options, f: impl FnOnce() -> T + Send) -> T {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n.max(1));
    }
    match builder.build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// Checks the given files, each in the context of its whole package: the
/// other `.go` files of its directory are loaded for the model but only the
/// given files are reported on.
pub fn check_files(files: &[PathBuf], opts: &Options) -> Report {
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in files {
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        by_dir.entry(dir).or_default().push(f.clone());
    }
    // A directory's syntax trees take ten to thirty times its source in
    // memory while its rules run. Directories with a lot of source
    // (generated API clients, tables) are checked one at a time, on one
    // side of a join, while the other directories are checked in parallel
    // on the other: two of them are never in memory together, and they
    // still overlap with the rest of the work.
    let (big, normal): (Vec<_>, Vec<_>) = by_dir
        .into_iter()
        .map(|(dir, targets)| (go_bytes(&dir), dir, targets))
        .partition(|(bytes, _, _)| *bytes > BIG_DIR);
    let (mut parts, big_parts): (Vec<Report>, Vec<Report>) = rayon::join(
        || {
            normal
                .into_par_iter()
                .map(|(_, dir, targets)| check_dir(&dir, &targets, opts))
                .collect()
        },
        || {
            big.into_iter()
                .map(|(_, dir, targets)| check_dir(&dir, &targets, opts))
                .collect()
        },
    );
    parts.extend(big_parts);
    let mut report = Report::default();
    for p in parts {
        report.findings.extend(p.findings);
        report.suppressed.extend(p.suppressed);
        report.problems.extend(p.problems);
        report.skipped.extend(p.skipped);
        report.syntax_errors.extend(p.syntax_errors);
        report.files_checked += p.files_checked;
    }
    report.sort();
    report
}

/// After a directory with more Go source than this, freed memory is given
/// back to the system (see [`release_freed_memory`]).
const TRIM_AFTER: usize = 4 << 20;

/// Gives the pages of freed syntax trees back to the system. glibc keeps
/// them in its per-thread arenas, fragmented, and the next big package then
/// takes new ones. On the whole corpus at -j2 (flat trees): peak RSS 305
/// MiB without trims, 283 MiB trimming after directories over 4 MiB of
/// source, 282 MiB after those over 1 MiB, whose system time was 5% of the
/// run against 3%. A single arena for all threads (M_ARENA_MAX=1) kept the
/// peak low too, but the threads then wait for each other on its lock.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the kernel; it takes
    // the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Directories with more Go source than this are checked alone.
const BIG_DIR: u64 = 3 << 20;

/// The size of the `.go` files directly in `dir`.
fn go_bytes(dir: &Path) -> u64 {
    let listing = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::read_dir(listing)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".go"))
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn check_dir(dir: &Path, targets: &[PathBuf], opts: &Options) -> Report {
    let mut report = Report::default();
    // Sibling files give the package context.
    let mut all: Vec<(PathBuf, bool)> = targets.iter().map(|t| (t.clone(), true)).collect();
    let listing = if dir.as_os_str().is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(dir)
    };
    if let Ok(entries) = listing {
        let mut siblings: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default();
                n.ends_with(".go") && !n.starts_with('.') && !n.starts_with('_')
            })
            .map(|p| {
                if dir.as_os_str().is_empty() {
                    PathBuf::from(p.file_name().unwrap())
                } else {
                    p
                }
            })
            .filter(|p| !targets.contains(p))
            .collect();
        siblings.sort();
        all.extend(siblings.into_iter().map(|p| (p, false)));
    }
    let loaded: Vec<Loaded> = all
        .par_iter()
        .map(|(path, report)| {
            let t = std::time::Instant::now();
            let text = discover::read_source(path).map_err(|e| match e.kind() {
                // It was there when the directory was listed.
                std::io::ErrorKind::NotFound => "it was removed while mapvet ran".into(),
                _ => io_message(&e),
            });
            add(&STATS.read_ns, t);
            if let Ok(b) = &text {
                STATS
                    .bytes
                    .fetch_add(b.len() as u64, std::sync::atomic::Ordering::Relaxed);
                let lines = b.iter().filter(|&&c| c == b'\n').count();
                STATS
                    .lines
                    .fetch_add(lines as u64, std::sync::atomic::Ordering::Relaxed);
            }
            let t = std::time::Instant::now();
            let loaded = load(path, text, *report, opts);
            add(&STATS.parse_ns, t);
            loaded
        })
        .collect();
    let mut sources = Vec::new();
    for l in loaded {
        match l {
            Loaded::Parsed(file) => sources.push(file),
            Loaded::Skipped { path, reason } => report.skipped.push((path, reason)),
            Loaded::Problem(p) => report.problems.push(p),
            Loaded::Context => {}
            Loaded::ParsedOnly => report.files_checked += 1,
        }
    }
    let source_bytes: usize = sources.iter().map(|s| s.file.source.text.len()).sum();
    let mut part = check_parsed(dir, sources, opts);
    if source_bytes > TRIM_AFTER {
        release_freed_memory();
    }
    report.findings.append(&mut part.findings);
    report.suppressed.append(&mut part.suppressed);
    report.problems.append(&mut part.problems);
    report.syntax_errors.append(&mut part.syntax_errors);
    report.files_checked += part.files_checked;
    report
}

enum Loaded {
    Parsed(ParsedSource),
    Skipped {
        path: String,
        reason: String,
    },
    Problem(Problem),
    /// A context file that could not be used; nothing to say about it.
    Context,
    /// `--parse-only`: parsed, and the tree dropped.
    ParsedOnly,
}

/// A file read and parsed, not yet placed in a package.
pub struct ParsedSource {
    pub file: ParsedFile,
    pub package: String,
}

fn load(path: &Path, bytes: Result<Vec<u8>, String>, report: bool, opts: &Options) -> Loaded {
    let shown = display_path(path);
    let problem = |message: String, is_error: bool| {
        if report {
            Loaded::Problem(Problem {
                path: shown.clone(),
                message,
                is_error,
            })
        } else {
            Loaded::Context
        }
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(msg) => return problem(format!("cannot read file: {msg}"), true),
    };
    if let Some(max) = opts.max_file_size
        && bytes.len() as u64 > max
    {
        return problem(
            format!("{} bytes, over --max-file-size {max}; skipped", bytes.len()),
            false,
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return problem(
                format!("not valid UTF-8 (first bad byte at offset {at}); skipped"),
                false,
            );
        }
    };
    if report && !opts.include_generated && discover::is_generated(&text) {
        return Loaded::Skipped {
            path: shown,
            reason: "generated file (use --include-generated to check it)".into(),
        };
    }
    if opts.parse_only {
        // The baseline the speed targets are measured against: what any
        // tree-sitter tool pays for each file.
        drop(parse_text(&text, None));
        return Loaded::ParsedOnly;
    }
    match parse_source(
        SourceFile::new(path.to_path_buf(), shown.clone(), text),
        report,
    ) {
        Ok(parsed) => Loaded::Parsed(parsed),
        Err(msg) => problem(msg, false),
    }
}

thread_local! {
    static PARSER: RefCell<Option<tree_sitter::Parser>> = const { RefCell::new(None) };
}

/// Parses one source file with this thread's parser. Returns the parsed file
/// with its package name, or why the file cannot be checked at all.
pub fn parse_source(source: SourceFile, report: bool) -> Result<ParsedSource, String> {
    if source.text.trim().is_empty() {
        return Err("empty file; skipped".into());
    }
    let tree = parse_text(&source.text, None);
    finish_parse(source, tree, report)
}

/// Parses `text` with this thread's parser, reusing `old` (a tree of the
/// previous text, already `edit`ed to match it) for an incremental parse.
pub fn parse_text(text: &str, old: Option<&tree_sitter::Tree>) -> Option<tree_sitter::Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut p = tree_sitter::Parser::new();
            p.set_language(&tree_sitter_go::LANGUAGE.into())
                .expect("the Go grammar matches the tree-sitter version");
            p
        });
        parser.parse(text, old)
    })
}

/// Places an already parsed tree: its package name, or why the file cannot
/// be checked.
pub fn finish_parse(
    source: SourceFile,
    tree: Option<tree_sitter::Tree>,
    report: bool,
) -> Result<ParsedSource, String> {
    let Some(tree) = tree else {
        return Err("the parser gave up on this file; skipped".into());
    };
    let Some(tree) = crate::syntax::SyntaxTree::new(&tree, &source.text) else {
        return Err("syntax tree too large to hold; skipped".into());
    };
    let root = tree.root_node();
    let package = model::named_children(root)
        .find(|n| n.kind() == "package_clause")
        .and_then(|c| c.named_child(0))
        .map(|n| source.text[n.byte_range()].to_string());
    let Some(package) = package else {
        return Err("no package clause; skipped".into());
    };
    Ok(ParsedSource {
        file: ParsedFile {
            source: Arc::new(source),
            tree: Arc::new(tree),
            report,
        },
        package,
    })
}

/// The first ERROR or MISSING node, found by descending through the
/// children that `has_error()` (a zero-width MISSING node at the end of a
/// file is easy to miss in a plain walk).
fn first_error(root: syntax::Node<'_>) -> Option<syntax::Node<'_>> {
    model::first_error(root)
}

/// Groups parsed files of one directory into packages and runs the rules.
fn check_parsed(dir: &Path, sources: Vec<ParsedSource>, opts: &Options) -> Report {
    let mut report = Report::default();
    let mut by_pkg: BTreeMap<String, Vec<ParsedFile>> = BTreeMap::new();
    for s in sources {
        if s.file.report {
            report.files_checked += 1;
            if s.file.tree.root_node().has_error() {
                let at = first_error(s.file.tree.root_node())
                    .map(|n| s.file.source.position(n.start_byte()));
                let message = match at {
                    Some(p) => format!(
                        "syntax error at {}:{} (or syntax newer than the grammar); checked outside the damaged region",
                        p.line, p.col
                    ),
                    None => "syntax error; checked outside the damaged region".into(),
                };
                report.syntax_errors.push(Problem {
                    path: s.file.source.display.clone(),
                    message,
                    is_error: false,
                });
            }
        }
        by_pkg.entry(s.package).or_default().push(s.file);
    }
    for (name, files) in by_pkg {
        if !files.iter().any(|f| f.report) {
            continue;
        }
        if opts.parse_only {
            continue;
        }
        let t = std::time::Instant::now();
        let mut pkg = Package::build(dir.to_path_buf(), name, files);
        pkg.go_version = opts.go.or_else(|| model::go_mod_version(dir));
        pkg.extensions = model::Extensions::new(&opts.rule_options);
        add(&STATS.model_ns, t);
        let t = std::time::Instant::now();
        let found = run_rules(&pkg, opts);
        add(&STATS.rules_ns, t);
        drop(pkg);
        for f in found {
            if f.suppressed.is_some() {
                report.suppressed.push(f);
            } else {
                report.findings.push(f);
            }
        }
    }
    report
}

/// Runs every enabled rule over the reported files of a package. The model's
/// per-function facts are computed for every file first: a rule may need
/// facts from the package's other files (callers, declarations).
pub fn run_rules(pkg: &Package, opts: &Options) -> Vec<Finding> {
    let all: Vec<model::facts::FileFacts> = (0..pkg.files.len())
        .map(|fi| model::mapstate::analyze_file(pkg, fi))
        .collect();
    run_rules_with_facts(pkg, &all, opts)
}

/// Runs the rules with every file's facts already computed (`all[i]` for
/// `pkg.files[i]`): the language server keeps the facts of files that did
/// not change.
pub fn run_rules_with_facts(
    pkg: &Package,
    all: &[model::facts::FileFacts],
    opts: &Options,
) -> Vec<Finding> {
    let conc = model::concurrency::Concurrency::build(pkg, all);
    let mut out = Vec::new();
    for (fi, file) in pkg.files.iter().enumerate() {
        if !file.report {
            continue;
        }
        let cx = rules::RuleContext {
            pkg,
            file: fi,
            facts: &all[fi],
            all,
            conc: &conc,
        };
        let mut diags = Vec::new();
        for rule in rules::all() {
            if !opts.rule_enabled(rule.id) {
                continue;
            }
            let start = diags.len();
            (rule.check)(&cx, &mut diags);
            for d in &mut diags[start..] {
                d.severity = opts.severity_for(rule);
            }
        }
        // In-source suppressions: a suppressed finding keeps its
        // justification; directive problems are findings of their own.
        let dirs = suppress::directives(file);
        let mut used = vec![false; dirs.len()];
        let mut justified = Vec::with_capacity(diags.len());
        for d in diags {
            let line = file.source.line_index(d.span.start);
            let by = dirs.iter().position(|x| x.covers(d.rule, line));
            if let Some(i) = by {
                used[i] = true;
            }
            justified.push((d, by.map(|i| dirs[i].reason.clone().unwrap_or_default())));
        }
        // A directive for a rule that did not run cannot be judged unused.
        let judged: Vec<bool> = dirs
            .iter()
            .zip(&used)
            .map(|(d, u)| {
                *u || !d
                    .rules
                    .as_ref()
                    .is_none_or(|r| r.iter().all(|x| opts.rule_enabled(x)))
            })
            .collect();
        let problems = suppress::directive_problems(&dirs, &judged, opts.report_unused_ignores);
        justified.extend(problems.into_iter().map(|d| (d, None)));
        let errors = model::ErrorRegions::new(file.tree.root_node());
        for (d, suppressed) in justified {
            if errors.contains(d.span) {
                continue;
            }
            out.push(Finding {
                start: file.source.position(d.span.start),
                end: file.source.position(d.span.end),
                source: file.source.clone(),
                diagnostic: d,
                suppressed,
            });
        }
    }
    out
}

/// Lints in-memory sources of one package (for tests, editors and stdin):
/// `(path, text, report)` triples, all of one directory.
pub fn check_package_sources(
    dir: &Path,
    files: Vec<(PathBuf, String, bool)>,
    opts: &Options,
) -> Report {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    for (path, text, report) in files {
        let shown = display_path(&path);
        match parse_source(SourceFile::new(path, shown.clone(), text), report) {
            Ok(p) => sources.push(p),
            Err(message) if report => problems.push(Problem {
                path: shown,
                message,
                is_error: false,
            }),
            Err(_) => {}
        }
    }
    let mut report = check_parsed(dir, sources, opts);
    report.problems.extend(problems);
    report.sort();
    report
}

/// Checks `text` as the content of `path` (an editor buffer, standard
/// input), with the other `.go` files of its directory read from disk as the
/// package context.
pub fn check_source_in_context(path: &Path, text: String, opts: &Options) -> Report {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let listing = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir.as_path()
    };
    let mut files = vec![(path.to_path_buf(), text, true)];
    if let Ok(entries) = std::fs::read_dir(listing) {
        let mut siblings: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            // Regular files only: opening a FIFO would block.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "go") && p.file_name() != path.file_name()
            })
            .collect();
        siblings.sort();
        for s in siblings {
            if let Ok(Ok(t)) = discover::read_source(&s).map(String::from_utf8) {
                files.push((dir.join(s.file_name().unwrap()), t, false));
            }
        }
    }
    check_package_sources(&dir, files, opts)
}

/// The severity a rule reports with.
pub fn severity_of(rule: &str) -> Severity {
    rules::find(rule).map_or(Severity::Error, |r| r.default_severity)
}

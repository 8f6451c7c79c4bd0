//! `mapvet.toml` (or `.mapvet.toml`): which rules run, at which severity,
//! which files are excluded, which Go version the code targets.
//!
//! ```toml
//! select = ["nil-map-write", "unguarded-map-write"]   # default: every rule
//! ignore = ["unsorted-map-range"]
//! exclude = ["internal/gen/**", "**/*_mock.go"]
//! go = "1.22"                                         # default: from go.mod
//!
//! [severity]
//! deferred-map-mutation = "error"                     # error, warning, note, off
//!
//! [rules.unsorted-map-range]
//! output-functions = ["logx.Info", "Emit"]
//!
//! [rules.unguarded-map-write]
//! lock-methods = ["Acquire"]
//! unlock-methods = ["Release"]
//! caller-holds-lock = ["*Unsafe"]
//! ```
//!
//! Found from the checked path upward to the repository root (the first
//! directory holding `.git`), or named with `--config`. Command-line flags
//! override it. Every problem is reported with the span it comes from.

use crate::diagnostic::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const FILE_NAMES: &[&str] = &["mapvet.toml", ".mapvet.toml"];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    rules: Option<RawRules>,
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    go: Option<Spanned<String>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

/// `[rules.<id>]` tables: options of the rules that have any.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(rename = "unsorted-map-range")]
    unsorted_map_range: Option<UnsortedOptions>,
    #[serde(rename = "unguarded-map-write")]
    unguarded_map_write: Option<UnguardedOptions>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct UnsortedOptions {
    output_functions: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct UnguardedOptions {
    lock_methods: Option<Vec<String>>,
    unlock_methods: Option<Vec<String>>,
    caller_holds_lock: Option<Vec<Spanned<String>>>,
}

/// Rule options that reach the model (see `model::Extensions`).
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// `unsorted-map-range`: more output calls: `pkg.Func` or a method name.
    pub output_functions: Vec<String>,
    /// `unguarded-map-write`: more lock and unlock method names.
    pub lock_methods: Vec<String>,
    pub unlock_methods: Vec<String>,
    /// Glob patterns of function names whose callers hold the lock.
    pub caller_holds_lock: Vec<String>,
}

/// The effective configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// Per-rule severity; `None` turns the rule off.
    pub severity: BTreeMap<String, Option<Severity>>,
    /// Glob patterns, relative to the configuration file's directory.
    pub exclude: Vec<String>,
    pub go: Option<String>,
    pub rule_options: RuleOptions,
}

/// A configuration problem, with the file text and the span it concerns so
/// that it can be shown as a miette report.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigError {}

impl miette::Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("mapvet::config"))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_primary_with_span(Some("here".into()), span.start..span.end),
        )))
    }
}

/// The configuration file for `start`: the nearest `mapvet.toml` or
/// `.mapvet.toml` in it or a directory above it, up to the repository root.
pub fn find(start: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let f = d.join(name);
            if f.is_file() {
                return Some(f);
            }
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        text: String::new(),
        span: None,
        message: format!("cannot read: {}", crate::discover::io_message(&e)),
    })?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let err = |span: Option<Range<usize>>, message: String| ConfigError {
        path: path.to_path_buf(),
        text: text.to_string(),
        span,
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| err(e.span(), e.message().to_string()))?;
    let rule = |s: &Spanned<String>| -> Result<String, ConfigError> {
        match crate::rules::find(s.get_ref()) {
            Some(r) => Ok(r.id.to_string()),
            None => Err(err(
                Some(s.span()),
                format!("unknown rule `{}` (see `mapvet rules`)", s.get_ref()),
            )),
        }
    };
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    if let Some(list) = &raw.select {
        config.select = Some(list.iter().map(rule).collect::<Result<_, _>>()?);
    }
    if let Some(list) = &raw.ignore {
        config.ignore = list.iter().map(rule).collect::<Result<_, _>>()?;
    }
    for (r, level) in raw.severity.iter().flatten() {
        let id = rule(r)?;
        let s = match level.get_ref().as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            "off" => None,
            other => {
                return Err(err(
                    Some(level.span()),
                    format!("unknown severity `{other}` (error, warning, note or off)"),
                ));
            }
        };
        config.severity.insert(id, s);
    }
    for g in raw.exclude.iter().flatten() {
        globset::Glob::new(g.get_ref())
            .map_err(|e| err(Some(g.span()), format!("bad glob: {e}")))?;
        config.exclude.push(g.get_ref().clone());
    }
    if let Some(r) = &raw.rules {
        if let Some(u) = &r.unsorted_map_range {
            config.rule_options.output_functions = u.output_functions.clone().unwrap_or_default();
        }
        if let Some(u) = &r.unguarded_map_write {
            config.rule_options.lock_methods = u.lock_methods.clone().unwrap_or_default();
            config.rule_options.unlock_methods = u.unlock_methods.clone().unwrap_or_default();
            for p in u.caller_holds_lock.iter().flatten() {
                globset::Glob::new(p.get_ref())
                    .map_err(|e| err(Some(p.span()), format!("bad pattern: {e}")))?;
                config
                    .rule_options
                    .caller_holds_lock
                    .push(p.get_ref().clone());
            }
        }
    }
    if let Some(v) = &raw.go {
        let ok = v
            .get_ref()
            .split('.')
            .take(3)
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            && v.get_ref().starts_with('1');
        if !ok {
            return Err(err(
                Some(v.span()),
                format!("`{}` is not a Go version like \"1.22\"", v.get_ref()),
            ));
        }
        config.go = Some(v.get_ref().clone());
    }
    Ok(config)
}

impl Config {
    /// A matcher for the exclude globs, relative to the configuration's
    /// directory.
    pub fn excluder(&self) -> Option<(PathBuf, globset::GlobSet)> {
        if self.exclude.is_empty() {
            return None;
        }
        let base = self.path.as_ref()?.parent()?.to_path_buf();
        let mut b = globset::GlobSetBuilder::new();
        for g in &self.exclude {
            if let Ok(glob) = globset::Glob::new(g) {
                b.add(glob);
            }
        }
        Some((base, b.build().ok()?))
    }

    /// The configuration as TOML, for `mapvet config --show`.
    pub fn show(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "# from {}\n",
            self.path
                .as_ref()
                .map_or("defaults (no mapvet.toml found)".to_string(), |p| p
                    .display()
                    .to_string())
        ));
        let rules: Vec<String> = crate::rules::all()
            .iter()
            .filter(|r| {
                self.select
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|x| x == r.id))
            })
            .filter(|r| !self.ignore.iter().any(|x| x == r.id))
            .filter(|r| !matches!(self.severity.get(r.id), Some(None)))
            .map(|r| format!("{:?}", r.id))
            .collect();
        s.push_str(&format!("select = [{}]\n", rules.join(", ")));
        s.push_str(&format!(
            "exclude = [{}]\n",
            self.exclude
                .iter()
                .map(|g| format!("{g:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(go) = &self.go {
            s.push_str(&format!("go = {go:?}\n"));
        }
        s.push_str("\n[severity]\n");
        for r in crate::rules::all() {
            let level = match self.severity.get(r.id) {
                Some(Some(l)) => l.to_string(),
                Some(None) => "off".to_string(),
                None => r.default_severity.to_string(),
            };
            s.push_str(&format!("{} = {level:?}\n", r.id));
        }
        s
    }
}

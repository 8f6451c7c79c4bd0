use clap::{Parser, Subcommand, ValueEnum};
use mapvet::output;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "mapvet", version, about = "Finds map misuse in Go source")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    /// GitHub Actions annotations (workflow commands)
    Github,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Check Go files and directories (default: the current directory)
    Check {
        paths: Vec<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to FILE instead of standard output
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Worker threads (default: one per core)
        #[arg(long, short = 'j', value_name = "N")]
        threads: Option<usize>,
        /// No colours in text output (also when NO_COLOR is set)
        #[arg(long)]
        no_color: bool,
        /// Also check generated files (`// Code generated ... DO NOT EDIT.`)
        #[arg(long)]
        include_generated: bool,
        /// Run only these rules (comma-separated ids)
        #[arg(long, value_delimiter = ',', value_name = "RULES")]
        select: Option<Vec<String>>,
        /// Do not run these rules (comma-separated ids)
        #[arg(long, value_delimiter = ',', value_name = "RULES")]
        ignore: Vec<String>,
        /// Also list skipped files and why, and every file with syntax errors
        #[arg(long, short = 'v')]
        verbose: bool,
        /// Report suppression directives that suppress nothing
        #[arg(long)]
        report_unused_ignores: bool,
        /// Keep suppressed findings in SARIF output, marked as suppressed
        /// (GitHub code scanning would show them as open alerts)
        #[arg(long)]
        sarif_include_suppressed: bool,
        /// SARIF automationDetails.id, to tell several runs apart in code
        /// scanning
        #[arg(long, value_name = "CATEGORY")]
        sarif_category: Option<String>,
        /// Record the current findings in FILE (and report nothing)
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<PathBuf>,
        /// Report only findings not recorded in the baseline FILE
        #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
        baseline: Option<PathBuf>,
        /// Configuration file (default: mapvet.toml or .mapvet.toml found from
        /// the first path up to the repository root)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Leave out files matching these globs (comma-separated, relative to
        /// the configuration's directory or the working directory)
        #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
        exclude: Vec<String>,
        /// Read the source from standard input as the content of PATH (the
        /// package's other files are read from disk)
        #[arg(long, value_name = "PATH")]
        stdin_filename: Option<PathBuf>,
        /// Print timing per phase, input size and peak memory to stderr
        #[arg(long)]
        stats: bool,
        /// Skip files larger than BYTES, with a warning (default: no limit)
        #[arg(long, value_name = "BYTES")]
        max_file_size: Option<u64>,
        /// Only walk, read and parse (the speed benchmark's baseline)
        #[arg(long, hide = true)]
        parse_only: bool,
    },
    /// Print a rule's documentation
    Explain {
        rule: String,
        /// Print the Markdown source instead of rendering it
        #[arg(long)]
        markdown: bool,
    },
    /// Show the effective configuration for a path
    Config {
        /// Print it (the only action for now)
        #[arg(long)]
        show: bool,
        /// The path whose configuration to show (default: .)
        path: Option<PathBuf>,
        /// Configuration file to use instead of searching for one
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// List the rules with their default severity and summary
    Rules,
    /// Run the language server (LSP over standard input and output)
    Server {
        /// Configuration file to use instead of searching for one from each
        /// file's directory
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Accepted for editors that pass it; stdio is the only transport
        #[arg(long, hide = true)]
        stdio: bool,
    },
}

/// Files with syntax errors named one by one without `--verbose`; more are
/// only counted.
const SYNTAX_ERRORS_NAMED: usize = 3;

/// The configuration named with `--config`, or found from `start` upward;
/// on error, reports it (pointing into the TOML) and gives exit code 2.
fn load_config(
    explicit: Option<&std::path::Path>,
    start: &std::path::Path,
) -> Result<mapvet::config::Config, ExitCode> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => mapvet::config::find(start),
    };
    let Some(path) = path else {
        return Ok(mapvet::config::Config::default());
    };
    mapvet::config::load(&path).map_err(|e| {
        let mut out = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        if handler.render_report(&mut out, &e).is_err() {
            out = e.to_string();
        }
        eprintln!(
            "mapvet: error: invalid configuration {}\n{out}",
            e.path.display()
        );
        ExitCode::from(2)
    })
}

/// `--stats`: input volume, wall time, time per phase summed over worker
/// threads, peak resident memory.
fn stats_text(report: &mapvet::Report, wall: std::time::Duration) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let s = &mapvet::STATS;
    let ms = |ns: u64| ns as f64 / 1e6;
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    format!(
        "mapvet stats: files {} checked ({} skipped), {} bytes, {} lines\n\
         mapvet stats: wall {:.1} ms; summed over threads: read {:.1} ms, parse {:.1} ms, package model {:.1} ms, function facts + rules {:.1} ms\n\
         mapvet stats: peak RSS {peak}\n",
        report.files_checked,
        report.skipped.len(),
        s.bytes.load(Relaxed),
        s.lines.load(Relaxed),
        wall.as_secs_f64() * 1e3,
        ms(s.read_ns.load(Relaxed)),
        ms(s.parse_ns.load(Relaxed)),
        ms(s.model_ns.load(Relaxed)),
        ms(s.rules_ns.load(Relaxed)),
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Server { config, stdio: _ } => ExitCode::from(mapvet::lsp::run(config) as u8),
        Command::Rules => {
            for r in mapvet::rules::all() {
                println!("{:<24} {:<8} {}", r.id, r.default_severity, r.summary);
            }
            ExitCode::SUCCESS
        }
        Command::Config {
            show: _,
            path,
            config,
        } => {
            let path = path.unwrap_or_else(|| PathBuf::from("."));
            match load_config(config.as_deref(), &path) {
                Ok(c) => {
                    print!("{}", c.show());
                    ExitCode::SUCCESS
                }
                Err(code) => code,
            }
        }
        Command::Explain { rule, markdown } => match mapvet::rules::find(&rule) {
            Some(r) if markdown => {
                print!("{}", r.body());
                ExitCode::SUCCESS
            }
            Some(r) => {
                print!("{}", output::render_markdown(r.body()));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("mapvet: error: unknown rule `{rule}` (see `mapvet rules`)");
                ExitCode::from(2)
            }
        },
        Command::Check {
            paths,
            format,
            output,
            threads,
            no_color,
            include_generated,
            select,
            ignore,
            verbose,
            report_unused_ignores,
            sarif_include_suppressed,
            sarif_category,
            write_baseline,
            baseline,
            config,
            exclude,
            stdin_filename,
            stats,
            max_file_size,
            parse_only,
        } => {
            let started = std::time::Instant::now();
            for id in select.iter().flatten().chain(&ignore) {
                if mapvet::rules::find(id).is_none() {
                    eprintln!("mapvet: error: unknown rule `{id}` (see `mapvet rules`)");
                    return ExitCode::from(2);
                }
            }
            let paths = if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            };
            // The configuration, then the flags over it.
            let config = match load_config(config.as_deref(), &paths[0]) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let mut ignore_all = config.ignore.clone();
            ignore_all.extend(ignore);
            let mut exclude_all = config.clone();
            exclude_all.exclude.extend(exclude);
            if exclude_all.path.is_none() && !exclude_all.exclude.is_empty() {
                exclude_all.path = std::env::current_dir().ok().map(|d| d.join("mapvet.toml"));
            }
            for g in &exclude_all.exclude {
                if let Err(e) = globset::Glob::new(g) {
                    eprintln!("mapvet: error: bad --exclude glob `{g}`: {e}");
                    return ExitCode::from(2);
                }
            }
            let base = mapvet::Options::from_config(&exclude_all);
            let opts = mapvet::Options {
                threads,
                include_generated,
                select: select.or(base.select.clone()),
                ignore: ignore_all,
                report_unused_ignores,
                parse_only,
                max_file_size,
                ..base
            };
            let mut report = match &stdin_filename {
                Some(path) => {
                    let mut text = String::new();
                    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    {
                        eprintln!("mapvet: error: cannot read standard input: {e}");
                        return ExitCode::from(2);
                    }
                    mapvet::check_source_in_context(path, text, &opts)
                }
                None => mapvet::check_paths(&paths, &opts),
            };
            if let Some(file) = &write_baseline {
                let text = mapvet::baseline::write(&report);
                if let Err(e) = std::fs::write(file, text) {
                    eprintln!("mapvet: error: cannot write {}: {e}", file.display());
                    return ExitCode::from(2);
                }
                eprintln!(
                    "mapvet: recorded {} finding(s) in {}",
                    report.findings.len(),
                    file.display()
                );
                return ExitCode::from(if report.has_errors() { 2 } else { 0 });
            }
            if let Some(file) = &baseline {
                let parsed = std::fs::read_to_string(file)
                    .map_err(|e| e.to_string())
                    .and_then(|t| mapvet::baseline::parse(&t));
                match parsed {
                    Ok(b) => {
                        mapvet::baseline::apply(&mut report, &b);
                    }
                    Err(e) => {
                        eprintln!("mapvet: error: {}: {e}", file.display());
                        return ExitCode::from(2);
                    }
                }
            }
            let color = !no_color
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && output.is_none()
                && std::io::stdout().is_terminal();
            let text = match format {
                Format::Text => {
                    output::text::render(&report, &output::text::TextOptions { color, width: 100 })
                }
                Format::Json => output::json::render(&report),
                Format::Sarif => output::sarif::render_with(
                    &report,
                    sarif_include_suppressed,
                    sarif_category.as_deref(),
                ),
                Format::Github => output::github::render(&report),
            };
            let mut stderr = std::io::stderr().lock();
            for p in &report.problems {
                let kind = if p.is_error { "error" } else { "warning" };
                let _ = writeln!(
                    stderr,
                    "mapvet: {kind}: {}: {}",
                    output::sanitize(&p.path),
                    output::sanitize(&p.message)
                );
            }
            // Files with syntax errors (or Go newer than the grammar): a few
            // are named, many (testdata, a new language feature used all
            // over) are counted unless --verbose.
            let syntax = &report.syntax_errors;
            if verbose || syntax.len() <= SYNTAX_ERRORS_NAMED {
                for p in syntax {
                    let _ = writeln!(
                        stderr,
                        "mapvet: warning: {}: {}",
                        output::sanitize(&p.path),
                        output::sanitize(&p.message)
                    );
                }
            } else {
                let _ = writeln!(
                    stderr,
                    "mapvet: warning: {} files have syntax errors (or syntax newer than mapvet's Go grammar) and were checked outside the damaged regions; --verbose lists them",
                    syntax.len()
                );
            }
            if verbose {
                for (path, why) in &report.skipped {
                    let _ = writeln!(
                        stderr,
                        "mapvet: skipped {}: {}",
                        output::sanitize(path),
                        output::sanitize(why)
                    );
                }
            }
            let written = match &output {
                Some(file) => {
                    std::fs::write(file, &text).map_err(|e| (file.display().to_string(), e))
                }
                None => std::io::stdout()
                    .lock()
                    .write_all(text.as_bytes())
                    .map_err(|e| ("standard output".into(), e)),
            };
            if let Err((what, e)) = written {
                let _ = writeln!(stderr, "mapvet: error: cannot write {what}: {e}");
                return ExitCode::from(2);
            }
            if matches!(format, Format::Text) {
                let _ = writeln!(stderr, "{}", output::text::summary(&report));
            }
            if stats {
                let _ = write!(stderr, "{}", stats_text(&report, started.elapsed()));
            }
            ExitCode::from(report.exit_code() as u8)
        }
    }
}

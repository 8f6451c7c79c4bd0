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
        /// Also list skipped files and why
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
    },
    /// Print a rule's documentation
    Explain { rule: String },
    /// List the rules with their default severity and summary
    Rules,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
            for r in mapvet::rules::all() {
                println!("{:<24} {:<8} {}", r.id, r.default_severity, r.summary);
            }
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match mapvet::rules::find(&rule) {
            Some(r) => {
                print!("{}", r.body());
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
        } => {
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
            let opts = mapvet::Options {
                threads,
                include_generated,
                select,
                ignore,
                report_unused_ignores,
            };
            let mut report = mapvet::check_paths(&paths, &opts);
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
                    p.message
                );
            }
            if verbose {
                for (path, why) in &report.skipped {
                    let _ = writeln!(stderr, "mapvet: skipped {}: {why}", output::sanitize(path));
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
            ExitCode::from(report.exit_code() as u8)
        }
    }
}

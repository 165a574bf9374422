//! The command line: parses arguments, runs the pipeline, prints, exits.

use crate::lint::{Selection, Severity};
use crate::load::{Entry, LoadOptions};
use crate::model::context::Context;
use crate::render::{self, Format};
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

/// A fast nginx configuration linter and static analyzer.
#[derive(Parser, Debug)]
#[command(name = "ngxlint", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum Command {
    /// Check configuration files or directories (the default use).
    Check(CheckArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Print a rule's documentation as Markdown.
    Rule {
        /// The rule's name, e.g. `syntax-error`.
        name: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check; `-` reads standard input. Directories are
    /// walked: main configs are followed through their includes, other
    /// `*.conf` files are checked on their own.
    pub paths: Vec<PathBuf>,
    /// Main configuration file, like nginx's -c.
    #[arg(short = 'c', long = "conf", value_name = "FILE")]
    pub conf: Option<PathBuf>,
    /// Prefix a relative -c path resolves against, like nginx's -p.
    #[arg(short = 'p', long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
    /// Directory relative includes resolve against (default: the directory of the main config).
    #[arg(long, value_name = "DIR")]
    pub conf_dir: Option<PathBuf>,
    /// Read includes under FROM from TO instead (repeatable), e.g. `--map /etc/nginx=.`.
    #[arg(long = "map", value_name = "FROM=TO")]
    pub maps: Vec<String>,
    /// Includes may read only under this directory (default: the directory of
    /// the main config, or the directory walked); the targets of --map too.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Do not map /etc/nginx to the checked conf dir automatically.
    #[arg(long)]
    pub no_default_map: bool,
    /// Context of entry files that are not main configs (default: inferred
    /// from their top-level directives): main, http, server, location, stream, ...
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,
    /// File name to use for standard input in findings.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Output format (default: pretty on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// When to use colours (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Only run these rules or categories (comma separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules or categories.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Files larger than this many bytes are not read.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Stop reading after this many files.
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub max_files: usize,
    /// At most this many directives in the expanded configuration (a file
    /// included from many places counts each time).
    #[arg(long, default_value_t = 5_000_000, value_name = "N")]
    pub max_directives: usize,
    /// Report at most this many findings per file.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_findings_per_file: usize,
    /// Blocks nested deeper than this stop a file's parse.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub max_depth: u32,
    /// The nginx version the configuration targets (directives newer than it
    /// or removed by it are findings, deprecated ones warnings).
    #[arg(long, value_name = "X.Y[.Z]", value_parser = parse_version)]
    pub nginx_version: Option<crate::model::directives::Version>,
    /// A backend that actually listens, as NAME=ADDRESS (host:port, a port,
    /// or unix:/path); repeatable. Targets matching none are reported.
    #[arg(long = "backend", value_name = "NAME=ADDRESS")]
    pub backends: Vec<String>,
    /// A PHP-FPM pool file whose `listen =` lines name real FastCGI sockets; repeatable.
    #[arg(long = "php-fpm-pool", value_name = "FILE")]
    pub php_fpm_pools: Vec<PathBuf>,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Always exit 0 after printing the findings (2 still means ngxlint could not run).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of findings per rule (on standard error).
    #[arg(long)]
    pub statistics: bool,
    /// Write the output to FILE instead of standard output (atomically: a
    /// temporary file in the same directory, then a rename).
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Directives of in-house modules (repeatable, comma separated): accepted
    /// anywhere with any arguments instead of reported as unknown.
    #[arg(long = "extra-directive", value_delimiter = ',', value_name = "NAME")]
    pub extra_directives: Vec<String>,
    /// Print nothing but findings (no summary line).
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_version(s: &str) -> Result<crate::model::directives::Version, String> {
    crate::model::directives::Version::parse(s).ok_or_else(|| format!("\"{s}\" is not a version like 1.24 or 1.25.1"))
}

/// Exit codes.
pub mod exit {
    /// No finding at error level.
    pub const CLEAN: u8 = 0;
    /// Findings at error level (syntax errors included).
    pub const FINDINGS: u8 = 1;
    /// Usage, I/O or internal error.
    pub const TROUBLE: u8 = 2;
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::TROUBLE } else { exit::CLEAN };
        }
    };
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => {
            let mut out = String::new();
            match format {
                ListFormat::Text => {
                    for r in crate::lints::ALL {
                        let m = r.meta();
                        out.push_str(&format!(
                            "{:32} {:12} {:8} {}\n",
                            m.name,
                            m.category.as_str(),
                            m.severity.as_str(),
                            m.summary
                        ));
                    }
                }
                ListFormat::Json => {
                    let v: Vec<serde_json::Value> = crate::lints::ALL
                        .iter()
                        .map(|r| {
                            let m = r.meta();
                            serde_json::json!({"name": m.name, "category": m.category, "severity": m.severity, "confidence": m.confidence, "summary": m.summary, "options": m.options})
                        })
                        .collect();
                    out = serde_json::to_string_pretty(&v).unwrap_or_default();
                    out.push('\n');
                }
            }
            print_out(&out)
        }
        Command::Rule { name } => match crate::lints::by_name(&name) {
            Some(r) => print_out(&crate::docs::rule_markdown(r.meta())),
            None => {
                eprintln!("error: no rule named \"{name}\" (see `ngxlint rules`)");
                exit::TROUBLE
            }
        },
    }
}

fn print_out(s: &str) -> u8 {
    let mut o = std::io::stdout().lock();
    match o.write_all(s.as_bytes()).and_then(|_| o.flush()) {
        Ok(()) => exit::CLEAN,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::CLEAN,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            exit::TROUBLE
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a half-written file.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| std::io::Error::other("not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".ngxlint-{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn check(args: CheckArgs) -> u8 {
    let mut opts = LoadOptions {
        conf_dir: args.conf_dir.clone(),
        root: args.root.clone(),
        default_etc_map: !args.no_default_map,
        max_file_size: args.max_file_size,
        max_files: args.max_files,
        max_directives: args.max_directives,
        ..LoadOptions::default()
    };
    opts.parse.max_depth = args.max_depth;
    for m in &args.maps {
        match m.split_once('=') {
            Some((from, to)) if !from.is_empty() => {
                let to = if to.is_empty() { PathBuf::from(".") } else { PathBuf::from(to) };
                let to = std::path::absolute(&to).unwrap_or(to);
                opts.maps.push((PathBuf::from(from), to));
            }
            _ => {
                eprintln!("error: --map takes FROM=TO, got \"{m}\"");
                return exit::TROUBLE;
            }
        }
    }
    if let Some(c) = &args.context {
        match Context::from_name(c) {
            Some(ctx) => opts.snippet_context = Some(ctx),
            None => {
                let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                eprintln!("error: unknown context \"{c}\"; one of: {}", names.join(", "));
                return exit::TROUBLE;
            }
        }
    }
    let mut entries = Vec::new();
    if let Some(c) = &args.conf {
        // Like nginx: a relative -c is relative to the prefix when one is given.
        let c = match &args.prefix {
            Some(prefix) if c.is_relative() => prefix.join(c),
            _ => c.clone(),
        };
        entries.push(Entry::Path(c));
    }
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let mut buf = Vec::new();
            let limit = args.max_file_size;
            if let Err(e) = std::io::stdin().lock().take(limit + 1).read_to_end(&mut buf) {
                eprintln!("error: cannot read standard input: {e}");
                return exit::TROUBLE;
            }
            if buf.len() as u64 > limit {
                eprintln!("error: standard input is over the {limit} byte limit (raise it with --max-file-size)");
                return exit::TROUBLE;
            }
            let name = args.stdin_filename.clone().unwrap_or_else(|| "<stdin>".into());
            entries.push(Entry::Stdin { text: buf, name });
        } else {
            entries.push(Entry::Path(p.clone()));
        }
    }
    if entries.is_empty() {
        entries.push(Entry::Path(PathBuf::from(".")));
    }
    let sel = Selection { select: args.select.clone(), ignore: args.ignore.clone() };
    for name in sel.select.iter().chain(&sel.ignore) {
        let known = crate::lints::ALL.iter().any(|r| r.meta().name == name || r.meta().category.as_str() == name);
        if !known {
            eprintln!("error: unknown rule or category \"{name}\" (see `ngxlint rules`)");
            return exit::TROUBLE;
        }
    }
    let mut lint_opts = crate::lint::LintOptions {
        nginx_version: args.nginx_version.unwrap_or(crate::lint::DEFAULT_NGINX_VERSION),
        extra_directives: args
            .extra_directives
            .iter()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect(),
        max_findings_per_file: args.max_findings_per_file,
        ..Default::default()
    };
    for b in &args.backends {
        match crate::model::backends::parse_flag(b) {
            Ok(b) => lint_opts.backends.push(b),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::TROUBLE;
            }
        }
    }
    for pool in &args.php_fpm_pools {
        let shown = pool.display().to_string();
        match std::fs::metadata(pool).map(|md| md.len()) {
            Ok(n) if n > args.max_file_size => {
                eprintln!(
                    "error: {}: over the {} byte limit (raise it with --max-file-size)",
                    render::sanitize(&shown),
                    args.max_file_size
                );
                return exit::TROUBLE;
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: {}: cannot read the PHP-FPM pool file: {e}", render::sanitize(&shown));
                return exit::TROUBLE;
            }
        }
        match std::fs::read(pool) {
            Ok(bytes) => {
                let found = crate::model::backends::parse_fpm_pool(&String::from_utf8_lossy(&bytes), &shown);
                if found.is_empty() {
                    eprintln!("error: {}: no `listen =` line in this PHP-FPM pool file", render::sanitize(&shown));
                    return exit::TROUBLE;
                }
                lint_opts.backends.extend(found);
            }
            Err(e) => {
                eprintln!("error: {}: cannot read the PHP-FPM pool file: {e}", render::sanitize(&shown));
                return exit::TROUBLE;
            }
        }
    }
    let outcome = crate::check_with(&entries, &opts, &sel, &lint_opts);
    let errors: Vec<(String, String)> = outcome.load_errors();
    let stdout_tty = std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if stdout_tty { Format::Pretty } else { Format::Concise });
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let diags = &outcome.diagnostics;
    let to_string = render::json_text::<serde_json::Value>;
    let text = match format {
        Format::Json => render::json_text(&render::to_json(diags, &outcome.loaded, &errors)),
        Format::JsonLines => render::ci::json_lines(diags, &outcome.loaded),
        Format::Sarif => {
            let rules: Vec<&'static crate::lint::RuleMeta> = crate::lints::ALL.iter().map(|r| r.meta()).collect();
            to_string(&render::ci::sarif(diags, &outcome.loaded, &rules))
        }
        Format::Github => render::ci::github(diags, &outcome.loaded),
        Format::Gitlab => to_string(&render::ci::gitlab(diags, &outcome.loaded)),
        Format::Checkstyle => render::ci::checkstyle(diags, &outcome.loaded),
        Format::Junit => render::ci::junit(diags, &outcome.loaded),
        Format::Concise => render::concise(diags, &outcome.loaded),
        Format::Pretty => {
            let width = if stdout_tty { 120 } else { 100 };
            render::pretty(diags, &outcome.loaded, color, width)
        }
    };
    let machine = !matches!(format, Format::Pretty | Format::Concise);
    for (path, msg) in &errors {
        if format != Format::Json {
            eprintln!("error: {}: {}", render::sanitize(path), render::sanitize(msg));
        }
    }
    let code = match &args.output_file {
        Some(path) => match write_atomically(path, text.as_bytes()) {
            Ok(()) => exit::CLEAN,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", render::sanitize(&path.display().to_string()));
                exit::TROUBLE
            }
        },
        None => print_out(&text),
    };
    if code != exit::CLEAN {
        return code;
    }
    if args.statistics {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for d in diags {
            match counts.iter_mut().find(|(r, _)| *r == d.rule) {
                Some(c) => c.1 += 1,
                None => counts.push((d.rule, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (rule, n) in counts {
            eprintln!("{n:6}  {rule}");
        }
    }
    let summary = render::Summary::of(diags, &outcome.loaded);
    if !machine && !args.quiet {
        eprintln!(
            "{} error{}, {} warning{}, {} info in {} file{}",
            summary.errors,
            if summary.errors == 1 { "" } else { "s" },
            summary.warnings,
            if summary.warnings == 1 { "" } else { "s" },
            summary.infos,
            summary.files,
            if summary.files == 1 { "" } else { "s" }
        );
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let code = if outcome.run_failed() {
        exit::TROUBLE
    } else if !args.exit_zero && diags.iter().any(|d| d.severity >= threshold) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    };
    // The process ends here: freeing every AST one by one would only cost time.
    std::mem::forget(outcome);
    code
}

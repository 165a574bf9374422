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
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write ngxlint.1, ngxlint-check.1, ... into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Run the language server on standard input and output.
    Lsp,
}

/// The lowest severity that makes the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
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
    /// Directives of in-house modules (repeatable, comma separated): accepted
    /// anywhere with any arguments instead of reported as unknown.
    #[arg(long = "extra-directive", value_delimiter = ',', value_name = "NAME")]
    pub extra_directives: Vec<String>,
    /// Print nothing but findings (no summary line).
    #[arg(short, long)]
    pub quiet: bool,
    /// Configuration file to use (default: the closest ngxlint.toml or
    /// .ngxlint.toml above the checked paths).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Exit with 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value = "error", value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Exit with 0 even when there are findings (2 still means trouble).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE as the baseline, and exit.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// The inputs are `nginx -T` dumps (detected by itself on standard input):
    /// findings name the files the dump contains.
    #[arg(long = "nginx-T")]
    pub nginx_dump: bool,
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
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "ngxlint", &mut buf);
            print_out(&String::from_utf8_lossy(&buf))
        }
        Command::Man { dir } => {
            let cmd = <Cli as clap::CommandFactory>::command();
            if let Some(dir) = dir {
                return match clap_mangen::generate_to(cmd, &dir) {
                    Ok(()) => exit::CLEAN,
                    Err(e) => {
                        eprintln!("error: cannot write the man pages to {}: {e}", dir.display());
                        exit::TROUBLE
                    }
                };
            }
            match man_page(cmd) {
                Ok(page) => print_out(&page),
                Err(e) => {
                    eprintln!("error: cannot render the man page: {e}");
                    exit::TROUBLE
                }
            }
        }
        Command::Lsp => crate::lsp::run(),
    }
}

/// One man page: the program's, with the options of `check` (the command
/// people use) in a section of their own.
fn man_page(mut cmd: clap::Command) -> std::io::Result<String> {
    cmd.build();
    let mut buf = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    man.render_subcommands_section(&mut buf)?;
    if let Some(check) = cmd.find_subcommand("check") {
        let mut opts = Vec::new();
        clap_mangen::Man::new(check.clone()).render_options_section(&mut opts)?;
        let opts = String::from_utf8_lossy(&opts);
        buf.extend_from_slice(b".SH \"CHECK OPTIONS\"\n");
        // Drop what precedes the section's own heading (a string definition).
        buf.extend_from_slice(opts.split_once(".SH OPTIONS\n").map_or("", |(_, rest)| rest).as_bytes());
    }
    man.render_version_section(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Writes a file atomically: a temporary file in the same directory, then a
/// rename over the target, so readers never see half a file.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
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

/// The configuration for a run: `--config`, or the closest file above the
/// checked paths (they must agree), or none with `--isolated`.
fn find_config(args: &CheckArgs) -> Result<crate::config::Config, String> {
    if args.isolated {
        return Ok(Default::default());
    }
    if let Some(p) = &args.config {
        return crate::config::load(p).map_err(|e| e.to_string());
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut starts: Vec<PathBuf> = Vec::new();
    for p in args.conf.iter().chain(&args.paths) {
        if p.as_os_str() == "-" {
            let name = args.stdin_filename.as_deref().map(PathBuf::from).unwrap_or_default();
            starts.push(cwd.join(name).parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone()));
            continue;
        }
        let abs = cwd.join(p);
        let dir = if abs.is_dir() { abs } else { abs.parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone()) };
        if !starts.contains(&dir) {
            starts.push(dir);
        }
    }
    if starts.is_empty() {
        starts.push(cwd);
    }
    let found = crate::config::find_many(&starts);
    match found.len() {
        0 => Ok(Default::default()),
        1 => crate::config::load(&found[0]).map_err(|e| e.to_string()),
        _ => Err(format!(
            "the checked paths have different configuration files ({}): check them in separate runs or choose one with --config",
            found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Reads an `nginx -T` dump into memory files; returns the main file.
fn dump_entries(text: &[u8], opts: &mut LoadOptions) -> Result<Entry, String> {
    let files = crate::load::dump::split(text).ok_or("not an nginx -T dump (no \"# configuration file\" line)")?;
    let main = files.first().map(|f| f.0.clone()).ok_or("the nginx -T dump has no file")?;
    let map: std::collections::BTreeMap<PathBuf, Vec<u8>> = files.into_iter().collect();
    opts.source = crate::load::FileSource::Memory(std::sync::Arc::new(map));
    opts.default_etc_map = false;
    // Every file nginx read is in the dump, and nothing else is ever read.
    opts.root = Some(PathBuf::from("/"));
    Ok(Entry::Path(main))
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

fn check(args: CheckArgs) -> u8 {
    let config = match find_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    let mut opts = LoadOptions {
        conf_dir: args.conf_dir.clone().or_else(|| config.conf_dir.clone()),
        root: args.root.clone(),
        include: config.include.clone(),
        exclude: config.exclude.clone(),
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
            if args.nginx_dump || crate::load::dump::looks_like_dump(&buf) {
                match dump_entries(&buf, &mut opts) {
                    Ok(e) => entries.push(e),
                    Err(e) => {
                        eprintln!("error: standard input: {e}");
                        return exit::TROUBLE;
                    }
                }
                continue;
            }
            let name = args.stdin_filename.clone().unwrap_or_else(|| "<stdin>".into());
            entries.push(Entry::Stdin { text: buf, name });
        } else if args.nginx_dump {
            let read = std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| dump_entries(&b, &mut opts));
            match read {
                Ok(e) => entries.push(e),
                Err(e) => {
                    eprintln!("error: {}: {e}", p.display());
                    return exit::TROUBLE;
                }
            }
        } else {
            entries.push(Entry::Path(p.clone()));
        }
    }
    if entries.is_empty() {
        entries.push(Entry::Path(PathBuf::from(".")));
    }
    // A dump replaces the disk: it cannot be mixed with other inputs.
    if matches!(opts.source, crate::load::FileSource::Memory(_)) && entries.len() > 1 {
        eprintln!("error: an nginx -T dump is checked on its own: give it as the only input");
        return exit::TROUBLE;
    }
    let mut sel = Selection { select: args.select.clone(), ignore: args.ignore.clone(), ..Default::default() };
    for name in sel.select.iter().chain(&sel.ignore) {
        let known = crate::lints::ALL.iter().any(|r| r.meta().name == name || r.meta().category.as_str() == name);
        if !known {
            eprintln!("error: unknown rule or category \"{name}\" (see `ngxlint rules`)");
            return exit::TROUBLE;
        }
    }
    config.apply_to(&mut sel);
    let mut lint_opts = crate::lint::LintOptions {
        nginx_version: args.nginx_version.or(config.nginx_version).unwrap_or(crate::lint::DEFAULT_NGINX_VERSION),
        rule_options: config.rule_options.clone(),
        backends: config.backends.clone(),
        extra_directives: config
            .extra_directives
            .iter()
            .chain(&args.extra_directives)
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect(),
        max_findings_per_file: args.max_findings_per_file,
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
    for pool in args.php_fpm_pools.iter().chain(config.php_fpm_pool_files()) {
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
    let mut outcome = crate::check_with(&entries, &opts, &sel, &lint_opts);
    let errors: Vec<(String, String)> = outcome.load_errors();
    if let Some(path) = &args.write_baseline {
        let b = crate::baseline::Baseline::of(&outcome.diagnostics, &outcome.loaded);
        let mut text = serde_json::to_string_pretty(&b).unwrap_or_default();
        text.push('\n');
        if let Err(e) = write_atomic(path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::TROUBLE;
        }
        for (path, msg) in &errors {
            eprintln!("error: {}: {}", render::sanitize(path), render::sanitize(msg));
        }
        if !args.quiet {
            eprintln!(
                "wrote {} finding{} ({} entries) to {}",
                outcome.diagnostics.len(),
                if outcome.diagnostics.len() == 1 { "" } else { "s" },
                b.entries.len(),
                path.display()
            );
        }
        return if outcome.run_failed() { exit::TROUBLE } else { exit::CLEAN };
    }
    let mut stale = Vec::new();
    if let Some(path) = &args.baseline {
        let b =
            std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| crate::baseline::Baseline::parse(&t));
        match b {
            Ok(b) => stale = b.filter(&mut outcome.diagnostics, &outcome.loaded),
            Err(e) => {
                eprintln!("error: baseline {}: {e}", path.display());
                return exit::TROUBLE;
            }
        }
    }
    let stdout_tty = std::io::stdout().is_terminal() && args.output_file.is_none();
    let format = args.format.unwrap_or(if stdout_tty { Format::Pretty } else { Format::Concise });
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let diags = &outcome.diagnostics;
    let loaded = &outcome.loaded;
    let docs_url = config.docs_url.as_deref().unwrap_or(render::formats::DOCS_URL);
    // json_text also escapes what serde leaves raw (C1 controls, bidi overrides).
    let to_line = render::json_text::<serde_json::Value>;
    let text = if args.statistics {
        statistics(diags, format)
    } else {
        match format {
            Format::Json => render::json_text(&render::to_json(diags, loaded, &errors)),
            Format::JsonLines => render::formats::json_lines(diags, loaded),
            Format::Sarif => to_line(&render::formats::sarif(diags, loaded, &errors, docs_url)),
            Format::Github => render::formats::github(diags, loaded),
            Format::Gitlab => to_line(&render::formats::gitlab(diags, loaded)),
            Format::Checkstyle => render::formats::checkstyle(diags, loaded),
            Format::Junit => render::formats::junit(diags, loaded),
            Format::Concise => render::concise(diags, loaded),
            Format::Pretty => {
                let width = if stdout_tty { 120 } else { 100 };
                render::pretty(diags, loaded, color, width)
            }
        }
    };
    for (path, msg) in &errors {
        if format != Format::Json {
            eprintln!("error: {}: {}", render::sanitize(path), render::sanitize(msg));
        }
    }
    if let Some(path) = &args.output_file {
        if let Err(e) = write_atomic(path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::TROUBLE;
        }
    } else {
        let code = print_out(&text);
        if code != exit::CLEAN {
            return code;
        }
    }
    if !stale.is_empty() && !args.quiet {
        let n: u32 = stale.iter().map(|e| e.count).sum();
        eprintln!(
            "baseline: {n} finding{} fixed since (rewrite it with --write-baseline):",
            if n == 1 { "" } else { "s" }
        );
        for e in &stale {
            eprintln!("  {} {} x{}: {}", render::sanitize(&e.file), e.rule, e.count, render::sanitize(&e.text));
        }
    }
    let summary = render::Summary::of(diags, loaded);
    if !format.is_machine() && !args.quiet {
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
    let threshold = args.fail_on.severity();
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

/// Counts per rule, most frequent first (a JSON array for machine formats).
fn statistics(diags: &[crate::lint::Diagnostic], format: Format) -> String {
    let mut counts: Vec<(&'static str, Severity, usize)> = Vec::new();
    for d in diags {
        match counts.iter_mut().find(|c| c.0 == d.rule && c.1 == d.severity) {
            Some(c) => c.2 += 1,
            None => counts.push((d.rule, d.severity, 1)),
        }
    }
    counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    if format.is_machine() {
        let v: Vec<serde_json::Value> =
            counts.iter().map(|(r, s, n)| serde_json::json!({"rule": r, "severity": s.as_str(), "count": n})).collect();
        let mut s = serde_json::to_string(&v).unwrap_or_default();
        s.push('\n');
        return s;
    }
    counts.iter().map(|(r, s, n)| format!("{n:6}  {:8} {r}\n", s.as_str())).collect()
}

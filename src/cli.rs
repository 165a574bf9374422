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
    /// or removed by it are findings, deprecated ones warnings). Without it:
    /// any directive up to the current stable branch is accepted, but the
    /// keepalive checks and deprecation advice assume an older nginx.
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
    /// Configuration file to use for every path (default: for each checked
    /// path, the closest ngxlint.toml or .ngxlint.toml at or above it).
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

/// One input of the run (`-c FILE`, a path, standard input), before it is
/// given to the group of its configuration file.
struct Input {
    entry: Entry,
    /// Where the search for its configuration file starts (absolute).
    dir: PathBuf,
    /// The directory walked, when the input is one (absolute): configuration
    /// files below it set the levels of the findings in their subtrees.
    walked: Option<PathBuf>,
    /// The files of an `nginx -T` dump, read from memory.
    dump: Option<crate::load::FileSource>,
}

/// The inputs as given (standard input is read here); none means `.`.
fn inputs(args: &CheckArgs) -> Result<Vec<Input>, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = |p: &std::path::Path| crate::config::normalize(&cwd.join(p));
    let parent_of = |p: &std::path::Path| abs(p).parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone());
    let path_input = |p: PathBuf| {
        if p.is_dir() {
            let dir = abs(&p);
            Input { entry: Entry::Path(p), dir: dir.clone(), walked: Some(dir), dump: None }
        } else {
            Input { dir: parent_of(&p), entry: Entry::Path(p), walked: None, dump: None }
        }
    };
    let mut out = Vec::new();
    if let Some(c) = &args.conf {
        // Like nginx: a relative -c is relative to the prefix when one is given.
        let c = match &args.prefix {
            Some(prefix) if c.is_relative() => prefix.join(c),
            _ => c.clone(),
        };
        out.push(path_input(c));
    }
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let mut buf = Vec::new();
            let limit = args.max_file_size;
            if let Err(e) = std::io::stdin().lock().take(limit + 1).read_to_end(&mut buf) {
                return Err(format!("cannot read standard input: {e}"));
            }
            if buf.len() as u64 > limit {
                return Err(format!("standard input is over the {limit} byte limit (raise it with --max-file-size)"));
            }
            let dir = match &args.stdin_filename {
                Some(name) => parent_of(std::path::Path::new(name)),
                None => cwd.clone(),
            };
            if args.nginx_dump || crate::load::dump::looks_like_dump(&buf) {
                let (entry, source) = dump_entries(&buf).map_err(|e| format!("standard input: {e}"))?;
                out.push(Input { entry, dir, walked: None, dump: Some(source) });
                continue;
            }
            let name = args.stdin_filename.clone().unwrap_or_else(|| "<stdin>".into());
            out.push(Input { entry: Entry::Stdin { text: buf, name }, dir, walked: None, dump: None });
        } else if args.nginx_dump {
            let read = std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| dump_entries(&b));
            let (entry, source) = read.map_err(|e| format!("{}: {e}", p.display()))?;
            out.push(Input { entry, dir: parent_of(p), walked: None, dump: Some(source) });
        } else {
            out.push(path_input(p.clone()));
        }
    }
    if out.is_empty() {
        out.push(path_input(PathBuf::from(".")));
    }
    // A dump replaces the disk: it cannot be mixed with other inputs.
    if out.len() > 1 && out.iter().any(|i| i.dump.is_some()) {
        return Err("an nginx -T dump is checked on its own: give it as the only input".into());
    }
    Ok(out)
}

/// Inputs checked together, with the configuration they share.
struct Group {
    config: crate::config::Config,
    inputs: Vec<Input>,
}

/// Splits the inputs by configuration: `--isolated` (none) and `--config`
/// give one group; otherwise each input goes with the configuration file
/// closest to it (a file's directory, a walked directory itself, or the
/// directory of `--stdin-filename`), inputs without one forming a group too.
fn group_inputs(args: &CheckArgs, inputs: Vec<Input>) -> Result<Vec<Group>, String> {
    if args.isolated {
        return Ok(vec![Group { config: Default::default(), inputs }]);
    }
    if let Some(p) = &args.config {
        let config = crate::config::load(p).map_err(|e| e.to_string())?;
        return Ok(vec![Group { config, inputs }]);
    }
    let mut finder = crate::config::Finder::default();
    let mut by_file: Vec<(Option<PathBuf>, Vec<Input>)> = Vec::new();
    for input in inputs {
        let found = finder.closest(&input.dir);
        match by_file.iter_mut().find(|g| g.0 == found) {
            Some(g) => g.1.push(input),
            None => by_file.push((found, vec![input])),
        }
    }
    by_file
        .into_iter()
        .map(|(file, inputs)| {
            let config = match file {
                Some(f) => crate::config::load(&f).map_err(|e| e.to_string())?,
                None => Default::default(),
            };
            Ok(Group { config, inputs })
        })
        .collect()
}

/// How one configuration (with the command line on top) checks its inputs.
struct Settings {
    opts: LoadOptions,
    sel: Selection,
    lint: crate::lint::LintOptions,
}

/// The rule selection of a configuration, the command line's lists on top.
fn selection(args: &CheckArgs, config: &crate::config::Config) -> Selection {
    let mut sel = Selection { select: args.select.clone(), ignore: args.ignore.clone(), ..Default::default() };
    config.apply_to(&mut sel);
    sel
}

/// Load options, rule selection and lint options from a configuration and
/// the command line (whose flags win).
fn settings(args: &CheckArgs, config: &crate::config::Config) -> Result<Settings, String> {
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
    if let Some(c) = &args.conf {
        let c = match &args.prefix {
            Some(prefix) if c.is_relative() => prefix.join(c),
            _ => c.clone(),
        };
        opts.main_entries.push(c);
    }
    for m in &args.maps {
        match m.split_once('=') {
            Some((from, to)) if !from.is_empty() => {
                let to = if to.is_empty() { PathBuf::from(".") } else { PathBuf::from(to) };
                let to = std::path::absolute(&to).unwrap_or(to);
                opts.maps.push((PathBuf::from(from), to));
            }
            _ => return Err(format!("--map takes FROM=TO, got \"{m}\"")),
        }
    }
    if let Some(c) = &args.context {
        match Context::from_name(c) {
            Some(ctx) => opts.snippet_context = Some(ctx),
            None => {
                let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                return Err(format!("unknown context \"{c}\"; one of: {}", names.join(", ")));
            }
        }
    }
    let sel = selection(args, config);
    let mut lint = crate::lint::LintOptions {
        nginx_version: args.nginx_version.or(config.nginx_version).unwrap_or(crate::lint::DEFAULT_NGINX_VERSION),
        version_given: args.nginx_version.or(config.nginx_version).is_some(),
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
        lint.backends.push(crate::model::backends::parse_flag(b)?);
    }
    for pool in args.php_fpm_pools.iter().chain(config.php_fpm_pool_files()) {
        let shown = render::sanitize(&pool.display().to_string());
        match std::fs::metadata(pool).map(|md| md.len()) {
            Ok(n) if n > args.max_file_size => {
                return Err(format!(
                    "{shown}: over the {} byte limit (raise it with --max-file-size)",
                    args.max_file_size
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("{shown}: cannot read the PHP-FPM pool file: {e}")),
        }
        match std::fs::read(pool) {
            Ok(bytes) => {
                let found = crate::model::backends::parse_fpm_pool(
                    &String::from_utf8_lossy(&bytes),
                    &pool.display().to_string(),
                );
                if found.is_empty() {
                    return Err(format!("{shown}: no `listen =` line in this PHP-FPM pool file"));
                }
                lint.backends.extend(found);
            }
            Err(e) => return Err(format!("{shown}: cannot read the PHP-FPM pool file: {e}")),
        }
    }
    Ok(Settings { opts, sel, lint })
}

/// The selections of configuration files found below walked directories,
/// each loaded once.
#[derive(Default)]
struct Nested {
    finder: crate::config::Finder,
    sels: Vec<(PathBuf, Selection)>,
}

impl Nested {
    /// Per loaded file: the index of the selection of the configuration file
    /// closest to it below the outermost walked directory holding it, or
    /// `None` (the group's configuration applies).
    fn per_file(
        &mut self,
        args: &CheckArgs,
        loaded: &crate::load::Loaded,
        walked: &[PathBuf],
    ) -> Result<Vec<Option<usize>>, String> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut out = Vec::with_capacity(loaded.files.len());
        for f in &loaded.files {
            if f.origin != crate::load::Origin::Disk {
                out.push(None);
                continue;
            }
            let path = crate::config::normalize(&cwd.join(&f.path));
            let outer = walked.iter().filter(|w| path.starts_with(w)).min_by_key(|w| w.as_os_str().len());
            let found = match (outer, path.parent()) {
                (Some(w), Some(dir)) => self.finder.closest_below(dir, Some(w)),
                _ => None,
            };
            let Some(found) = found else {
                out.push(None);
                continue;
            };
            let i = match self.sels.iter().position(|(p, _)| *p == found) {
                Some(i) => i,
                None => {
                    let config = crate::config::load(&found).map_err(|e| e.to_string())?;
                    self.sels.push((found, selection(args, &config)));
                    self.sels.len() - 1
                }
            };
            out.push(Some(i));
        }
        Ok(out)
    }
}

/// Sets the severity of each finding from the selection of its file
/// (`None`: left as it is); findings whose rule is off there are dropped.
fn relevel<'s>(
    diags: &mut Vec<crate::lint::Diagnostic>,
    sel_of: impl Fn(crate::span::FileId) -> Option<&'s Selection>,
) {
    diags.retain_mut(|d| {
        let Some(sel) = sel_of(d.finding.span.file) else { return true };
        let Some(rule) = crate::lints::by_name(d.rule) else { return true };
        match sel.level(rule.meta()) {
            Some(severity) => {
                d.severity = severity;
                true
            }
            None => false,
        }
    })
}

/// Checks one group. Findings in files under a walked directory that have a
/// configuration file closer to them than the group's take their levels
/// from it; when that file turns on rules the group's configuration leaves
/// off, the group is checked again with those rules on.
fn check_group(args: &CheckArgs, group: Group, discover: bool, nested: &mut Nested) -> Result<crate::Outcome, String> {
    let mut s = settings(args, &group.config)?;
    let mut entries = Vec::with_capacity(group.inputs.len());
    let mut walked = Vec::new();
    for input in group.inputs {
        if let Some(source) = input.dump {
            s.opts.source = source;
            s.opts.default_etc_map = false;
            // Every file nginx read is in the dump, and nothing else is ever read.
            s.opts.root = Some(PathBuf::from("/"));
        }
        walked.extend(input.walked);
        entries.push(input.entry);
    }
    let outcome = crate::check_with(&entries, &s.opts, &s.sel, &s.lint);
    if !discover || walked.is_empty() {
        return Ok(outcome);
    }
    let per_file = nested.per_file(args, &outcome.loaded, &walked)?;
    let mut used: Vec<usize> = per_file.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    if used.is_empty() {
        return Ok(outcome);
    }
    let on_somewhere = |m: &crate::lint::RuleMeta| used.iter().any(|&i| nested.sels[i].1.enabled(m));
    let more = crate::lints::ALL.iter().any(|r| !s.sel.enabled(r.meta()) && on_somewhere(r.meta()));
    if !more {
        let mut outcome = outcome;
        relevel(&mut outcome.diagnostics, |f| per_file[f as usize].map(|i| &nested.sels[i].1));
        return Ok(outcome);
    }
    let union = Selection {
        select: crate::lints::ALL
            .iter()
            .map(|r| r.meta())
            .filter(|m| s.sel.enabled(m) || on_somewhere(m))
            .map(|m| m.name.to_string())
            .collect(),
        ..Default::default()
    };
    // The process ends soon: freeing the first run's ASTs would only cost time.
    std::mem::forget(outcome);
    let mut outcome = crate::check_with(&entries, &s.opts, &union, &s.lint);
    let per_file = nested.per_file(args, &outcome.loaded, &walked)?;
    let group_sel = &s.sel;
    relevel(&mut outcome.diagnostics, |f| Some(per_file[f as usize].map_or(group_sel, |i| &nested.sels[i].1)));
    Ok(outcome)
}

/// The outcomes of all groups as one: their files (each once), findings,
/// problems, and whether any run failed.
struct Merged {
    loaded: crate::load::Loaded,
    diagnostics: Vec<crate::lint::Diagnostic>,
    errors: Vec<(String, String)>,
    failed: bool,
}

fn merge(outcomes: Vec<crate::Outcome>) -> Merged {
    let errors = outcomes.iter().flat_map(|o| o.load_errors()).collect();
    let failed = outcomes.iter().any(|o| o.run_failed());
    let mut loaded = crate::load::Loaded::default();
    let mut diagnostics = Vec::new();
    let single = outcomes.len() == 1;
    let mut ids: rustc_hash::FxHashMap<(PathBuf, String), crate::span::FileId> = Default::default();
    for o in outcomes {
        let crate::Outcome { loaded: l, tree, diagnostics: mut d, .. } = o;
        // The process ends soon: freeing every AST one by one would only cost time.
        std::mem::forget(tree);
        if single {
            return Merged { loaded: l, diagnostics: d, errors, failed };
        }
        loaded.cwd = loaded.cwd.or(l.cwd);
        let mut map = Vec::with_capacity(l.files.len());
        for mut f in l.files {
            let key = (f.path.clone(), f.display.clone());
            match ids.get(&key) {
                // A file both groups read (an include they share) is shown once.
                Some(&id) => {
                    map.push(id);
                    std::mem::forget(f);
                }
                None => {
                    let id = loaded.files.len() as crate::span::FileId;
                    f.id = id;
                    ids.insert(key, id);
                    loaded.files.push(f);
                    map.push(id);
                }
            }
        }
        for x in &mut d {
            x.finding.span.file = map[x.finding.span.file as usize];
            for label in &mut x.finding.labels {
                label.span.file = map[label.span.file as usize];
            }
        }
        diagnostics.append(&mut d);
    }
    // Each group's findings are in order already; this interleaves the shared
    // files' and drops what two groups both found.
    diagnostics.sort_by(|a, b| {
        (a.finding.span.file, a.finding.span.start, a.rule, &a.finding.message, a.finding.span.end).cmp(&(
            b.finding.span.file,
            b.finding.span.start,
            b.rule,
            &b.finding.message,
            b.finding.span.end,
        ))
    });
    diagnostics.dedup_by(|a, b| {
        a.rule == b.rule && a.finding.span == b.finding.span && a.finding.message == b.finding.message
    });
    Merged { loaded, diagnostics, errors, failed }
}

/// Reads an `nginx -T` dump into memory files; returns the main file and
/// where the files are read from.
fn dump_entries(text: &[u8]) -> Result<(Entry, crate::load::FileSource), String> {
    let files = crate::load::dump::split(text).ok_or("not an nginx -T dump (no \"# configuration file\" line)")?;
    let main = files.first().map(|f| f.0.clone()).ok_or("the nginx -T dump has no file")?;
    let map: std::collections::BTreeMap<PathBuf, Vec<u8>> = files.into_iter().collect();
    Ok((Entry::Path(main), crate::load::FileSource::Memory(std::sync::Arc::new(map))))
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
    for name in args.select.iter().chain(&args.ignore) {
        let known = crate::lints::ALL.iter().any(|r| r.meta().name == name || r.meta().category.as_str() == name);
        if !known {
            eprintln!("error: unknown rule or category \"{name}\" (see `ngxlint rules`)");
            return exit::TROUBLE;
        }
    }
    let groups = match inputs(&args).and_then(|i| group_inputs(&args, i)) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    let docs_url =
        groups.iter().find_map(|g| g.config.docs_url.clone()).unwrap_or_else(|| render::formats::DOCS_URL.to_string());
    let discover = !args.isolated && args.config.is_none();
    let mut nested = Nested::default();
    let mut outcomes = Vec::with_capacity(groups.len());
    for group in groups {
        match check_group(&args, group, discover, &mut nested) {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::TROUBLE;
            }
        }
    }
    let mut outcome = merge(outcomes);
    let errors = std::mem::take(&mut outcome.errors);
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
        return if outcome.failed { exit::TROUBLE } else { exit::CLEAN };
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
    let docs_url = docs_url.as_str();
    // json_text also escapes what serde leaves raw (C1 controls, bidi overrides).
    let to_line = render::json_text::<serde_json::Value>;
    let text = if args.statistics {
        statistics(diags, format)
    } else {
        match format {
            Format::Json => render::json_document(diags, loaded, &errors),
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
    let code = if outcome.failed {
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

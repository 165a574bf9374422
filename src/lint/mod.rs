//! The lint engine: rule metadata, findings, and running the rules.
//!
//! Rules (one file each under `lints/`) report [`Finding`]s; they never choose
//! the final severity: the rule's category and default level do, and the
//! user's configuration may override it.

use crate::load::Loaded;
use crate::model::directives::Version;
use crate::model::graph::Model;
use crate::model::tree::Tree;
use crate::span::Span;
use serde::Serialize;

pub mod suppress;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What kind of problem a rule finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// nginx's lexer or dispatcher refuses the file (`nginx -t` fails).
    Syntax,
    /// nginx refuses the configuration for another reason.
    Correctness,
    /// nginx accepts it, but it likely does not do what was meant.
    Suspicious,
    Security,
    Performance,
    Style,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Correctness => "correctness",
            Category::Suspicious => "suspicious",
            Category::Security => "security",
            Category::Performance => "performance",
            Category::Style => "style",
        }
    }
}

/// How sure a rule is that what it reports is a real problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The pattern is wrong wherever it appears.
    High,
    /// Usually wrong; some configurations make it safe in ways the text does not show.
    Medium,
    /// A hint worth a look; often fine.
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// Facts about a rule, shown by `ngxlint rules` and used for its docs page.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable, kebab-case, naming the bad pattern.
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// How likely a finding is a real problem (default high).
    pub confidence: Confidence,
    /// One line.
    pub summary: &'static str,
    /// The rule's doc comment (Markdown).
    pub docs: &'static str,
    /// Configurations the rule must not report.
    pub pass: &'static [&'static str],
    /// Configurations the rule must report.
    pub fail: &'static [&'static str],
    /// The rule's options (thresholds), with their defaults.
    pub options: &'static [RuleOption],
}

/// The type of a rule option's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionKind {
    /// An nginx size (`4k`, `1m`).
    Size,
    /// An nginx time (`60s`, `5m`).
    Time,
    Number,
    Bool,
    /// Free text.
    String,
    /// Comma-separated words.
    List,
}

/// One option of a rule: a threshold or switch the user may set.
#[derive(Debug, Serialize)]
pub struct RuleOption {
    /// Kebab-case, unique within the rule.
    pub name: &'static str,
    pub kind: OptionKind,
    /// The default, written as a user would write it.
    pub default: &'static str,
    /// One line.
    pub doc: &'static str,
}

impl OptionKind {
    /// Checks a raw value; returns what is wrong with it.
    pub fn validate(self, raw: &str) -> Result<(), String> {
        use crate::model::values::{parse_number, parse_size, parse_time};
        let ok = match self {
            OptionKind::Size => parse_size(raw).is_some(),
            OptionKind::Time => parse_time(raw, true).is_some(),
            OptionKind::Number => parse_number(raw).is_some(),
            OptionKind::Bool => matches!(raw, "true" | "false"),
            OptionKind::String | OptionKind::List => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("\"{raw}\" is not a valid {}", format!("{self:?}").to_lowercase()))
        }
    }
}

/// A secondary location of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// What a rule reports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    pub span: Span,
    pub message: String,
    /// Often a fixed text: borrowed then, so a rule that reports thousands of
    /// times does not copy it thousands of times.
    pub help: Option<std::borrow::Cow<'static, str>>,
    pub labels: Vec<Label>,
}

impl Finding {
    pub fn new(span: Span, message: impl Into<String>) -> Finding {
        Finding { span, message: message.into(), help: None, labels: Vec::new() }
    }
    pub fn help(mut self, help: impl Into<std::borrow::Cow<'static, str>>) -> Finding {
        self.help = Some(help.into());
        self
    }
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Finding {
        // Most findings have one label: no room for four.
        if self.labels.is_empty() {
            self.labels.reserve_exact(1);
        }
        self.labels.push(Label { span, message: message.into() });
        self
    }
}

/// A finding with its rule and final severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub finding: Finding,
}

/// A backend the user declared: what actually listens at an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// A name for messages (`app`, `php-fpm pool www`).
    pub name: String,
    /// `host:port`, `unix:/path`, or an IP address with port.
    pub address: String,
    /// Where it was declared (a pool file path, or `--backend`).
    pub source: String,
}

/// Settings the rules read.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// The nginx version the configuration targets.
    pub nginx_version: Version,
    /// The user named the version (`--nginx-version`, the config file).
    /// Without it, `nginx_version` is the current stable branch, and the
    /// rules whose advice differs between versions assume what holds for
    /// the versions distributions still ship (see [`LintOptions::keepalive_by_default`]
    /// and [`LintOptions::deprecations_of`]).
    pub version_given: bool,
    /// Values of rule options given by the user: (rule name, option name) -> raw value.
    pub rule_options: rustc_hash::FxHashMap<(String, String), String>,
    /// Backends the user declared (`--backend`, `--php-fpm-pool`, config file).
    pub backends: Vec<Backend>,
    /// Directives of in-house modules, accepted anywhere with any arguments.
    pub extra_directives: Vec<String>,
    /// At most this many findings are reported per file.
    pub max_findings_per_file: usize,
}

/// The nginx version assumed when none is given: the current stable branch.
pub const DEFAULT_NGINX_VERSION: Version = Version { major: 1, minor: 30, patch: 0 };

/// The oldest nginx that supported distributions still ship (Debian 12 has
/// 1.22): with no version given, a deprecation is reported only when its
/// replacement already exists there.
pub const BASELINE_NGINX_VERSION: Version = Version { major: 1, minor: 22, patch: 0 };

impl LintOptions {
    /// Options for a named target version.
    pub fn for_version(v: Version) -> LintOptions {
        LintOptions { nginx_version: v, version_given: true, ..LintOptions::default() }
    }

    /// True when upstream blocks pool connections without a `keepalive`
    /// line (nginx 1.29.7 and later). Only a version the user named counts:
    /// advice for older versions (add `keepalive`, HTTP/1.1, clear
    /// `Connection`) is still right on newer ones, the reverse is not.
    pub fn keepalive_by_default(&self) -> bool {
        self.version_given && self.nginx_version >= crate::model::graph::KEEPALIVE_BY_DEFAULT
    }

    /// True when something deprecated in version `since` is to be reported:
    /// the target has deprecated it, and, with no version named, so had the
    /// baseline (otherwise the advice names what older nginx lacks, such
    /// as the `http2` directive of 1.25.1).
    pub fn deprecations_of(&self, since: Version) -> bool {
        since <= self.nginx_version && (self.version_given || since <= BASELINE_NGINX_VERSION)
    }
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            nginx_version: DEFAULT_NGINX_VERSION,
            version_given: false,
            rule_options: Default::default(),
            backends: Vec::new(),
            extra_directives: Vec::new(),
            max_findings_per_file: 1000,
        }
    }
}

const IDLE: u8 = 0;
const BUILDING: u8 = 1;
const READY: u8 = 2;
const FAILED: u8 = 3;

/// What the rules can read.
pub struct LintContext<'a> {
    pub loaded: &'a Loaded,
    pub tree: &'a Tree,
    pub opts: &'a LintOptions,
    /// See [`LintContext::complete_roots`]; computed on first use.
    pub complete: std::sync::OnceLock<Vec<bool>>,
    /// Built by the first rule that asks for it.
    model: std::sync::OnceLock<Model<'a>>,
    /// [`IDLE`], [`BUILDING`], [`READY`] or [`FAILED`]: see [`LintContext::model`].
    model_state: std::sync::atomic::AtomicU8,
    /// Findings per file dropped early by the per-file cap (see [`Findings`]).
    pub pre_dropped: std::sync::Mutex<rustc_hash::FxHashMap<crate::span::FileId, usize>>,
    /// See [`LintContext::capped_files`]; computed on first use.
    capped: std::sync::OnceLock<Vec<bool>>,
}

impl<'a> LintContext<'a> {
    /// A context over a loaded and expanded configuration.
    pub fn new(loaded: &'a Loaded, tree: &'a Tree, opts: &'a LintOptions) -> Self {
        LintContext {
            loaded,
            tree,
            opts,
            complete: std::sync::OnceLock::new(),
            model: std::sync::OnceLock::new(),
            model_state: std::sync::atomic::AtomicU8::new(IDLE),
            pre_dropped: Default::default(),
            capped: std::sync::OnceLock::new(),
        }
    }

    /// Per file: whether a rule's findings in it may be trimmed to the
    /// per-file cap as they come (no suppression comments, not a stock file).
    pub fn capped_files(&self) -> &[bool] {
        self.capped.get_or_init(|| {
            self.loaded
                .files
                .iter()
                .map(|f| !matches!(f.origin, crate::load::Origin::Stock(_)) && !suppress::may_have(f))
                .collect()
        })
    }

    /// The configuration graph (built once, on first use).
    ///
    /// Rules run in parallel and most of them need the graph. The first to
    /// ask builds it; the others, rather than block their thread for the
    /// length of the build (a core left idle for 10 ms on the 1,000-site
    /// tree), run other pending rules (rayon's `yield_now`) until it is ready.
    /// (So `Model::build` must not wait on rayon work itself: the thread
    /// building could then pick up a rule that waits for the graph.)
    pub fn model(&self) -> &Model<'a> {
        use std::sync::atomic::Ordering;
        if let Some(m) = self.model.get() {
            return m;
        }
        if self.model_state.compare_exchange(IDLE, BUILDING, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Model::build(self.loaded, self.tree)));
            match built {
                Ok(m) => {
                    let m = self.model.get_or_init(|| m);
                    self.model_state.store(READY, Ordering::Release);
                    return m;
                }
                Err(e) => {
                    self.model_state.store(FAILED, Ordering::Release);
                    std::panic::resume_unwind(e);
                }
            }
        }
        loop {
            if let Some(m) = self.model.get() {
                return m;
            }
            // A bug in the build is an internal error of every rule that needs it.
            assert!(self.model_state.load(Ordering::Acquire) != FAILED, "the configuration graph could not be built");
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::sleep(std::time::Duration::from_micros(20));
            }
        }
    }

    /// For each root: whether ngxlint sees the whole configuration nginx
    /// would, so that "defined nowhere" findings are safe: a main config
    /// whose plain (non-glob) includes all resolved. A file checked on its
    /// own is not complete: the file that includes it may define more.
    pub fn complete_roots(&self) -> &[bool] {
        self.complete.get_or_init(|| {
            let roots = &self.loaded.roots;
            let mut ok: Vec<bool> = roots.iter().map(|r| r.kind == crate::load::RootKind::Main).collect();
            for inst in &self.tree.insts {
                if !ok[inst.root as usize] {
                    continue;
                }
                let f = self.loaded.file(inst.file);
                let d = f.ast.node(inst.node);
                if d.name() != "include" || !matches!(inst.status, crate::model::tree::Status::Found(_)) {
                    continue;
                }
                let globbed = f.ast.args(d).first().is_some_and(|a| a.as_str().contains(['*', '?', '[']));
                let conf_dir = roots[inst.root as usize].conf_dir;
                if !globbed && self.loaded.included(conf_dir, inst.file, inst.node).is_empty() {
                    ok[inst.root as usize] = false;
                }
            }
            ok
        })
    }

    /// Whether the user declared `name` as a directive of an in-house module
    /// (`--extra-directive`): accepted anywhere, with any arguments.
    pub fn is_extra_directive(&self, name: &str) -> bool {
        self.opts.extra_directives.iter().any(|d| d == name)
    }

    /// The raw value of a rule option: the user's, or the declared default.
    /// Panics (an internal error of the rule) when the option is not declared.
    pub fn option(&self, meta: &RuleMeta, name: &str) -> &str {
        if let Some(v) = self.opts.rule_options.get(&(meta.name.to_string(), name.to_string())) {
            return v;
        }
        match meta.options.iter().find(|o| o.name == name) {
            Some(o) => o.default,
            None => panic!("rule {} has no option {name}", meta.name),
        }
    }
}

/// A lint rule.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>);
}

/// Declares a rule type and its metadata from its doc comment.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $ty:ident {
            name: $name:literal,
            category: $cat:ident,
            severity: $sev:ident,
            $(confidence: $conf:ident,)?
            summary: $summary:literal,
            pass: $pass:expr,
            fail: $fail:expr
            $(, options: $opts:expr)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $ty;
        impl $ty {
            pub const META: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
                name: $name,
                category: $crate::lint::Category::$cat,
                severity: $crate::lint::Severity::$sev,
                confidence: $crate::declare_rule!(@conf $($conf)?),
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
                pass: $pass,
                fail: $fail,
                options: $crate::declare_rule!(@opts $($opts)?),
            };
        }
    };
    (@opts) => { &[] };
    (@conf) => { $crate::lint::Confidence::High };
    (@conf $conf:ident) => { $crate::lint::Confidence::$conf };
    (@opts $opts:expr) => { $opts };
}

/// A level the user gives a rule or a category (`allow` turns it off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Allow,
    Info,
    Warn,
    Error,
}

impl Level {
    /// The names accepted in configuration files.
    pub const NAMES: [&'static str; 4] = ["allow", "info", "warn", "error"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" | "off" => Some(Level::Allow),
            "info" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    /// The severity findings get at this level (`None`: not reported).
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Info => Some(Severity::Info),
            Level::Warn => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// Which rules run and at what level.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these rules or categories (empty: all).
    pub select: Vec<String>,
    /// Never these rules or categories.
    pub ignore: Vec<String>,
    /// Levels set per rule; they win over category levels.
    pub rule_levels: rustc_hash::FxHashMap<String, Level>,
    /// Levels set per category.
    pub category_levels: rustc_hash::FxHashMap<String, Level>,
}

impl Selection {
    /// The severity of the rule's findings, or `None` when it does not run.
    /// A rule that `select` names (or whose category it names) runs even when
    /// a level says `allow`, at its default level then.
    pub fn level(&self, m: &RuleMeta) -> Option<Severity> {
        let hit = |l: &Vec<String>| l.iter().any(|s| s == m.name || s == m.category.as_str());
        if hit(&self.ignore) || !(self.select.is_empty() || hit(&self.select)) {
            return None;
        }
        let level = self.rule_levels.get(m.name).or_else(|| self.category_levels.get(m.category.as_str()));
        match level {
            None => Some(m.severity),
            Some(Level::Allow) if hit(&self.select) => Some(m.severity),
            Some(l) => l.severity(),
        }
    }

    pub fn enabled(&self, m: &RuleMeta) -> bool {
        self.level(m).is_some()
    }
}

fn is_stock(cx: &LintContext<'_>, file: u32) -> bool {
    matches!(cx.loaded.file(file).origin, crate::load::Origin::Stock(_))
}

/// Runs the selected rules and returns sorted, de-duplicated diagnostics.
/// Also returns the names of rules that panicked (an internal error).
pub fn run(cx: &LintContext<'_>, rules: &[&'static dyn Rule], sel: &Selection) -> (Vec<Diagnostic>, Vec<&'static str>) {
    run_timed(cx, rules, sel, &Timings::default())
}

/// Opt-in timing of the pipeline's phases and of each rule, printed to
/// standard error when `NGXLINT_TIMINGS` is set (for benchmarks and
/// profiling; never part of the normal output).
#[derive(Default)]
pub struct Timings {
    entries: Option<std::sync::Mutex<Vec<(String, std::time::Duration)>>>,
}

impl Timings {
    /// Enabled when the environment variable `NGXLINT_TIMINGS` is set.
    pub fn from_env() -> Self {
        let on = std::env::var_os("NGXLINT_TIMINGS").is_some();
        Timings { entries: on.then(Default::default) }
    }

    /// Runs `f`, recording its wall time under `name` when enabled.
    pub fn phase<T>(&self, name: &str, f: impl FnOnce() -> T) -> T {
        let Some(entries) = &self.entries else { return f() };
        let start = std::time::Instant::now();
        let v = f();
        if let Ok(mut e) = entries.lock() {
            e.push((name.to_string(), start.elapsed()));
        }
        v
    }

    /// Prints the recorded times, slowest rules first after the phases.
    pub fn report(&self) {
        let Some(entries) = &self.entries else { return };
        let Ok(mut e) = entries.lock() else { return };
        let (mut rules, phases): (Vec<_>, Vec<_>) = e.drain(..).partition(|(n, _)| n.starts_with("rule "));
        rules.sort_by_key(|r| std::cmp::Reverse(r.1));
        for (name, d) in phases.iter().chain(&rules) {
            eprintln!("timing {:>9.3} ms  {name}", d.as_secs_f64() * 1e3);
        }
    }
}

/// [`run`], recording each rule's time in `timings`.
pub fn run_timed(
    cx: &LintContext<'_>,
    rules: &[&'static dyn Rule],
    sel: &Selection,
    timings: &Timings,
) -> (Vec<Diagnostic>, Vec<&'static str>) {
    use rayon::prelude::*;
    let panicked = std::sync::Mutex::new(Vec::new());
    let mut out: Vec<Diagnostic> = rules
        .par_iter()
        .filter_map(|r| sel.level(r.meta()).map(|sev| (r, sev)))
        .flat_map_iter(|(r, severity)| {
            let m = r.meta();
            let mut sink = Findings::new(cx.capped_files(), cx.opts.max_findings_per_file);
            // A bug in one rule must not cost the user the other rules' findings.
            let ok = timings.phase(&format!("rule {}", m.name), || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.check(cx, &mut sink))).is_ok()
            });
            let found = if ok {
                sink.finish(&cx.pre_dropped)
            } else {
                if let Ok(mut p) = panicked.lock() {
                    p.push(m.name);
                }
                Vec::new()
            };
            found.into_iter().map(move |f| Diagnostic { rule: m.name, category: m.category, severity, finding: f })
        })
        .collect();
    // A finding inside a built-in stock file belongs to the include that
    // brought the file in (including mime.types inside `types {}`, say).
    if out.iter().any(|d| is_stock(cx, d.finding.span.file)) {
        let mut includer: rustc_hash::FxHashMap<u32, Span> = Default::default();
        for ((_, file, node), res) in &cx.loaded.includes {
            if is_stock(cx, *file) {
                continue;
            }
            let span = cx.loaded.file(*file).ast.node(*node).head_span();
            for t in &res.files {
                includer.entry(*t).or_insert(span);
            }
        }
        out.retain_mut(|d| {
            let file = d.finding.span.file;
            if !is_stock(cx, file) {
                return true;
            }
            let Some(at) = includer.get(&file) else { return false };
            let name = &cx.loaded.file(file).display;
            let inner = d.finding.span;
            d.finding.span = *at;
            d.finding.labels.insert(0, Label { span: inner, message: format!("nginx reports it here, in {name}") });
            true
        });
    }
    out.sort_by(|a, b| {
        (a.finding.span.file, a.finding.span.start, a.rule, &a.finding.message).cmp(&(
            b.finding.span.file,
            b.finding.span.start,
            b.rule,
            &b.finding.message,
        ))
    });
    out.dedup_by(|a, b| a.rule == b.rule && a.finding.span == b.finding.span && a.finding.message == b.finding.message);
    if apply_suppressions(cx, sel, &mut out) {
        out.sort_by(|a, b| {
            (a.finding.span.file, a.finding.span.start, a.rule).cmp(&(
                b.finding.span.file,
                b.finding.span.start,
                b.rule,
            ))
        });
    }
    (out, panicked.into_inner().unwrap_or_default())
}

/// Where a rule puts its findings.
///
/// It also keeps memory bounded when a file is full of one mistake (a
/// mutated file with 15,000 copies of one line, say): whenever it has grown
/// enough, it drops the findings [`cap_per_file`] would drop anyway, and
/// counts them (see [`LintContext::pre_dropped`]). Exact: in a file, a finding
/// is dropped only when `cap` distinct findings of the same rule come before
/// it in the final order (file, position, rule, message), so the final cap
/// drops it too. Files with suppression comments (which may remove findings
/// before the cap) and built-in stock files (whose findings move to the
/// include that reads them) are never trimmed here.
pub struct Findings<'x> {
    items: Vec<Finding>,
    /// Per file: may be trimmed.
    capped: &'x [bool],
    cap: usize,
    /// Trim again when `items` reaches this length.
    next_trim: usize,
    /// Per file: the distinct findings dropped, as hashes of span and message.
    dropped: rustc_hash::FxHashMap<crate::span::FileId, rustc_hash::FxHashSet<u64>>,
}

impl<'x> Findings<'x> {
    /// A sink trimming the files marked in `capped` to `cap` findings.
    pub fn new(capped: &'x [bool], cap: usize) -> Findings<'x> {
        Findings {
            items: Vec::new(),
            capped,
            cap,
            next_trim: cap.saturating_mul(2).max(4096),
            dropped: Default::default(),
        }
    }

    /// A sink that keeps everything (tests, tools).
    pub fn unbounded() -> Findings<'static> {
        Findings::new(&[], usize::MAX)
    }

    pub fn push(&mut self, f: Finding) {
        self.items.push(f);
        if self.items.len() >= self.next_trim {
            self.trim();
            self.next_trim = self.next_trim.max(self.items.len().saturating_mul(2));
        }
    }

    pub fn extend_from_slice(&mut self, fs: &[Finding]) {
        for f in fs {
            self.push(f.clone());
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The findings so far, in the order kept.
    pub fn as_slice(&self) -> &[Finding] {
        &self.items
    }

    /// The findings, after a last trim; the dropped counts go to `dropped`.
    pub fn finish(
        mut self,
        dropped: &std::sync::Mutex<rustc_hash::FxHashMap<crate::span::FileId, usize>>,
    ) -> Vec<Finding> {
        if self.items.len() > self.cap {
            self.trim();
        }
        if !self.dropped.is_empty() {
            if let Ok(mut d) = dropped.lock() {
                for (file, set) in &self.dropped {
                    *d.entry(*file).or_default() += set.len();
                }
            }
        }
        self.items
    }

    fn trim(&mut self) {
        let capped = |file: crate::span::FileId| self.capped.get(file as usize).copied().unwrap_or(false);
        let items = &mut self.items;
        items.sort_by(|a, b| (a.span.file, a.span.start, &a.message).cmp(&(b.span.file, b.span.start, &b.message)));
        let mut keep = vec![true; items.len()];
        let mut any = false;
        let mut i = 0;
        while i < items.len() {
            let file = items[i].span.file;
            let mut j = i;
            while j < items.len() && items[j].span.file == file {
                j += 1;
            }
            if j - i > self.cap && capped(file) {
                let mut distinct = 0;
                for k in i..j {
                    // Equal neighbours are one finding after the final de-duplication.
                    let dup = k > i && items[k].span == items[k - 1].span && items[k].message == items[k - 1].message;
                    if !dup {
                        distinct += 1;
                    }
                    if distinct > self.cap {
                        keep[k] = false;
                        any = true;
                        let mut h = rustc_hash::FxHasher::default();
                        std::hash::Hash::hash(&(items[k].span, &items[k].message), &mut h);
                        self.dropped.entry(file).or_default().insert(std::hash::Hasher::finish(&h));
                    }
                }
            }
            i = j;
        }
        if any {
            let mut k = 0;
            items.retain(|_| {
                k += 1;
                keep[k - 1]
            });
            items.shrink_to(items.len().saturating_mul(2));
        }
    }
}

/// Keeps at most `max` findings per file (the first ones, by position);
/// returns the files that had more and how many were dropped.
pub fn cap_per_file(diags: &mut Vec<Diagnostic>, max: usize) -> Vec<(crate::span::FileId, usize)> {
    let mut count: rustc_hash::FxHashMap<crate::span::FileId, usize> = Default::default();
    diags.retain(|d| {
        let n = count.entry(d.finding.span.file).or_default();
        *n += 1;
        *n <= max
    });
    let mut over: Vec<_> = count.into_iter().filter(|(_, n)| *n > max).map(|(f, n)| (f, n - max)).collect();
    over.sort_unstable();
    over
}

/// Drops the findings that suppression comments cover and reports the
/// suppressions that covered nothing. Returns true when it added findings.
fn apply_suppressions(cx: &LintContext<'_>, sel: &Selection, out: &mut Vec<Diagnostic>) -> bool {
    let mut files: rustc_hash::FxHashMap<u32, (Vec<suppress::Suppression>, Vec<Vec<u32>>)> = Default::default();
    for f in &cx.loaded.files {
        if matches!(f.origin, crate::load::Origin::Stock(_)) || !suppress::may_have(f) {
            continue;
        }
        let s = suppress::parse(f).suppressions;
        if !s.is_empty() {
            let uses = s.iter().map(|s| vec![0; s.rules.len()]).collect();
            files.insert(f.id, (s, uses));
        }
    }
    if files.is_empty() {
        return false;
    }
    out.retain(|d| {
        let Some((sups, uses)) = files.get_mut(&d.finding.span.file) else { return true };
        let at = d.finding.span.start;
        let mut hit = false;
        for (i, s) in sups.iter().enumerate() {
            if at >= s.covers.0 && at <= s.covers.1 {
                if let Some(j) = s.rules.iter().position(|n| n.rule == d.rule) {
                    uses[i][j] += 1;
                    hit = true;
                }
            }
        }
        !hit
    });
    let meta = &crate::lints::unused_suppression::UnusedSuppression::META;
    let Some(severity) = sel.level(meta) else { return false };
    let before = out.len();
    for (sups, uses) in files.values() {
        for (s, u) in sups.iter().zip(uses) {
            for (n, count) in s.rules.iter().zip(u) {
                let ran = crate::lints::by_name(n.rule).is_some_and(|r| sel.enabled(r.meta()));
                if *count == 0 && ran {
                    out.push(Diagnostic {
                        rule: meta.name,
                        category: meta.category,
                        severity,
                        finding: crate::lints::unused_suppression::finding(n),
                    });
                }
            }
        }
    }
    out.len() > before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_rule_over_category_select_over_allow_ignore_over_all() {
        let m = &crate::lints::by_name("duplicate-listen").unwrap().meta();
        let mut sel = Selection::default();
        assert_eq!(sel.level(m), Some(Severity::Error));
        sel.category_levels.insert("correctness".into(), Level::Allow);
        assert_eq!(sel.level(m), None);
        sel.rule_levels.insert("duplicate-listen".into(), Level::Info);
        assert_eq!(sel.level(m), Some(Severity::Info));
        sel.rule_levels.insert("duplicate-listen".into(), Level::Allow);
        sel.select = vec!["duplicate-listen".into()];
        assert_eq!(sel.level(m), Some(Severity::Error));
        sel.ignore = vec!["correctness".into()];
        assert_eq!(sel.level(m), None);
    }
}

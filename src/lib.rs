//! ngxlint: a fast nginx configuration linter and static analyzer.
//!
//! Pipeline: `load` (files, includes) -> `syntax` (pest lexer + lowering to an
//! AST) -> `model` (contexts, directive table, expanded tree) -> `lint` (rules
//! in `lints/`) -> `render` (pretty, concise, json). Each stage returns
//! values; only the CLI prints.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod docs;
pub mod lint;
#[path = "../lints/mod.rs"]
pub mod lints;
pub mod load;
pub mod lsp;
pub mod model;
pub mod render;
pub mod span;
pub mod syntax;

use lint::{Diagnostic, LintContext, LintOptions, Selection};
use load::{Entry, LoadIssue, LoadOptions, Loaded};

/// The result of checking a set of entry points.
pub struct Outcome {
    pub loaded: Loaded,
    pub tree: model::tree::Tree,
    pub diagnostics: Vec<Diagnostic>,
    /// Rules that failed with an internal error (their findings are missing).
    pub internal_errors: Vec<&'static str>,
    /// Files with more findings than `--max-findings-per-file`: how many were dropped.
    pub dropped: Vec<(span::FileId, usize)>,
    /// The limit that dropped them.
    pub max_findings_per_file: usize,
}

impl Outcome {
    /// Problems that are not findings in a file: (path, message).
    pub fn load_errors(&self) -> Vec<(String, String)> {
        self.loaded
            .issues
            .iter()
            .filter_map(|i| match i {
                LoadIssue::Entry { path, reason } => Some((path.clone(), reason.clone())),
                LoadIssue::Walk { path, reason } => Some((path.clone(), reason.clone())),
                LoadIssue::TooManyFiles { at: None, limit } => {
                    Some((String::new(), format!("stopped at the limit of {limit} files (raise it with --max-files)")))
                }
                _ => None,
            })
            .chain(self.tree.truncated.then(|| {
                let limit = self.tree.insts.len();
                (
                    String::new(),
                    format!(
                        "stopped expanding includes at the limit of {limit} directives; the rest is not checked (raise it with --max-directives)"
                    ),
                )
            }))
            .chain(self.dropped.iter().map(|(file, n)| {
                (
                    self.loaded.file(*file).display.clone(),
                    format!(
                        "{n} more findings not shown, over the limit of {} per file (raise it with --max-findings-per-file)",
                        self.max_findings_per_file
                    ),
                )
            }))
            .chain(self.internal_errors.iter().map(|r| {
                (String::new(), format!("internal error in rule {r}: its findings are missing (please report this)"))
            }))
            .collect()
    }

    /// True when an entry point given by the user could not be read, or a
    /// rule failed with an internal error (exit code 2).
    pub fn run_failed(&self) -> bool {
        !self.internal_errors.is_empty() || self.loaded.issues.iter().any(|i| matches!(i, LoadIssue::Entry { .. }))
    }
}

/// Loads, models and lints.
pub fn check(entries: &[Entry], opts: &LoadOptions, sel: &Selection) -> Outcome {
    check_with(entries, opts, sel, &LintOptions::default())
}

/// Loads, models and lints with explicit lint options.
pub fn check_with(entries: &[Entry], opts: &LoadOptions, sel: &Selection, lint_opts: &LintOptions) -> Outcome {
    let timings = lint::Timings::from_env();
    let loaded = timings.phase("load", || load::load(entries, opts));
    let tree = timings.phase("tree", || model::tree::build(&loaded, opts.max_directives));
    let (mut diagnostics, internal_errors, pre_dropped) = {
        let cx = LintContext::new(&loaded, &tree, lint_opts);
        let (d, e) = timings.phase("rules", || lint::run_timed(&cx, lints::ALL, sel, &timings));
        (d, e, cx.pre_dropped.into_inner().unwrap_or_default())
    };
    timings.phase(&format!("tree has {} directive occurrences", tree.insts.len()), || ());
    timings.report();
    let max = lint_opts.max_findings_per_file;
    let mut dropped = lint::cap_per_file(&mut diagnostics, max);
    for (file, n) in pre_dropped {
        match dropped.iter_mut().find(|(f, _)| *f == file) {
            Some(d) => d.1 += n,
            None => dropped.push((file, n)),
        }
    }
    dropped.sort_unstable();
    Outcome { loaded, tree, diagnostics, internal_errors, dropped, max_findings_per_file: max }
}

/// Checks one configuration text as a file named `name` (tests, docs, editors).
pub fn check_text(name: &str, text: &str, sel: &Selection) -> Outcome {
    check_text_with(name, text, sel, &LintOptions::default())
}

/// Checks one configuration text with explicit lint options.
pub fn check_text_with(name: &str, text: &str, sel: &Selection, lint_opts: &LintOptions) -> Outcome {
    let entries = [Entry::Stdin { text: text.as_bytes().to_vec(), name: name.to_string() }];
    let opts = LoadOptions { default_etc_map: false, ..LoadOptions::default() };
    check_with(&entries, &opts, sel, lint_opts)
}

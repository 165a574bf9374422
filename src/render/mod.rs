//! Rendering diagnostics: pretty (miette), concise and json. The only layer
//! that formats for people or machines; it returns strings, the CLI prints.

pub mod formats;
mod json;
mod pretty;

pub use json::{json_document, json_text, to_json, JsonFinding, JsonLocation, JsonOutput};
pub use pretty::pretty;

use crate::lint::{Diagnostic, Severity};
use crate::load::Loaded;
use crate::span::Span;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help (default on a terminal).
    Pretty,
    /// `path:line:col: severity rule message`, one line each.
    Concise,
    /// One JSON document (schema in the book: output formats).
    Json,
    /// One JSON object per finding, one per line.
    JsonLines,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab code quality report.
    Gitlab,
    /// Checkstyle XML.
    Checkstyle,
    /// JUnit XML.
    Junit,
}

impl Format {
    /// True for formats read by programs (no summary line on stderr).
    pub fn is_machine(self) -> bool {
        !matches!(self, Format::Pretty | Format::Concise)
    }
}

/// Counts for the summary line and the JSON summary.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(diags: &[Diagnostic], loaded: &Loaded) -> Summary {
        let mut s = Summary {
            files: loaded.files.iter().filter(|f| !matches!(f.origin, crate::load::Origin::Stock(_))).count(),
            ..Summary::default()
        };
        for d in diags {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}

/// Replaces control characters (C0, DEL, C1: ESC starts every terminal
/// escape sequence), the bidirectional overrides that reorder what a reader
/// sees, and the 0x1A stand-in for non-UTF-8 bytes, so that configuration
/// text cannot drive the terminal or disguise itself.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' => c,
            c if unsafe_char(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Characters never printed as they are (see [`sanitize`]).
pub(crate) fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Location of a span as (file name, line, column, end line, end column).
pub fn locate(loaded: &Loaded, span: Span) -> (String, u32, u32, u32, u32) {
    let f = loaded.file(span.file);
    let (l, c) = f.line_col(span.start);
    let (el, ec) = f.line_col(span.end);
    (f.display.clone(), l, c, el, ec)
}

/// `path:line:col: severity[rule] message` lines.
pub fn concise(diags: &[Diagnostic], loaded: &Loaded) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for d in diags {
        let f = loaded.file(d.finding.span.file);
        let (l, c) = f.line_col(d.finding.span.start);
        push_one_line(&mut out, &f.display);
        let _ = write!(out, ":{l}:{c}: {} {} ", d.severity.as_str(), d.rule);
        push_one_line(&mut out, &d.finding.message);
        out.push('\n');
    }
    out
}

/// Appends [`sanitize`]d text with line breaks turned into spaces.
fn push_one_line(out: &mut String, s: &str) {
    // Nearly always plain printable ASCII: copied as it is.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.push_str(s);
        return;
    }
    out.extend(s.chars().map(|c| match c {
        '\n' => ' ',
        '\t' => c,
        c if unsafe_char(c) => '\u{fffd}',
        c => c,
    }));
}

/// The text a finding is recognised by when lines move: the source line it
/// starts on, whitespace runs collapsed to one space.
pub fn anchor_text(loaded: &Loaded, span: Span) -> String {
    let f = loaded.file(span.file);
    let line = f.lines.line_of(span.start.min(f.text.len() as u32));
    let start = f.lines.line_start(line) as usize;
    let end = f.text[start..].find('\n').map_or(f.text.len(), |i| start + i);
    f.text[start..end].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a, 64 bits: a hash whose value never changes between builds.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// One fingerprint per diagnostic, from file, rule, anchor text and the
/// occurrence among equal ones: stable when lines are added or removed.
pub fn fingerprints(diags: &[Diagnostic], loaded: &Loaded) -> Vec<String> {
    let mut seen: rustc_hash::FxHashMap<u64, u32> = Default::default();
    diags
        .iter()
        .map(|d| {
            let file = &loaded.file(d.finding.span.file).display;
            let base = stable_hash(&[file, d.rule, &anchor_text(loaded, d.finding.span)]);
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            format!("{:016x}", stable_hash(&[&format!("{base:016x}"), &n.to_string()]))
        })
        .collect()
}

//! Inline suppressions: `# ngxlint: ignore[rule-a, rule-b] reason` on the
//! line before a directive (it covers the directive and its block) or at the
//! end of the directive's line, and `# ngxlint: ignore-file[rule]` anywhere
//! in a file (it covers the file). Names may be rules or categories.

use super::{Diagnostic, Finding};
use crate::load::Loaded;
use crate::span::{FileId, Span};

/// One parsed suppression comment.
#[derive(Debug)]
pub struct Suppression {
    pub file: FileId,
    /// The comment.
    pub span: Span,
    /// The names in brackets, with their spans.
    pub names: Vec<(String, Span)>,
    /// Covered byte range of the file (`None`: nothing follows the comment).
    pub range: Option<(u32, u32)>,
}

const MARK: &str = "ngxlint:";

/// Reads the suppression comments of every file that is not a built-in stock file.
pub fn collect(loaded: &Loaded) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (fi, f) in loaded.files.iter().enumerate() {
        if matches!(f.origin, crate::load::Origin::Stock(_)) || f.ast.comments.is_empty() {
            continue;
        }
        let file = fi as FileId;
        for c in &f.ast.comments {
            let text = f.slice(c.span);
            let body = text.trim_start_matches('#').trim_start();
            let Some(rest) = body.strip_prefix(MARK) else { continue };
            let rest_trim = rest.trim_start();
            let (whole_file, after) = if let Some(a) = rest_trim.strip_prefix("ignore-file") {
                (true, a)
            } else if let Some(a) = rest_trim.strip_prefix("ignore") {
                (false, a)
            } else {
                continue;
            };
            let Some(inner) = after.strip_prefix('[').and_then(|a| a.split_once(']')).map(|(i, _)| i) else {
                continue;
            };
            // Offsets of the names inside the comment.
            let inner_at = c.span.start + (text.len() - after.len()) as u32 + 1;
            let mut names = Vec::new();
            let mut pos = 0usize;
            for part in inner.split(',') {
                let lead = part.len() - part.trim_start().len();
                let name = part.trim();
                if !name.is_empty() {
                    let s = inner_at + (pos + lead) as u32;
                    names.push((name.to_string(), Span::new(file, s, s + name.len() as u32)));
                }
                pos += part.len() + 1;
            }
            let range = if whole_file { Some((0, u32::MAX)) } else { covered(loaded, file, c.span) };
            out.push(Suppression { file, span: c.span, names, range });
        }
    }
    out
}

/// The directive a comment applies to: the one it ends the line of, or else the next one.
fn covered(loaded: &Loaded, file: FileId, comment: Span) -> Option<(u32, u32)> {
    let f = loaded.file(file);
    let nodes = &f.ast.nodes;
    let next = nodes.partition_point(|d| d.name.span.start < comment.start);
    let (cline, _) = f.line_col(comment.start);
    if next > 0 {
        let d = &nodes[next - 1];
        if d.head_end <= comment.start && f.line_col(d.head_end.saturating_sub(1)).0 == cline {
            let s = d.span();
            return Some((s.start, s.end));
        }
    }
    nodes.get(next).map(|d| {
        let s = d.span();
        (s.start, s.end)
    })
}

/// Drops the suppressed diagnostics; returns the findings about the
/// suppressions themselves: unknown names, and names that suppressed nothing
/// (only for rules that ran).
pub fn apply(
    diags: &mut Vec<Diagnostic>,
    sups: &[Suppression],
    known: impl Fn(&str) -> bool,
    ran: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    if sups.is_empty() {
        return Vec::new();
    }
    let mut used = vec![Vec::new(); sups.len()];
    for (i, s) in sups.iter().enumerate() {
        used[i] = vec![false; s.names.len()];
    }
    diags.retain(|d| {
        let sp = d.finding.span;
        let mut keep = true;
        for (i, s) in sups.iter().enumerate() {
            let Some((a, b)) = s.range else { continue };
            if s.file != sp.file || sp.start < a || sp.start >= b {
                continue;
            }
            for (j, (n, _)) in s.names.iter().enumerate() {
                if n == d.rule || n == d.category.as_str() {
                    used[i][j] = true;
                    keep = false;
                }
            }
        }
        keep
    });
    let mut out = Vec::new();
    for (i, s) in sups.iter().enumerate() {
        for (j, (n, span)) in s.names.iter().enumerate() {
            if !known(n) {
                out.push(
                    Finding::new(*span, format!("unknown rule \"{n}\" in suppression"))
                        .help("use a name from `ngxlint rules` (or a category)"),
                );
            } else if !used[i][j] && ran(n) {
                out.push(
                    Finding::new(*span, format!("suppression of \"{n}\" suppresses nothing"))
                        .help("remove it: nothing here is reported by that rule any more")
                        .label(s.span, "in this comment"),
                );
            }
        }
    }
    out
}

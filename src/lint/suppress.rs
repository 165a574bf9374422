//! Suppression comments: `# ngxlint: ignore[rule-a, rule-b] reason` on the
//! line before a directive (it covers the directive and its block) or at the
//! end of a directive's line, and `# ngxlint: ignore-file[rule]` anywhere in
//! a file (it covers the file).

use crate::load::SourceFile;
use crate::span::Span;

/// The marker that starts a suppression comment.
pub const MARKER: &str = "ngxlint:";

/// One rule named by a suppression comment.
#[derive(Clone, Debug)]
pub struct Named {
    pub rule: &'static str,
    /// The name in the comment.
    pub span: Span,
}

/// A well-formed suppression comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    /// The whole comment.
    pub comment: Span,
    pub rules: Vec<Named>,
    /// Byte range of the file it covers (start, end inclusive).
    pub covers: (u32, u32),
}

/// What is wrong with a suppression comment.
#[derive(Clone, Debug)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// The suppressions of one file, and the comments that are not valid ones.
#[derive(Clone, Debug, Default)]
pub struct FileSuppressions {
    pub suppressions: Vec<Suppression>,
    pub problems: Vec<Problem>,
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.suppressions.is_empty() && self.problems.is_empty()
    }
}

/// A cheap test: does any comment of the file carry the marker?
pub fn may_have(f: &SourceFile) -> bool {
    f.ast.comments.iter().any(|c| f.slice(c.span).contains(MARKER))
}

/// Parses the suppression comments of a file.
pub fn parse(f: &SourceFile) -> FileSuppressions {
    let mut out = FileSuppressions::default();
    for c in &f.ast.comments {
        let text = f.slice(c.span);
        let body = text.trim_start_matches('#').trim_start();
        let Some(rest) = body.strip_prefix(MARKER) else { continue };
        let rest_at = c.span.end - rest.len() as u32;
        let trimmed = rest.trim_start();
        let at = rest_at + (rest.len() - trimmed.len()) as u32;
        let (file_wide, after) = if let Some(a) = trimmed.strip_prefix("ignore-file") {
            (true, a)
        } else if let Some(a) = trimmed.strip_prefix("ignore") {
            (false, a)
        } else {
            out.problems.push(Problem {
                span: c.span,
                message: "unknown suppression comment".into(),
                help: Some("write \"# ngxlint: ignore[RULE] reason\" or \"# ngxlint: ignore-file[RULE]\"".into()),
            });
            continue;
        };
        let list_at = at + (trimmed.len() - after.len()) as u32;
        let Some(inner) = after.strip_prefix('[').and_then(|a| a.split_once(']')).map(|(i, _)| i) else {
            out.problems.push(Problem {
                span: c.span,
                message: "suppression without a rule list".into(),
                help: Some("name the rules in brackets: \"# ngxlint: ignore[RULE] reason\"".into()),
            });
            continue;
        };
        let mut rules = Vec::new();
        let mut off = list_at + 1;
        for part in inner.split(',') {
            let name = part.trim();
            let start = off + (part.len() - part.trim_start().len()) as u32;
            let span = Span::new(c.span.file, start, start + name.len() as u32);
            off += part.len() as u32 + 1;
            if name.is_empty() {
                continue;
            }
            match crate::lints::by_name(name) {
                Some(r) => rules.push(Named { rule: r.meta().name, span }),
                None => {
                    let names = crate::lints::ALL.iter().map(|r| r.meta().name);
                    out.problems.push(Problem {
                        span,
                        message: format!("unknown rule \"{name}\" in suppression"),
                        help: Some(match crate::model::directives::closest(name, names) {
                            Some(s) => format!("did you mean \"{s}\"?"),
                            None => "see `ngxlint rules` for the rule names".into(),
                        }),
                    });
                }
            }
        }
        if rules.is_empty() {
            if inner.trim().is_empty() {
                out.problems.push(Problem {
                    span: c.span,
                    message: "suppression with an empty rule list".into(),
                    help: Some("name the rules in brackets: \"# ngxlint: ignore[RULE] reason\"".into()),
                });
            }
            continue;
        }
        let covers = if file_wide { (0, f.text.len() as u32) } else { covered(f, c.span) };
        out.suppressions.push(Suppression { comment: c.span, rules, covers });
    }
    out
}

/// The range an `ignore` comment covers: the next directive (block
/// included) for a comment on a line of its own, else the directives that
/// start on the comment's line.
fn covered(f: &SourceFile, comment: Span) -> (u32, u32) {
    let line = f.lines.line_of(comment.start);
    let line_start = f.lines.line_start(line);
    let own_line = f.text[line_start as usize..comment.start as usize].trim().is_empty();
    let nodes = &f.ast.nodes;
    if own_line {
        let i = nodes.partition_point(|d| d.name.span.start < comment.end);
        return match nodes.get(i) {
            Some(d) => (d.name.span.start, d.span().end),
            // Nothing follows: covers nothing.
            None => (comment.end, comment.end),
        };
    }
    let first = nodes.partition_point(|d| d.name.span.start < line_start);
    let mut end = comment.start;
    for d in nodes[first..].iter().take_while(|d| d.name.span.start < comment.start) {
        end = end.max(d.span().end);
    }
    (line_start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sups(text: &str) -> FileSuppressions {
        let out = crate::check_text("t.conf", text, &Default::default());
        parse(&out.loaded.files[0])
    }

    #[test]
    fn own_line_covers_the_next_directive_and_its_block() {
        let t = "events {}\n# ngxlint: ignore[duplicate-listen] two on purpose\nserver {\n listen 80;\n}\nx;\n";
        let s = sups(t);
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let (a, b) = s.suppressions[0].covers;
        assert_eq!(&t[a as usize..b as usize], "server {\n listen 80;\n}");
    }

    #[test]
    fn trailing_covers_its_line_and_bad_names_are_problems() {
        let t =
            "listen 80; # ngxlint: ignore[duplicate-listen, no-such-rule]\n# ngxlint: ignore\n# ngxlint: ignroe[x]\n";
        let s = sups(t);
        assert_eq!(s.suppressions[0].covers, (0, 11));
        assert_eq!(s.suppressions[0].rules.len(), 1);
        let msgs: Vec<&str> = s.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "unknown rule \"no-such-rule\" in suppression",
                "suppression without a rule list",
                "unknown suppression comment"
            ]
        );
        assert_eq!(&t[s.problems[0].span.start as usize..s.problems[0].span.end as usize], "no-such-rule");
    }
}

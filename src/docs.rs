//! Rule documentation, generated from each rule's doc comment.

use crate::lint::RuleMeta;

/// The doc comment with the one leading space of each `///` line removed.
pub fn doc_text(m: &RuleMeta) -> String {
    let mut out = String::new();
    for line in m.docs.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The Markdown page of a rule (also the book page).
pub fn rule_markdown(m: &RuleMeta) -> String {
    format!(
        "# {}\n\nCategory: `{}` · Default level: `{}` · Confidence: `{}`\n\n{}\n\n{}",
        m.name,
        m.category.as_str(),
        m.severity.as_str(),
        m.confidence.as_str(),
        m.summary,
        doc_text(m)
    )
}

/// The fenced code blocks of a doc text, in order: (info string, code).
pub fn code_blocks(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in doc.lines() {
        let t = line.trim_start();
        if let Some(info) = t.strip_prefix("```") {
            match cur.take() {
                Some(block) => out.push(block),
                None => cur = Some((info.trim().to_string(), String::new())),
            }
        } else if let Some((_, code)) = cur.as_mut() {
            code.push_str(line);
            code.push('\n');
        }
    }
    out
}

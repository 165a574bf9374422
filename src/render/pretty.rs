//! Human output through miette, with our own line index (miette's default
//! source reader rescans the text for every label).

use super::sanitize;
use crate::lint::{Diagnostic, Severity};
use crate::load::{Loaded, SourceFile};
use crate::span::Span;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use std::fmt;

/// A file's text made safe to print, byte for byte the same length, so
/// offsets stay valid: control bytes and the non-UTF-8 stand-in become `?`.
struct Src<'a> {
    file: &'a SourceFile,
    safe: String,
}

impl<'a> Src<'a> {
    fn new(file: &'a SourceFile) -> Src<'a> {
        let mut safe = String::with_capacity(file.text.len());
        for c in file.text.chars() {
            match c {
                '\n' | '\t' => safe.push(c),
                '\r' => safe.push(' '),
                c if super::unsafe_char(c) => safe.extend(std::iter::repeat_n('?', c.len_utf8())),
                c => safe.push(c),
            }
        }
        Src { file, safe }
    }
}

impl SourceCode for Src<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let lines = &self.file.lines;
        let len = self.safe.len();
        let start = span.offset().min(len);
        let end = (span.offset() + span.len()).min(len);
        let first = lines.line_of(start as u32).saturating_sub(before);
        let last_of_span = lines.line_of(if end > start { end as u32 - 1 } else { end as u32 });
        let last = (last_of_span + after).min(lines.line_count() - 1);
        let from = lines.line_start(first) as usize;
        let to = if last + 1 < lines.line_count() { lines.line_start(last + 1) as usize - 1 } else { len };
        let to = to.max(from);
        let data = &self.safe.as_bytes()[from..to];
        // miette reads the header position from line/column of the contents.
        let (_, col) = self.file.line_col(start as u32);
        Ok(Box::new(MietteSpanContents::new_named(
            sanitize(&self.file.display),
            data,
            SourceSpan::from(from..to),
            first,
            if before == 0 { col as usize - 1 } else { 0 },
            last - first + 1,
        )))
    }
}

/// One report: a diagnostic in one file, with related reports for labels in
/// other files.
struct Report<'a> {
    message: String,
    code: Option<&'static str>,
    severity: miette::Severity,
    help: Option<String>,
    src: &'a Src<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
        }
    }
}

fn labeled(span: Span, text: Option<String>, primary: bool) -> LabeledSpan {
    let s = SourceSpan::from(span.start as usize..span.end as usize);
    if primary {
        LabeledSpan::new_primary_with_span(text, s)
    } else {
        LabeledSpan::new_with_span(text, s)
    }
}

/// Renders diagnostics for a terminal (`color`) or plain text, `width` columns.
pub fn pretty(diags: &[Diagnostic], loaded: &Loaded, color: bool, width: usize) -> String {
    use rayon::prelude::*;
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    // Each file's safe text and each report are independent: both are built
    // in parallel, then the reports are joined in order.
    let mut ids: Vec<u32> = diags
        .iter()
        .flat_map(|d| std::iter::once(d.finding.span.file).chain(d.finding.labels.iter().map(|l| l.span.file)))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let srcs: rustc_hash::FxHashMap<u32, Src<'_>> =
        ids.into_par_iter().map(|id| (id, Src::new(loaded.file(id)))).collect();
    let rendered: Vec<String> = diags.par_iter().map(|d| render_one(&handler, &srcs, d)).collect();
    rendered.concat()
}

/// One diagnostic as text, followed by a blank line.
fn render_one(handler: &GraphicalReportHandler, srcs: &rustc_hash::FxHashMap<u32, Src<'_>>, d: &Diagnostic) -> String {
    let f = &d.finding;
    let src = &srcs[&f.span.file];
    let mut labels = vec![labeled(f.span, None, true)];
    let mut related = Vec::new();
    for l in &f.labels {
        let text = Some(sanitize(&l.message));
        if l.span.file == f.span.file {
            labels.push(labeled(l.span, text, false));
        } else {
            related.push(Report {
                message: sanitize(&l.message),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                src: &srcs[&l.span.file],
                labels: vec![labeled(l.span, text, true)],
                related: Vec::new(),
            });
        }
    }
    let report = Report {
        message: sanitize(&f.message),
        code: Some(d.rule),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: f.help.as_deref().map(sanitize),
        src,
        labels,
        related,
    };
    let mut out = String::new();
    let _ = handler.render_report(&mut out, &report);
    out.push('\n');
    out
}

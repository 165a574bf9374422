//! The JSON output: one document per run, schema version 1.

use super::{locate, Summary};
use crate::lint::Diagnostic;
use crate::load::Loaded;
use crate::span::Span;
use serde::Serialize;

/// A place in a file, 1-based lines and columns (columns count characters).
#[derive(Serialize, Debug)]
pub struct JsonLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte offset of the start.
    pub offset: u32,
    /// Length in bytes.
    pub length: u32,
}

impl JsonLocation {
    fn of(loaded: &Loaded, span: Span) -> JsonLocation {
        let (file, line, column, end_line, end_column) = locate(loaded, span);
        JsonLocation { file, line, column, end_line, end_column, offset: span.start, length: span.len() }
    }
}

#[derive(Serialize, Debug)]
pub struct JsonLabel {
    #[serde(flatten)]
    pub location: JsonLocation,
    pub message: String,
}

#[derive(Serialize, Debug)]
pub struct JsonFinding {
    pub rule: &'static str,
    pub category: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub help: Option<String>,
    #[serde(flatten)]
    pub location: JsonLocation,
    pub labels: Vec<JsonLabel>,
}

/// Problems that are not findings in a file (an entry point that cannot be read...).
#[derive(Serialize, Debug)]
pub struct JsonError {
    pub path: String,
    pub message: String,
}

#[derive(Serialize, Debug)]
pub struct JsonOutput {
    pub version: u32,
    pub findings: Vec<JsonFinding>,
    pub errors: Vec<JsonError>,
    pub summary: Summary,
}

impl JsonFinding {
    pub fn of(d: &Diagnostic, loaded: &Loaded) -> JsonFinding {
        JsonFinding {
            rule: d.rule,
            category: d.category.as_str(),
            severity: d.severity.as_str(),
            message: d.finding.message.clone(),
            help: d.finding.help.as_deref().map(str::to_string),
            location: JsonLocation::of(loaded, d.finding.span),
            labels: d
                .finding
                .labels
                .iter()
                .map(|l| JsonLabel { location: JsonLocation::of(loaded, l.span), message: l.message.clone() })
                .collect(),
        }
    }
}

/// Builds the JSON document (serde escapes every string it embeds).
pub fn to_json(diags: &[Diagnostic], loaded: &Loaded, errors: &[(String, String)]) -> JsonOutput {
    let findings = diags.iter().map(|d| JsonFinding::of(d, loaded)).collect();
    JsonOutput {
        version: 1,
        findings,
        errors: errors.iter().map(|(p, m)| JsonError { path: p.clone(), message: m.clone() }).collect(),
        summary: Summary::of(diags, loaded),
    }
}

/// The document as one line of JSON. serde escapes C0 controls; the C1
/// controls (U+0080 to U+009F, such as the one-character CSI) and the bidi
/// overrides are escaped here too, so no byte of the output can steer a
/// terminal or a CI log that shows it. (Such characters only occur inside
/// strings, where `\uXXXX` means the same.)
pub fn json_text<T: Serialize>(doc: &T) -> String {
    escape_controls(serde_json::to_string(doc).unwrap_or_default())
}

/// The text of [`to_json`]'s document, as [`json_text`] writes it (byte for
/// byte), with the findings converted and serialized in parallel: thousands
/// of findings make this the longest serial step of a run otherwise.
pub fn json_document(diags: &[Diagnostic], loaded: &Loaded, errors: &[(String, String)]) -> String {
    use rayon::prelude::*;
    let parts: Vec<String> = diags
        .par_chunks(64)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 512);
            for (i, d) in chunk.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if serde_json::to_writer(&mut out, &JsonFinding::of(d, loaded)).is_err() {
                    return None;
                }
            }
            String::from_utf8(out).ok()
        })
        .collect::<Option<Vec<String>>>()
        .unwrap_or_default();
    if parts.len() != diags.len().div_ceil(64) {
        // Not reached (serializing these types cannot fail); the plain path then.
        return json_text(&to_json(diags, loaded, errors));
    }
    let errs: Vec<JsonError> = errors.iter().map(|(p, m)| JsonError { path: p.clone(), message: m.clone() }).collect();
    let tail = (serde_json::to_string(&errs), serde_json::to_string(&Summary::of(diags, loaded)));
    let (Ok(errors), Ok(summary)) = tail else { return json_text(&to_json(diags, loaded, errors)) };
    let mut raw = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + errors.len() + 64);
    raw.push_str("{\"version\":1,\"findings\":[");
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            raw.push(',');
        }
        raw.push_str(p);
    }
    raw.push_str("],\"errors\":");
    raw.push_str(&errors);
    raw.push_str(",\"summary\":");
    raw.push_str(&summary);
    raw.push('}');
    escape_controls(raw)
}

/// See [`json_text`].
fn escape_controls(mut raw: String) -> String {
    // The characters escaped below are DEL (0x7F; serde escapes the other
    // ASCII controls itself) and characters encoded with a lead byte 0xC2
    // (U+0080 to U+009F) or 0xE2 (the bidi controls). Without any of those
    // bytes there is nothing to do.
    if memchr::memchr3(0x7F, 0xC2, 0xE2, raw.as_bytes()).is_none() {
        raw.push('\n');
        return raw;
    }
    let mut out = String::with_capacity(raw.len() + 1);
    for c in raw.chars() {
        if super::unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

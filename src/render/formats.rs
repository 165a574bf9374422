//! Machine formats for CI systems: JSON lines, SARIF 2.1.0, GitHub workflow
//! commands, GitLab code quality, Checkstyle and JUnit XML.

use super::{fingerprints, locate, sanitize, JsonFinding};
use crate::lint::{Diagnostic, Severity};
use crate::load::Loaded;
use serde_json::{json, Value};

/// The default base of rule documentation links.
pub const DOCS_URL: &str = "https://ngxlint.dev/rules";

/// One JSON object per line, each a finding of the JSON format.
pub fn json_lines(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&serde_json::to_string(&JsonFinding::of(d, loaded)).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Percent-encodes a path for a URI reference (RFC 3986), keeping `/`.
fn uri_of(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn sarif_location(loaded: &Loaded, span: crate::span::Span, message: Option<&str>) -> Value {
    let (file, line, col, end_line, end_col) = locate(loaded, span);
    let mut v = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_of(&file) },
            "region": {
                "startLine": line,
                "startColumn": col,
                "endLine": end_line,
                "endColumn": end_col.max(if end_line == line { col } else { 1 }),
                "byteOffset": span.start,
                "byteLength": span.len(),
            }
        }
    });
    if let Some(m) = message {
        v["message"] = json!({ "text": m });
    }
    v
}

/// A SARIF 2.1.0 log: every rule with its help, results with 1-based
/// regions and fingerprints that survive line shifts; problems that are not
/// findings (`errors`: path, message) become tool execution notifications.
pub fn sarif(diags: &[Diagnostic], loaded: &Loaded, errors: &[(String, String)], docs_url: &str) -> Value {
    let rules: Vec<Value> = crate::lints::ALL
        .iter()
        .map(|r| {
            let m = r.meta();
            let doc = crate::docs::doc_text(m);
            json!({
                "id": m.name,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.summary },
                "help": { "text": doc, "markdown": doc },
                "helpUri": format!("{docs_url}/{}.html", m.name),
                "defaultConfiguration": { "level": sarif_level(m.severity) },
                "properties": { "tags": [m.category.as_str()] },
            })
        })
        .collect();
    let index = |name: &str| crate::lints::ALL.iter().position(|r| r.meta().name == name).unwrap_or(0);
    let prints = fingerprints(diags, loaded);
    let results: Vec<Value> = diags
        .iter()
        .zip(prints)
        .map(|(d, fp)| {
            let mut text = d.finding.message.clone();
            if let Some(h) = &d.finding.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            let mut r = json!({
                "ruleId": d.rule,
                "ruleIndex": index(d.rule),
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [sarif_location(loaded, d.finding.span, None)],
                "partialFingerprints": { "ngxlintFingerprint/v1": fp },
            });
            if !d.finding.labels.is_empty() {
                r["relatedLocations"] = d
                    .finding
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut v = sarif_location(loaded, l.span, Some(&l.message));
                        v["id"] = json!(i);
                        v
                    })
                    .collect();
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "ngxlint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://ngxlint.dev",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": errors.is_empty(),
                "toolExecutionNotifications": errors.iter().map(|(path, message)| {
                    let text = if path.is_empty() { message.clone() } else { format!("{path}: {message}") };
                    json!({ "level": "error", "message": { "text": text } })
                }).collect::<Vec<_>>(),
            }],
            "results": results,
        }]
    })
}

/// Escapes the message of a workflow command (what follows `::`).
fn gh_data(s: &str) -> String {
    sanitize(&s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A"))
}

/// Escapes a property value of a workflow command.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands (annotations). Escaping keeps any text
/// from a configuration on one line, so none can start a command of its own.
pub fn github(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let mut out = String::new();
    for d in diags {
        let (file, line, col, end_line, end_col) = locate(loaded, d.finding.span);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut msg = d.finding.message.clone();
        if let Some(h) = &d.finding.help {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{kind} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            gh_property(&file),
            gh_property(&format!("ngxlint ({})", d.rule)),
            gh_data(&msg)
        ));
    }
    out
}

/// GitLab code quality report (a JSON array).
pub fn gitlab(diags: &[Diagnostic], loaded: &Loaded) -> Value {
    let prints = fingerprints(diags, loaded);
    let issues: Vec<Value> = diags
        .iter()
        .zip(prints)
        .map(|(d, fp)| {
            let (file, line, _, end_line, _) = locate(loaded, d.finding.span);
            json!({
                "type": "issue",
                "check_name": d.rule,
                "description": d.finding.message,
                "categories": [match d.category {
                    crate::lint::Category::Security => "Security",
                    crate::lint::Category::Performance => "Performance",
                    crate::lint::Category::Style => "Style",
                    _ => "Bug Risk",
                }],
                "severity": match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "fingerprint": fp,
                "location": { "path": file, "lines": { "begin": line, "end": end_line } },
            })
        })
        .collect();
    Value::Array(issues)
}

/// Escapes text for XML 1.0 (attribute-safe); characters XML cannot carry
/// become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\u{1a}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Checkstyle XML, one `<file>` per file in order of first finding.
pub fn checkstyle(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let mut files: Vec<(String, Vec<String>)> = Vec::new();
    for d in diags {
        let (file, line, col, _, _) = locate(loaded, d.finding.span);
        let entry = format!(
            "    <error line=\"{line}\" column=\"{col}\" severity=\"{}\" message=\"{}\" source=\"ngxlint.{}\"/>\n",
            d.severity.as_str(),
            xml(&d.finding.message),
            d.rule
        );
        match files.iter_mut().find(|(f, _)| *f == file) {
            Some((_, v)) => v.push(entry),
            None => files.push((file, vec![entry])),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (file, entries) in files {
        out.push_str(&format!("  <file name=\"{}\">\n", xml(&file)));
        for e in entries {
            out.push_str(&e);
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

/// JUnit XML: one test case per finding (a failure each); a run without
/// findings is one passing case.
pub fn junit(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let n = diags.len().max(1);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ngxlint\" tests=\"{n}\" failures=\"{}\">\n  <testsuite name=\"ngxlint\" tests=\"{n}\" failures=\"{}\" errors=\"0\">\n",
        diags.len(),
        diags.len()
    );
    if diags.is_empty() {
        out.push_str("    <testcase name=\"ngxlint\" classname=\"ngxlint\"/>\n");
    }
    for d in diags {
        let (file, line, col, _, _) = locate(loaded, d.finding.span);
        let mut body = format!("{file}:{line}:{col}: {} {} {}", d.severity.as_str(), d.rule, d.finding.message);
        if let Some(h) = &d.finding.help {
            body.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            xml(&format!("{}: {file}:{line}:{col}", d.rule)),
            xml(&file),
            xml(&d.finding.message),
            d.rule,
            xml(&body)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(gh_data("a%b\r\n::error::x"), "a%25b%0D%0A::error::x");
        assert_eq!(gh_property("a,b:c\nd"), "a%2Cb%3Ac%0Ad");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_of("conf d/a.conf"), "conf%20d/a.conf");
        assert_eq!(uri_of("/etc/nginx/x#.conf"), "file:///etc/nginx/x%23.conf");
    }
}

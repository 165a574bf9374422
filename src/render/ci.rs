//! Machine formats for CI systems and editors: SARIF 2.1.0, GitHub workflow
//! commands, GitLab code quality, Checkstyle, JUnit and JSON lines. Every one
//! escapes all the text it embeds.

use super::json::to_json;
use super::locate;
use crate::lint::{Diagnostic, RuleMeta, Severity};
use crate::load::Loaded;
use serde_json::json;

/// Where rule documentation lives on the web.
pub const DOCS_BASE: &str = "https://ngxlint.dev/rules/";

/// FNV-1a, 64 bits: a stable hash for fingerprints (not for security).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A fingerprint per diagnostic that survives line shifts: the file, the
/// rule, the finding's text with whitespace collapsed, and how many earlier
/// findings share those.
pub fn fingerprints(diags: &[Diagnostic], loaded: &Loaded) -> Vec<String> {
    let mut seen: rustc_hash::FxHashMap<u64, u32> = Default::default();
    diags
        .iter()
        .map(|d| {
            let f = loaded.file(d.finding.span.file);
            let text: String = f.slice(d.finding.span).split_whitespace().collect::<Vec<_>>().join(" ");
            let key = fnv(format!("{}\0{}\0{}", f.display, d.rule, text).as_bytes());
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            format!("{:016x}", fnv(format!("{key:016x}:{n}").as_bytes()))
        })
        .collect()
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes a relative path for a SARIF `uri`.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A SARIF 2.1.0 log (GitHub code scanning accepts it).
pub fn sarif(diags: &[Diagnostic], loaded: &Loaded, rules: &[&'static RuleMeta]) -> serde_json::Value {
    let rule_index = |name: &str| rules.iter().position(|r| r.name == name);
    let region = |span| {
        let (file, l, c, el, ec) = locate(loaded, span);
        (file, json!({"startLine": l, "startColumn": c, "endLine": el, "endColumn": ec.max(1)}))
    };
    let fps = fingerprints(diags, loaded);
    let results: Vec<_> = diags
        .iter()
        .zip(&fps)
        .map(|(d, fp)| {
            let (file, reg) = region(d.finding.span);
            let mut text = d.finding.message.clone();
            if let Some(h) = &d.finding.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let related: Vec<_> = d
                .finding
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (f, r) = region(l.span);
                    json!({"id": i, "message": {"text": l.message},
                           "physicalLocation": {"artifactLocation": {"uri": uri(&f)}, "region": r}})
                })
                .collect();
            let mut r = json!({
                "ruleId": d.rule,
                "level": sarif_level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&file)}, "region": reg}}],
                "partialFingerprints": {"ngxlint/v1": fp},
            });
            if let Some(i) = rule_index(d.rule) {
                r["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                r["relatedLocations"] = json!(related);
            }
            r
        })
        .collect();
    let rules: Vec<_> = rules
        .iter()
        .map(|m| {
            json!({
                "id": m.name,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.summary},
                "help": {"text": crate::docs::doc_text(m), "markdown": crate::docs::doc_text(m)},
                "helpUri": format!("{DOCS_BASE}{}.html", m.name),
                "defaultConfiguration": {"level": sarif_level(m.severity)},
                "properties": {"tags": [m.category.as_str()]},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ngxlint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://ngxlint.dev/",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Escapes the message of a GitHub workflow command.
fn gh_data(s: &str) -> String {
    super::sanitize(s).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property of a GitHub workflow command.
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands (`::error file=...::message`), one per line.
pub fn github(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let mut out = String::new();
    for d in diags {
        let (file, l, c, el, ec) = locate(loaded, d.finding.span);
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
            "::{kind} file={},line={l},col={c},endLine={el},endColumn={ec},title={}::{}\n",
            gh_prop(&file),
            gh_prop(&format!("ngxlint ({})", d.rule)),
            gh_data(&msg)
        ));
    }
    out
}

/// A GitLab code quality report.
pub fn gitlab(diags: &[Diagnostic], loaded: &Loaded) -> serde_json::Value {
    let fps = fingerprints(diags, loaded);
    json!(diags
        .iter()
        .zip(fps)
        .map(|(d, fp)| {
            let (file, l, ..) = locate(loaded, d.finding.span);
            let severity = match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            };
            json!({
                "description": d.finding.message,
                "check_name": d.rule,
                "fingerprint": fp,
                "severity": severity,
                "location": {"path": file, "lines": {"begin": l}},
            })
        })
        .collect::<Vec<_>>())
}

/// Escapes text for XML 1.0 (attributes and content); characters XML cannot
/// carry become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' || super::unsafe_char(c) => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

/// A Checkstyle XML report.
pub fn checkstyle(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let mut by_file: Vec<(String, Vec<&Diagnostic>)> = Vec::new();
    for d in diags {
        let (file, ..) = locate(loaded, d.finding.span);
        match by_file.iter_mut().find(|(f, _)| *f == file) {
            Some((_, v)) => v.push(d),
            None => by_file.push((file, vec![d])),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (file, ds) in by_file {
        out.push_str(&format!("  <file name=\"{}\">\n", xml(&file)));
        for d in ds {
            let (_, l, c, ..) = locate(loaded, d.finding.span);
            out.push_str(&format!(
                "    <error line=\"{l}\" column=\"{c}\" severity=\"{}\" message=\"{}\" source=\"ngxlint.{}\"/>\n",
                d.severity.as_str(),
                xml(&d.finding.message),
                xml(d.rule)
            ));
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

/// A JUnit XML report: one failing test case per finding (one passing case when clean).
pub fn junit(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let n = diags.len().max(1);
    out.push_str(&format!(
        "<testsuites name=\"ngxlint\" tests=\"{n}\" failures=\"{}\">\n  <testsuite name=\"ngxlint\" tests=\"{n}\" failures=\"{}\">\n",
        diags.len(),
        diags.len()
    ));
    if diags.is_empty() {
        out.push_str("    <testcase name=\"no findings\" classname=\"ngxlint\"/>\n");
    }
    for d in diags {
        let (file, l, c, ..) = locate(loaded, d.finding.span);
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            xml(&format!("{}:{l}:{c} {}", file, d.rule)),
            xml(&file),
            xml(&d.finding.message),
            xml(d.severity.as_str()),
            xml(&format!("{file}:{l}:{c}: {} {}\n{}", d.severity.as_str(), d.finding.message, d.finding.help.as_deref().unwrap_or("")))
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One JSON finding per line (the `findings` of the JSON format).
pub fn json_lines(diags: &[Diagnostic], loaded: &Loaded) -> String {
    let doc = to_json(diags, loaded, &[]);
    let mut out = String::new();
    for f in &doc.findings {
        // json_text escapes the characters serde leaves raw, and ends the line.
        out.push_str(&super::json::json_text(f));
    }
    out
}

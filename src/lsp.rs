//! `ngxlint lsp`: a language server on standard input and output that lints
//! each open document as the user types and publishes the findings (full
//! document sync; diagnostics on open, change and save).

use crate::lint::{Diagnostic, LintOptions, Selection, Severity};
use crate::load::{Entry, LoadOptions, Loaded};
use lsp_server::{Connection, Message, Notification, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Notification as _,
    PublishDiagnostics,
};
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Runs the server until the client says `exit`; returns the exit code.
pub fn run() -> u8 {
    let (conn, io) = Connection::stdio();
    let caps = json!({
        "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": true } },
    });
    if let Err(e) = conn.initialize(caps) {
        eprintln!("error: language server initialisation failed: {e}");
        return crate::cli::exit::TROUBLE;
    }
    let code = serve(&conn);
    drop(conn);
    let _ = io.join();
    code
}

fn serve(conn: &Connection) -> u8 {
    let mut docs: FxHashMap<String, String> = FxHashMap::default();
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                match conn.handle_shutdown(&req) {
                    Ok(true) => return crate::cli::exit::CLEAN,
                    Ok(false) => {}
                    Err(_) => return crate::cli::exit::TROUBLE,
                }
                let resp = Response::new_err(req.id, -32601, format!("unsupported request {}", req.method));
                let _ = conn.sender.send(resp.into());
            }
            Message::Notification(n) => {
                let (uri, text) = match n.method.as_str() {
                    DidOpenTextDocument::METHOD => {
                        let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params) else {
                            continue;
                        };
                        (p.text_document.uri.as_str().to_string(), Some(p.text_document.text))
                    }
                    DidChangeTextDocument::METHOD => {
                        let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params) else {
                            continue;
                        };
                        (p.text_document.uri.as_str().to_string(), p.content_changes.into_iter().last().map(|c| c.text))
                    }
                    DidSaveTextDocument::METHOD => {
                        let Ok(p) = serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params) else {
                            continue;
                        };
                        (p.text_document.uri.as_str().to_string(), p.text)
                    }
                    DidCloseTextDocument::METHOD => {
                        let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params) else {
                            continue;
                        };
                        let uri = p.text_document.uri.as_str().to_string();
                        docs.remove(&uri);
                        publish(conn, &uri, Vec::new());
                        continue;
                    }
                    _ => continue,
                };
                if let Some(t) = text {
                    docs.insert(uri.clone(), t);
                }
                if let Some(t) = docs.get(&uri) {
                    let (diags, config_error) = lint_document(&uri, t);
                    if let Some(e) = config_error {
                        let params = json!({ "type": 1, "message": format!("ngxlint: {e}") });
                        let _ = conn.sender.send(Notification::new("window/showMessage".to_string(), params).into());
                    }
                    publish(conn, &uri, diags);
                }
            }
            Message::Response(_) => {}
        }
    }
    crate::cli::exit::CLEAN
}

fn publish(conn: &Connection, uri: &str, diagnostics: Vec<Value>) {
    let params = json!({ "uri": uri, "diagnostics": diagnostics });
    let _ = conn.sender.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into());
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
}

/// LSP position (0-based line, UTF-16 column) of a byte offset.
fn position(loaded: &Loaded, file: u32, offset: u32) -> Value {
    let f = loaded.file(file);
    let offset = (offset as usize).min(f.text.len());
    let line = f.lines.line_of(offset as u32);
    let start = f.lines.line_start(line) as usize;
    let col: usize = f.text.get(start..offset).map_or(0, |s| s.chars().map(char::len_utf16).sum());
    json!({ "line": line, "character": col })
}

/// Lints one document's text as the file at its URI would be checked,
/// with the configuration found above it. A configuration that does not
/// load is reported (second value) and the defaults are used.
pub fn lint_document(uri: &str, text: &str) -> (Vec<Value>, Option<String>) {
    let path = path_of(uri);
    let (config, config_error) = match path.as_ref().and_then(|p| p.parent().and_then(crate::config::find)) {
        Some(c) => match crate::config::load(&c) {
            Ok(c) => (c, None),
            Err(e) => (Default::default(), Some(e.to_string())),
        },
        None => (Default::default(), None),
    };
    let name = path.as_ref().map_or_else(|| "<document>".to_string(), |p| p.display().to_string());
    let entries = [Entry::Stdin { text: text.as_bytes().to_vec(), name }];
    let opts = LoadOptions { conf_dir: config.conf_dir.clone(), ..LoadOptions::default() };
    let mut sel = Selection::default();
    config.apply_to(&mut sel);
    let lint_opts = LintOptions {
        nginx_version: config.nginx_version.unwrap_or(crate::lint::DEFAULT_NGINX_VERSION),
        rule_options: config.rule_options.clone(),
        backends: config.backends.clone(),
        extra_directives: config.extra_directives.clone(),
        ..LintOptions::default()
    };
    let outcome = crate::check_with(&entries, &opts, &sel, &lint_opts);
    let Some(root) = outcome.loaded.roots.first().map(|r| r.file) else { return (Vec::new(), config_error) };
    let docs_url = config.docs_url.as_deref().unwrap_or(crate::render::formats::DOCS_URL);
    let diags = outcome
        .diagnostics
        .iter()
        .filter(|d| d.finding.span.file == root)
        .map(|d| to_lsp(d, &outcome.loaded, uri, docs_url))
        .collect();
    (diags, config_error)
}

fn to_lsp(d: &Diagnostic, loaded: &Loaded, uri: &str, docs_url: &str) -> Value {
    let f = &d.finding;
    let range = |s: crate::span::Span| json!({ "start": position(loaded, s.file, s.start), "end": position(loaded, s.file, s.end) });
    let mut message = f.message.clone();
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<Value> = f
        .labels
        .iter()
        .filter(|l| l.span.file == f.span.file)
        .map(|l| json!({ "location": { "uri": uri, "range": range(l.span) }, "message": l.message }))
        .collect();
    json!({
        "range": range(f.span),
        "severity": match d.severity { Severity::Error => 1, Severity::Warning => 2, Severity::Info => 3 },
        "code": d.rule,
        "codeDescription": { "href": format!("{docs_url}/{}.html", d.rule) },
        "source": "ngxlint",
        "message": message,
        "relatedInformation": related,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_decode() {
        assert_eq!(path_of("file:///etc/nginx/a%20b.conf"), Some(PathBuf::from("/etc/nginx/a b.conf")));
        assert_eq!(path_of("untitled:1"), None);
    }
}

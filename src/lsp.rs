//! `ngxlint lsp`: a language server on standard input and output that lints
//! each open document as the user types and publishes the findings (full
//! document sync; diagnostics on open, change and save). A document is
//! linted in the configuration tree it belongs to, with the unsaved texts of
//! all open documents read in place of their files.

use crate::config::Config;
use crate::lint::{Diagnostic, LintOptions, Selection, Severity};
use crate::load::{Entry, FileSource, LoadOptions, Loaded, Origin};
use lsp_server::{Connection, Message, Notification, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Notification as _,
    PublishDiagnostics,
};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// The server's state: the open documents and what it last published.
struct Server<'c> {
    conn: &'c Connection,
    /// Open documents: URI to unsaved text.
    docs: FxHashMap<String, String>,
    /// Per configuration tree (its main file), the URIs last published
    /// with findings from a run over the whole tree.
    trees: FxHashMap<PathBuf, BTreeSet<String>>,
}

fn serve(conn: &Connection) -> u8 {
    let mut server = Server { conn, docs: FxHashMap::default(), trees: FxHashMap::default() };
    while let Ok(first) = conn.receiver.recv() {
        // Notifications that queued up while the last lint ran are taken
        // together, so a burst of keystrokes costs one lint. A request ends
        // the batch: a shutdown reads the exit notification after it.
        let mut batch = vec![first];
        while !matches!(batch.last(), Some(Message::Request(_))) {
            match conn.receiver.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut dirty: Vec<String> = Vec::new();
        for msg in batch {
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
                    for uri in server.notified(n) {
                        if !dirty.contains(&uri) {
                            dirty.push(uri);
                        }
                    }
                }
                Message::Response(_) => {}
            }
        }
        server.lint(dirty);
    }
    crate::cli::exit::CLEAN
}

impl Server<'_> {
    /// Applies a notification; returns the URIs of the documents to lint.
    fn notified(&mut self, n: Notification) -> Vec<String> {
        let parsed = match n.method.as_str() {
            DidOpenTextDocument::METHOD => serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                .ok()
                .map(|p| (p.text_document.uri.as_str().to_string(), Some(p.text_document.text))),
            DidChangeTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params).ok().map(|p| {
                    (p.text_document.uri.as_str().to_string(), p.content_changes.into_iter().last().map(|c| c.text))
                })
            }
            DidSaveTextDocument::METHOD => serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                .ok()
                .map(|p| (p.text_document.uri.as_str().to_string(), p.text)),
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                return self.closed(p.text_document.uri.as_str());
            }
            _ => None,
        };
        let Some((uri, text)) = parsed else { return Vec::new() };
        if let Some(t) = text {
            self.docs.insert(uri.clone(), t);
        }
        if self.docs.contains_key(&uri) {
            vec![uri]
        } else {
            Vec::new()
        }
    }

    /// Forgets a closed document and clears its findings; returns the open
    /// documents of its tree, which now read its file from disk.
    fn closed(&mut self, uri: &str) -> Vec<String> {
        self.docs.remove(uri);
        for published in self.trees.values_mut() {
            published.remove(uri);
        }
        publish(self.conn, uri, Vec::new());
        let Some(path) = path_of(uri).filter(|p| p.is_absolute()).map(|p| crate::load::normalize(&p)) else {
            return Vec::new();
        };
        let (config, _, _) = config_near(path.parent());
        let Some(dir) = find_tree(&path, config.conf_dir.as_deref(), &FileSource::Disk)
            .and_then(|m| m.parent().map(Path::to_path_buf))
        else {
            return Vec::new();
        };
        self.docs.keys().filter(|u| path_of(u).is_some_and(|p| p.starts_with(&dir))).cloned().collect()
    }

    /// Lints documents and publishes the findings, each tree once.
    fn lint(&mut self, dirty: Vec<String>) {
        let mut done: FxHashSet<String> = FxHashSet::default();
        let mut queue: VecDeque<String> = dirty.into();
        while let Some(uri) = queue.pop_front() {
            if !self.docs.contains_key(&uri) || !done.insert(uri.clone()) {
                continue;
            }
            let p = lint_document(&uri, &self.docs);
            if let Some(e) = &p.config_error {
                let params = json!({ "type": 1, "message": format!("ngxlint: {e}") });
                let _ = self.conn.sender.send(Notification::new("window/showMessage".to_string(), params).into());
            }
            if let Some(tree) = &p.tree {
                let now: BTreeSet<String> =
                    p.files.iter().filter(|(_, d)| !d.is_empty()).map(|(u, _)| u.clone()).collect();
                let before = self.trees.insert(tree.clone(), now.clone()).unwrap_or_default();
                let covered: FxHashSet<&str> = p.files.iter().map(|(u, _)| u.as_str()).collect();
                for u in before.difference(&now).filter(|u| !covered.contains(u.as_str())) {
                    publish(self.conn, u, Vec::new());
                    // An open document no longer reached from the tree is linted on its own.
                    if self.docs.contains_key(u) {
                        queue.push_back(u.clone());
                    }
                }
                // Open documents of the tree were published from this run.
                done.extend(covered.into_iter().map(str::to_string));
            }
            for (u, d) in p.files {
                publish(self.conn, &u, d);
            }
        }
    }
}

fn publish(conn: &Connection, uri: &str, diagnostics: Vec<Value>) {
    let params = json!({ "uri": uri, "diagnostics": diagnostics });
    let _ = conn.sender.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into());
}

/// The `file://` URI of an absolute path: every byte but the unreserved
/// ones and `/` percent-encoded.
fn uri_of(path: &Path) -> String {
    let mut out = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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

/// How far above a document its tree's `nginx.conf` is looked for.
const TREE_LEVELS: usize = 8;

/// What one lint of a document publishes.
pub struct Publication {
    /// The main file of the configuration tree the document was linted in;
    /// `None` when it was linted on its own.
    pub tree: Option<PathBuf>,
    /// URIs and their diagnostics: the document first, then the tree's other
    /// open documents and its files with findings.
    pub files: Vec<(String, Vec<Value>)>,
    /// A configuration file that does not load (the defaults were used).
    pub config_error: Option<String>,
}

/// Lints an open document in the configuration tree it belongs to (the
/// closest `nginx.conf` above it, or in the configured conf dir, when that
/// file reaches it), else on its own; every open document's unsaved text is
/// read in place of its file.
pub fn lint_document(uri: &str, docs: &FxHashMap<String, String>) -> Publication {
    let text = docs.get(uri).map_or("", String::as_str);
    let path = path_of(uri).filter(|p| p.is_absolute()).map(|p| crate::load::normalize(&p));
    let (config, config_path, config_error) = config_near(path.as_deref().and_then(Path::parent));
    if let Some(path) = &path {
        let open = open_paths(docs);
        let overlay: BTreeMap<PathBuf, Vec<u8>> =
            open.iter().filter_map(|(p, u)| Some((p.clone(), docs.get(u)?.as_bytes().to_vec()))).collect();
        let fs = FileSource::Overlay(Arc::new(overlay));
        if let Some(main) = find_tree(path, config.conf_dir.as_deref(), &fs) {
            // The tree is checked as `ngxlint check` checks its main file:
            // with the configuration file found for that.
            let near_main = crate::config::find(main.parent().unwrap_or(Path::new("/")));
            let (tree_config, tree_error) = if near_main == config_path {
                (config.clone(), None)
            } else {
                let (c, _, e) = config_near(main.parent());
                (c, e)
            };
            if let Some(files) = lint_tree(uri, &main, &tree_config, fs, &open) {
                let config_error = config_error.or(tree_error);
                return Publication { tree: Some(main), files, config_error };
            }
        }
    }
    let diags = lint_alone(uri, text, path.as_deref(), &config);
    Publication { tree: None, files: vec![(uri.to_string(), diags)], config_error }
}

/// The configuration found for a directory, its path, and why it did not
/// load (then the defaults are used).
fn config_near(dir: Option<&Path>) -> (Config, Option<PathBuf>, Option<String>) {
    match dir.and_then(crate::config::find) {
        Some(p) => match crate::config::load(&p) {
            Ok(c) => (c, Some(p), None),
            Err(e) => (Config::default(), Some(p), Some(e.to_string())),
        },
        None => (Config::default(), None, None),
    }
}

/// The main file of the tree a document belongs to: `nginx.conf` in the
/// configured conf dir, else the closest one at most [`TREE_LEVELS`] above.
fn find_tree(doc: &Path, conf_dir: Option<&Path>, fs: &FileSource) -> Option<PathBuf> {
    if let Some(main) = conf_dir.map(|d| d.join("nginx.conf")).filter(|m| fs.is_file(m)) {
        return Some(main);
    }
    doc.parent()?.ancestors().take(TREE_LEVELS + 1).map(|d| d.join("nginx.conf")).find(|m| fs.is_file(m))
}

/// Open documents by path: as the editor names it and, when links lead
/// elsewhere, as resolved.
fn open_paths(docs: &FxHashMap<String, String>) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for uri in docs.keys() {
        let Some(p) = path_of(uri).filter(|p| p.is_absolute()).map(|p| crate::load::normalize(&p)) else { continue };
        if let Ok(real) = std::fs::canonicalize(&p) {
            out.entry(real).or_insert_with(|| uri.clone());
        }
        out.insert(p, uri.clone());
    }
    out
}

/// The URI to publish a file's findings under: the open document's own
/// when the file is open (perhaps by another path), else one built from
/// its path.
fn uri_for(path: &Path, open: &BTreeMap<PathBuf, String>) -> String {
    if let Some(u) = open.get(path) {
        return u.clone();
    }
    // Resolving links costs system calls: only for a link, or a file named
    // like an open one (its directory may be a link).
    if path.is_symlink() || open.keys().any(|k| k.file_name() == path.file_name()) {
        if let Some(u) = std::fs::canonicalize(path).ok().and_then(|r| open.get(&r)) {
            return u.clone();
        }
    }
    uri_of(path)
}

/// Lints the tree of `main` and returns what to publish, or `None` when the
/// document `uri` is not among the tree's files.
fn lint_tree(
    uri: &str,
    main: &Path,
    config: &Config,
    fs: FileSource,
    open: &BTreeMap<PathBuf, String>,
) -> Option<Vec<(String, Vec<Value>)>> {
    let opts = LoadOptions {
        conf_dir: config.conf_dir.clone(),
        include: config.include.clone(),
        exclude: config.exclude.clone(),
        source: fs,
        ..LoadOptions::default()
    };
    let (sel, lint_opts) = settings(config);
    let outcome = crate::check_with(&[Entry::Path(main.to_path_buf())], &opts, &sel, &lint_opts);
    let loaded = &outcome.loaded;
    // Findings are published for files on disk (not built-in stock files).
    let uris: Vec<Option<String>> =
        loaded.files.iter().map(|f| (f.origin == Origin::Disk).then(|| uri_for(&f.path, open))).collect();
    if !uris.iter().any(|u| u.as_deref() == Some(uri)) {
        return None;
    }
    let mut files: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    // Every open document of the tree is published, with findings or not.
    for u in uris.iter().flatten().filter(|u| open.values().any(|o| o == *u)) {
        files.entry(u.as_str()).or_default();
    }
    let docs_url = config.docs_url.as_deref().unwrap_or(crate::render::formats::DOCS_URL);
    for d in &outcome.diagnostics {
        if let Some(u) = &uris[d.finding.span.file as usize] {
            files.entry(u.as_str()).or_default().push(to_lsp(d, loaded, &uris, docs_url));
        }
    }
    let mut out: Vec<(String, Vec<Value>)> = Vec::with_capacity(files.len());
    out.push((uri.to_string(), files.remove(uri).unwrap_or_default()));
    out.extend(files.into_iter().map(|(u, d)| (u.to_string(), d)));
    Some(out)
}

/// Rule selection and lint options from a configuration.
fn settings(config: &Config) -> (Selection, LintOptions) {
    let mut sel = Selection::default();
    config.apply_to(&mut sel);
    let lint_opts = LintOptions {
        nginx_version: config.nginx_version.unwrap_or(crate::lint::DEFAULT_NGINX_VERSION),
        version_given: config.nginx_version.is_some(),
        rule_options: config.rule_options.clone(),
        backends: config.backends.clone(),
        extra_directives: config.extra_directives.clone(),
        ..LintOptions::default()
    };
    (sel, lint_opts)
}

/// Lints one document's text on its own, as the file at its path would be
/// checked.
fn lint_alone(uri: &str, text: &str, path: Option<&Path>, config: &Config) -> Vec<Value> {
    let name = path.map_or_else(|| "<document>".to_string(), |p| p.display().to_string());
    let entries = [Entry::Stdin { text: text.as_bytes().to_vec(), name }];
    let opts = LoadOptions { conf_dir: config.conf_dir.clone(), ..LoadOptions::default() };
    let (sel, lint_opts) = settings(config);
    let outcome = crate::check_with(&entries, &opts, &sel, &lint_opts);
    let Some(root) = outcome.loaded.roots.first().map(|r| r.file) else { return Vec::new() };
    let docs_url = config.docs_url.as_deref().unwrap_or(crate::render::formats::DOCS_URL);
    let uris: Vec<Option<String>> =
        (0..outcome.loaded.files.len()).map(|i| (i == root as usize).then(|| uri.to_string())).collect();
    outcome
        .diagnostics
        .iter()
        .filter(|d| d.finding.span.file == root)
        .map(|d| to_lsp(d, &outcome.loaded, &uris, docs_url))
        .collect()
}

/// One finding as an LSP diagnostic; labels in files with a URI (`uris`,
/// by file id) become related information.
fn to_lsp(d: &Diagnostic, loaded: &Loaded, uris: &[Option<String>], docs_url: &str) -> Value {
    let f = &d.finding;
    let range = |s: crate::span::Span| json!({ "start": position(loaded, s.file, s.start), "end": position(loaded, s.file, s.end) });
    let mut message = f.message.clone();
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<Value> = f
        .labels
        .iter()
        .filter_map(|l| {
            let uri = uris.get(l.span.file as usize)?.as_ref()?;
            Some(json!({ "location": { "uri": uri, "range": range(l.span) }, "message": l.message }))
        })
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

    #[test]
    fn file_uris_encode_and_round_trip() {
        let p = PathBuf::from("/etc/nginx/a b%#?\u{e9}~.conf");
        let u = uri_of(&p);
        assert_eq!(u, "file:///etc/nginx/a%20b%25%23%3F%C3%A9~.conf");
        assert_eq!(path_of(&u), Some(p));
    }
}

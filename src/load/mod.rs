//! Loading: reads configuration files, resolves `include` the way nginx does,
//! parses every file once (in parallel), and records include edges.
//!
//! Nothing here prints; problems are returned as [`LoadIssue`]s that the
//! include rules turn into findings.

pub mod dump;
mod source;
pub mod stock;

pub use source::FileSource;
use source::{io_reason, ReadResult};

use crate::model::context::Context;
use crate::span::{FileId, LineIndex, Span};
use crate::syntax::ast::{Ast, NodeId};
use crate::syntax::{self, ParseOptions, SyntaxError};
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Component, Path, PathBuf};

/// Options that decide how files are found and read.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Directory relative includes resolve against (nginx's conf prefix);
    /// by default the directory of each main config file.
    pub conf_dir: Option<PathBuf>,
    /// Path maps `FROM=TO`: an include under FROM is read from TO.
    pub maps: Vec<(PathBuf, PathBuf)>,
    /// Map `/etc/nginx` to the checked conf dir when no map names it.
    pub default_etc_map: bool,
    /// Files larger than this are not read.
    pub max_file_size: u64,
    /// At most this many files are read in one run.
    pub max_files: usize,
    /// At most this many directive occurrences in the expanded configuration
    /// (a file included from many places counts each time).
    pub max_directives: usize,
    /// Context given on the command line for entry files that are snippets.
    pub snippet_context: Option<Context>,
    /// Entry files that are main configurations whatever they hold (`-c`,
    /// like nginx's: an empty one is a main configuration too).
    pub main_entries: Vec<PathBuf>,
    /// Includes may only read files under this directory (and under the
    /// targets of `maps`); by default the conf dir of each entry point, or
    /// the directory walked.
    pub root: Option<PathBuf>,
    /// Where files are read from.
    pub source: FileSource,
    pub parse: ParseOptions,
    /// Walked files must match one of these (empty: `*.conf` and the
    /// extension-less files of the usual conf directories).
    pub include: Vec<crate::config::PathGlob>,
    /// Walked or given files matching one of these are not checked.
    pub exclude: Vec<crate::config::PathGlob>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            conf_dir: None,
            maps: Vec::new(),
            default_etc_map: true,
            max_file_size: 16 * 1024 * 1024,
            max_files: 20_000,
            max_directives: 5_000_000,
            snippet_context: None,
            main_entries: Vec::new(),
            root: None,
            source: FileSource::Disk,
            parse: ParseOptions::default(),
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// Where a file's text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Read from disk.
    Disk,
    /// Read from standard input.
    Stdin,
    /// Built-in text of a stock file that is not present (never reported on).
    Stock(&'static str),
}

/// One loaded and parsed file.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as read (absolute or as given).
    pub path: PathBuf,
    /// The name shown in findings: as the user gave it, relative stays relative.
    pub display: String,
    /// The file's bytes as text; bytes that are not UTF-8 are replaced by 0x1A
    /// one for one, so byte offsets are the file's own.
    pub text: String,
    /// True when some bytes were not UTF-8.
    pub lossy: bool,
    pub lines: LineIndex,
    pub ast: Ast,
    pub syntax_errors: Vec<SyntaxError>,
    pub origin: Origin,
    /// The `include` statements the loader resolves (one argument, no
    /// block), found while the file is parsed, in parallel with the others.
    pub includes: Vec<NodeId>,
}

impl SourceFile {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.lines.line_col(self.text.as_bytes(), offset)
    }
    /// The source text of a span.
    pub fn slice(&self, span: Span) -> &str {
        let len = self.text.len();
        &self.text[(span.start as usize).min(len)..(span.end as usize).min(len)]
    }
}

/// A problem found while loading, reported by the include rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LoadIssue {
    /// An entry point given on the command line could not be read.
    Entry { path: String, reason: String },
    /// A plain (non-glob) include names a file that does not exist.
    IncludeNotFound { at: Span, path: PathBuf, mapped_from: Option<PathBuf> },
    /// An include names something that cannot be read as a config file.
    IncludeUnreadable { at: Span, path: PathBuf, reason: String },
    /// An include chain comes back to a file already being included.
    IncludeCycle { at: Span, chain: Vec<FileId> },
    /// A directory walk could not enter or read something.
    Walk { path: String, reason: String },
    /// The run read `max_files` files and stopped reading more.
    TooManyFiles { at: Option<Span>, limit: usize },
    /// An include resolves outside the root directory (also through a
    /// symbolic link): it is not read.
    IncludeOutsideRoot { at: Span, path: PathBuf, root: PathBuf },
}

/// How an entry point is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootKind {
    /// A main configuration file (`nginx.conf` or one with top-level
    /// `http`/`events`/`stream`/`mail`): checked in the main context.
    Main,
    /// A file checked on its own; its context is `Some` when given, else
    /// inferred by the model from its top-level directives.
    Snippet(Option<Context>),
}

/// An entry point and the directory its relative includes resolve against.
#[derive(Clone, Debug)]
pub struct Root {
    pub file: FileId,
    pub kind: RootKind,
    pub conf_dir: u32,
}

/// What an include directive resolved to, for one conf dir.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// The files included, in nginx's order (globs sorted by bytes).
    pub files: Vec<FileId>,
}

/// Everything loaded in one run.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub roots: Vec<Root>,
    pub conf_dirs: Vec<PathBuf>,
    /// Include edges: (conf dir, file, include directive) to the included files.
    pub includes: HashMap<(u32, FileId, NodeId), Resolved>,
    pub issues: Vec<LoadIssue>,
    /// The working directory, for showing paths relative to it.
    pub cwd: Option<PathBuf>,
}

impl Loaded {
    /// A path as findings show it: relative to the working directory when
    /// under it, else as it is.
    pub fn show(&self, p: &Path) -> String {
        display_path(p, &self.cwd)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id as usize]
    }
    /// The files an include directive brings in, for a given conf dir.
    pub fn included(&self, conf_dir: u32, file: FileId, node: NodeId) -> &[FileId] {
        self.includes.get(&(conf_dir, file, node)).map_or(&[], |r| &r.files)
    }
}

/// An entry point as given on the command line.
#[derive(Clone, Debug)]
pub enum Entry {
    Path(PathBuf),
    Stdin { text: Vec<u8>, name: String },
}

/// Loads the entry points and everything they include.
pub fn load(entries: &[Entry], opts: &LoadOptions) -> Loaded {
    let mut l = Loader {
        opts,
        out: Loaded::default(),
        by_path: HashMap::default(),
        conf_dir_ids: HashMap::default(),
        conf_dir_is_main: Vec::new(),
        confine: Vec::new(),
        map_roots: Vec::new(),
        stock_ids: HashMap::default(),
        issues_seen: HashSet::default(),
        real_dirs: Default::default(),
        confined_seen: Default::default(),
    };
    l.run(entries);
    l.out
}

struct Loader<'o> {
    opts: &'o LoadOptions,
    out: Loaded,
    /// Files by path (the path's bytes: hashing a `Path` walks its components).
    by_path: HashMap<Vec<u8>, FileId>,
    conf_dir_ids: HashMap<PathBuf, u32>,
    /// Per conf dir: it holds an nginx.conf (so it mirrors /etc/nginx).
    conf_dir_is_main: Vec<bool>,
    /// Per conf dir: the directory its includes may read.
    confine: Vec<Confine>,
    /// The targets of path maps, readable from every conf dir.
    map_roots: Vec<Confine>,
    /// Built-in stock files already loaded, by name.
    stock_ids: HashMap<&'static str, FileId>,
    issues_seen: HashSet<LoadIssue>,
    /// Paths with their links resolved, for [`Loader::confined`].
    real_dirs: std::cell::RefCell<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
    /// Per conf dir: paths already judged by [`Loader::confined`].
    confined_seen: std::cell::RefCell<Vec<HashMap<Vec<u8>, bool>>>,
}

/// An include waiting for its file to be read: conf dir, including file,
/// include directive, its span, the path, the path before mapping, glob or not.
type Waiting = (u32, FileId, NodeId, Span, PathBuf, Option<PathBuf>, bool);

/// An include directive of a file and one file it brings in.
type IncludeEdge = (NodeId, Span, FileId);

/// Bytes to text of the same length: invalid UTF-8 bytes become 0x1A, a byte
/// nginx's lexer treats like any other word byte (as it treats all >= 0x80).
pub fn bytes_to_text(bytes: Vec<u8>) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, false),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len());
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(std::iter::repeat_n('\u{1a}', chunk.invalid().len()));
            }
            (out, true)
        }
    }
}

fn parse_file(
    id: FileId,
    path: PathBuf,
    display: String,
    bytes: Vec<u8>,
    origin: Origin,
    opts: &ParseOptions,
) -> SourceFile {
    let (text, lossy) = bytes_to_text(bytes);
    let lines = LineIndex::new(text.as_bytes());
    let parsed = syntax::parse(id, &text, opts);
    let includes = (parsed.ast.nodes.iter().enumerate())
        .filter(|(_, d)| d.name() == "include" && !d.has_block() && d.args_end - d.args_start == 1)
        .map(|(i, _)| i as NodeId)
        .collect();
    SourceFile {
        id,
        path,
        display,
        text,
        lossy,
        lines,
        ast: parsed.ast,
        syntax_errors: parsed.errors,
        origin,
        includes,
    }
}

/// The directory a glob pattern starts matching in: its components before
/// the first one with a glob character.
fn glob_base(pattern: &Path) -> PathBuf {
    pattern.components().take_while(|c| !is_glob(&c.as_os_str().to_string_lossy())).collect()
}

/// True when a pattern is a glob for nginx (`*`, `?` or `[`).
fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// Lexical normalisation (`a/./b/../c` to `a/c`), without touching the disk.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `/..` is `/`, as the kernel resolves it; a relative path keeps
                // its leading `..` (and `../..` stays two levels up).
                if out.has_root() && out.parent().is_none() {
                } else if out.ends_with("..") || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Shows a path the way the user would expect: relative to the current
/// directory when it lies under it and the user gave relative paths.
fn display_path(p: &Path, cwd: &Option<PathBuf>) -> String {
    if let Some(cwd) = cwd {
        if let Ok(rel) = p.strip_prefix(cwd) {
            return rel.to_string_lossy().into_owned();
        }
    }
    p.to_string_lossy().into_owned()
}

/// Does this file's top level look like a main config? (A file named
/// nginx.conf without such blocks is a snippet whose context is inferred.)
fn looks_main(f: &SourceFile) -> bool {
    f.ast.top().any(|id| {
        let d = f.ast.node(id);
        d.has_block() && matches!(d.name(), "http" | "events" | "stream" | "mail" | "rtmp")
    })
}

/// Directories whose extension-less files are configs when walking.
const CONF_DIRS: [&str; 4] = ["sites-available", "sites-enabled", "conf.d", "snippets"];

fn walk_candidate(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    if name.starts_with('.') {
        return false;
    }
    if name.ends_with(".conf") {
        return true;
    }
    if p.extension().is_none() {
        return p.parent().and_then(|d| d.file_name()).is_some_and(|d| CONF_DIRS.iter().any(|c| d == *c));
    }
    false
}

/// Guess the conf dir of a file checked on its own: the nearest ancestor with
/// an `nginx.conf`, else the nearest that looks like an nginx conf dir.
fn guess_conf_dir(fs: &FileSource, file: &Path, walk_root: Option<&Path>) -> PathBuf {
    let parent = file.parent().map(Path::to_path_buf).unwrap_or_default();
    for dir in parent.ancestors() {
        if fs.is_file(&dir.join("nginx.conf")) {
            return dir.to_path_buf();
        }
        if walk_root.is_some_and(|w| w == dir) {
            break;
        }
    }
    for dir in parent.ancestors() {
        if ["mime.types", "fastcgi_params", "conf.d", "sites-enabled", "sites-available", "snippets"]
            .iter()
            .any(|m| fs.exists(&dir.join(m)))
        {
            return dir.to_path_buf();
        }
        if walk_root.is_some_and(|w| w == dir) {
            break;
        }
    }
    walk_root.map(Path::to_path_buf).unwrap_or(parent)
}

/// A directory reads are confined to, as given and with links resolved.
#[derive(Clone, Debug)]
struct Confine {
    lexical: PathBuf,
    real: PathBuf,
}

impl Confine {
    fn new(fs: &FileSource, dir: PathBuf) -> Confine {
        // A root that does not exist holds nothing: its own path will do.
        let real = fs.canonicalize(&dir).unwrap_or_else(|| dir.clone());
        Confine { lexical: dir, real }
    }
}

impl Loader<'_> {
    /// The id of a conf dir; `root` is the directory its includes are
    /// confined to unless `--root` says otherwise.
    fn conf_dir_id(&mut self, dir: PathBuf, root: PathBuf) -> u32 {
        let root = self.opts.root.as_ref().map_or(root, |r| self.absolute(r));
        if let Some(id) = self.conf_dir_ids.get(&dir) {
            // Reached again from a wider root (a walked directory): keep the wider.
            let c = &mut self.confine[*id as usize];
            if c.lexical != root && c.lexical.starts_with(&root) {
                *c = Confine::new(&self.opts.source, root);
                // Verdicts under the narrower root no longer hold.
                if let Some(seen) = self.confined_seen.get_mut().get_mut(*id as usize) {
                    seen.clear();
                }
            }
            return *id;
        }
        let id = self.out.conf_dirs.len() as u32;
        self.conf_dir_is_main.push(self.opts.source.is_file(&dir.join("nginx.conf")));
        self.confine.push(Confine::new(&self.opts.source, root));
        self.out.conf_dirs.push(dir.clone());
        self.conf_dir_ids.insert(dir, id);
        id
    }

    fn absolute(&self, p: &Path) -> PathBuf {
        normalize(&if p.is_absolute() { p.to_path_buf() } else { self.out.cwd.clone().unwrap_or_default().join(p) })
    }

    /// May an include under this conf dir read `path`? Only under its root or
    /// a map's target, checked on the path as written (without touching the
    /// disk outside) and again with symbolic links resolved.
    fn confined(&self, conf_dir: u32, path: &Path) -> bool {
        // Many includes name the same few files: each is judged once.
        let key = path.as_os_str().as_encoded_bytes();
        let mut seen = self.confined_seen.borrow_mut();
        if seen.len() <= conf_dir as usize {
            seen.resize_with(conf_dir as usize + 1, Default::default);
        }
        if let Some(&v) = seen[conf_dir as usize].get(key) {
            return v;
        }
        let v = self.confined_uncached(conf_dir, path);
        seen[conf_dir as usize].insert(key.to_vec(), v);
        v
    }

    fn confined_uncached(&self, conf_dir: u32, path: &Path) -> bool {
        let allowed = || std::iter::once(&self.confine[conf_dir as usize]).chain(&self.map_roots);
        if !allowed().any(|c| path.starts_with(&c.lexical)) {
            return false;
        }
        let real = self.opts.source.canonicalize_with(path, &mut self.real_dirs.borrow_mut());
        match real {
            Some(real) => allowed().any(|c| real.starts_with(&c.real)),
            // Missing (reported as such), unless a dangling link points anywhere.
            None => !self.opts.source.is_symlink(path),
        }
    }

    fn add_file(&mut self, f: SourceFile) -> FileId {
        let id = f.id;
        self.by_path.insert(f.path.as_os_str().as_encoded_bytes().to_vec(), id);
        self.out.files.push(f);
        id
    }

    /// Reads and parses many files in parallel; returns ids in input order.
    fn read_many(&mut self, paths: Vec<(PathBuf, String)>) -> Vec<(PathBuf, Result<FileId, ReadResult>)> {
        let base = self.out.files.len() as FileId;
        // Spans are 32-bit: no file may reach 4 GiB, whatever the option says.
        let max = self.opts.max_file_size.min(u64::from(u32::MAX) - 1);
        let popts = self.opts.parse;
        let fs = &self.opts.source;
        let results: Vec<(PathBuf, Result<SourceFile, ReadResult>)> = paths
            .into_par_iter()
            .enumerate()
            .map(|(i, (path, display))| {
                let r = match fs.read(&path, max) {
                    ReadResult::Ok(bytes) => {
                        Ok(parse_file(base + i as FileId, path.clone(), display, bytes, Origin::Disk, &popts))
                    }
                    other => Err(other),
                };
                (path, r)
            })
            .collect();
        // Ids must be dense: renumber the ones that were read.
        let mut out = Vec::with_capacity(results.len());
        for (path, r) in results {
            match r {
                Ok(mut f) => {
                    let id = self.out.files.len() as FileId;
                    if f.id != id {
                        renumber(&mut f, id);
                    }
                    out.push((path, Ok(self.add_file(f))));
                }
                Err(e) => out.push((path, Err(e))),
            }
        }
        out
    }

    fn run(&mut self, entries: &[Entry]) {
        let cwd = std::env::current_dir().ok();
        self.out.cwd = cwd.clone();
        let fs = self.opts.source.clone();
        self.map_roots = self.opts.maps.iter().map(|(_, to)| Confine::new(&fs, self.absolute(to))).collect();
        let mut explicit: Vec<(PathBuf, String)> = Vec::new();
        let mut walked: Vec<(PathBuf, String, PathBuf)> = Vec::new();
        for e in entries {
            match e {
                Entry::Stdin { text, name } => {
                    let id = self.out.files.len() as FileId;
                    let path = cwd.clone().unwrap_or_default().join(name);
                    let f = parse_file(id, path.clone(), name.clone(), text.clone(), Origin::Stdin, &self.opts.parse);
                    let kind =
                        if looks_main(&f) { RootKind::Main } else { RootKind::Snippet(self.opts.snippet_context) };
                    self.add_file(f);
                    let dir = self.opts.conf_dir.clone().unwrap_or_else(|| guess_conf_dir(&fs, &path, None));
                    let conf_dir = self.conf_dir_id(dir.clone(), dir);
                    self.out.roots.push(Root { file: id, kind, conf_dir });
                }
                Entry::Path(p) => {
                    let abs = self.absolute(p);
                    if fs.is_dir(&abs) {
                        self.walk(&abs, p, &mut walked);
                    } else if self.opts.exclude.iter().any(|g| g.matches(&abs)) {
                        continue;
                    } else {
                        explicit.push((abs, p.to_string_lossy().into_owned()));
                    }
                }
            }
        }
        // Explicit files are entry points whatever they look like.
        let read = self.read_many(explicit);
        for (path, r) in read {
            match r {
                Ok(id) => {
                    let f = &self.out.files[id as usize];
                    let main_entry = self.opts.main_entries.iter().any(|m| self.absolute(m) == path);
                    let kind = if looks_main(f) || main_entry || self.opts.snippet_context == Some(Context::Main) {
                        RootKind::Main
                    } else {
                        RootKind::Snippet(self.opts.snippet_context)
                    };
                    let dir = self.opts.conf_dir.clone().unwrap_or_else(|| match kind {
                        RootKind::Main => path.parent().map(Path::to_path_buf).unwrap_or_default(),
                        RootKind::Snippet(_) => guess_conf_dir(&fs, &path, None),
                    });
                    let conf_dir = self.conf_dir_id(dir.clone(), dir);
                    self.out.roots.push(Root { file: id, kind, conf_dir });
                }
                Err(e) => self.out.issues.push(LoadIssue::Entry {
                    path: display_path(&path, &cwd),
                    reason: match e {
                        ReadResult::NotFound => "no such file or directory".into(),
                        ReadResult::Bad(r) => r,
                        ReadResult::Ok(_) => unreachable!(),
                    },
                }),
            }
        }
        // Walked files: main configs first, their includes, then the rest as snippets.
        let walk_roots: HashMap<PathBuf, PathBuf> = walked.iter().map(|(p, _, r)| (p.clone(), r.clone())).collect();
        let read = self.read_many(walked.into_iter().map(|(p, d, _)| (p, d)).collect());
        let mut candidates = Vec::new();
        for (path, r) in read {
            match r {
                Ok(id) => {
                    let f = &self.out.files[id as usize];
                    let main = looks_main(f);
                    if main || path.file_name().is_some_and(|n| n == "nginx.conf") {
                        let dir = self
                            .opts
                            .conf_dir
                            .clone()
                            .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
                        let walk_root = walk_roots.get(&path).cloned().unwrap_or_else(|| dir.clone());
                        let conf_dir = self.conf_dir_id(dir, walk_root);
                        let kind = if main { RootKind::Main } else { RootKind::Snippet(self.opts.snippet_context) };
                        self.out.roots.push(Root { file: id, kind, conf_dir });
                    } else {
                        candidates.push((path, id));
                    }
                }
                Err(ReadResult::Bad(reason)) => {
                    self.out.issues.push(LoadIssue::Walk { path: display_path(&path, &cwd), reason })
                }
                Err(_) => {}
            }
        }
        self.resolve_all(0);
        let reached: HashSet<FileId> = self.reached();
        let nroots = self.out.roots.len();
        for (path, id) in candidates {
            if reached.contains(&id) {
                continue;
            }
            let walk_root = walk_roots.get(&path).cloned();
            let dir = self.opts.conf_dir.clone().unwrap_or_else(|| guess_conf_dir(&fs, &path, walk_root.as_deref()));
            let conf_dir = self.conf_dir_id(dir.clone(), walk_root.unwrap_or(dir));
            self.out.roots.push(Root { file: id, kind: RootKind::Snippet(self.opts.snippet_context), conf_dir });
        }
        self.resolve_all(nroots);
        self.find_cycles();
    }

    fn walk(&mut self, abs: &Path, given: &Path, out: &mut Vec<(PathBuf, String, PathBuf)>) {
        let cwd_rel = given.is_relative();
        let fs = self.opts.source.clone();
        let root = self.opts.root.as_ref().map_or_else(|| abs.to_path_buf(), |r| self.absolute(r));
        let real_root = Confine::new(&fs, root).real;
        let mut found = Vec::new();
        // Symbolic links are followed only when they stay under the root.
        let mut outside = Vec::new();
        match fs {
            FileSource::Memory(_) => found = fs.memory_walk(abs),
            FileSource::Disk | FileSource::Overlay(_) => {
                // Sorted by name as walkdir's sort_by_file_name does, without
                // parsing each path for its name twice per comparison (8 M
                // instructions for a directory of 1,000 files).
                fn name(e: &walkdir::DirEntry) -> &[u8] {
                    let b = e.path().as_os_str().as_encoded_bytes();
                    &b[b.iter().rposition(|c| *c == b'/').map_or(0, |i| i + 1)..]
                }
                let entries =
                    walkdir::WalkDir::new(abs).follow_links(true).sort_by(|a, b| name(a).cmp(name(b))).into_iter();
                for entry in entries.filter_entry(|e| {
                    let inside =
                        !e.path_is_symlink() || fs.canonicalize(e.path()).is_some_and(|r| r.starts_with(&real_root));
                    if !inside {
                        outside.push(e.path().to_path_buf());
                    }
                    inside
                }) {
                    match entry {
                        Ok(e) if e.file_type().is_file() => found.push(e.into_path()),
                        Ok(_) => {}
                        Err(e) => {
                            let path = e.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                            let reason = if e.loop_ancestor().is_some() {
                                "symbolic link loop (not followed)".to_string()
                            } else {
                                e.io_error().map(io_reason).unwrap_or_else(|| e.to_string())
                            };
                            self.out.issues.push(LoadIssue::Walk { path, reason });
                        }
                    }
                }
                // Open documents not yet saved to disk.
                for p in fs.memory_walk(abs) {
                    if !found.contains(&p) {
                        found.push(p);
                    }
                }
            }
        }
        for p in outside {
            let reason = format!(
                "symbolic link to outside {} (not followed; widen the limit with --root)",
                self.show(&real_root)
            );
            self.out.issues.push(LoadIssue::Walk { path: self.show(&p), reason });
        }
        let mut n = 0usize;
        let (include, exclude) = (&self.opts.include, &self.opts.exclude);
        let wanted = |p: &Path| {
            let rel = p.strip_prefix(abs).unwrap_or(p);
            if rel.ancestors().any(|a| !a.as_os_str().is_empty() && exclude.iter().any(|g| g.matches(&abs.join(a)))) {
                return false;
            }
            if include.is_empty() {
                walk_candidate(p)
            } else {
                include.iter().any(|g| g.matches(p))
            }
        };
        for path in found.into_iter().filter(|p| wanted(p)) {
            let rel = path.strip_prefix(abs).unwrap_or(&path);
            let display = if cwd_rel { given.join(rel) } else { path.clone() };
            out.push((path, display.to_string_lossy().into_owned(), abs.to_path_buf()));
            n += 1;
            if n >= self.opts.max_files {
                self.out.issues.push(LoadIssue::TooManyFiles { at: None, limit: self.opts.max_files });
                break;
            }
        }
    }

    fn show(&self, p: &Path) -> String {
        display_path(p, &self.out.cwd)
    }

    /// Resolves includes for roots from `first_root` on, loading new files in
    /// waves until nothing new appears.
    fn resolve_all(&mut self, first_root: usize) {
        // Work list: (conf dir, file) pairs whose includes are not resolved yet.
        let mut pending: Vec<(u32, FileId)> =
            self.out.roots[first_root..].iter().map(|r| (r.conf_dir, r.file)).collect();
        let mut seen: HashSet<(u32, FileId)> = pending.iter().copied().collect();
        let mut glob_cache: HashMap<PathBuf, Vec<(PathBuf, bool)>> = HashMap::default();
        let mut map_cache: Vec<HashMap<String, (PathBuf, Option<PathBuf>)>> = Vec::new();
        while !pending.is_empty() {
            let mut to_read: Vec<(PathBuf, String)> = Vec::new();
            let mut queued: HashSet<PathBuf> = HashSet::default();
            let mut waiting: Vec<Waiting> = Vec::new();
            for (cd, fid) in std::mem::take(&mut pending) {
                let includes: Vec<(NodeId, Span, String)> = {
                    let f = &self.out.files[fid as usize];
                    (f.includes.iter())
                        .map(|&i| {
                            let d = f.ast.node(i);
                            (i, d.head_span(), f.ast.args(d)[0].value.to_string())
                        })
                        .collect()
                };
                for (node, span, pat) in includes {
                    // Thousands of includes name the same few paths: map each once.
                    if map_cache.len() <= cd as usize {
                        map_cache.resize_with(cd as usize + 1, Default::default);
                    }
                    let (path, mapped_from) = match map_cache[cd as usize].get(pat.as_str()) {
                        Some(m) => m.clone(),
                        None => {
                            let m = self.map_path(cd, &pat);
                            map_cache[cd as usize].insert(pat.clone(), m.clone());
                            m
                        }
                    };
                    if is_glob(&pat) {
                        if !self.confined(cd, &glob_base(&path)) {
                            self.outside(cd, span, path);
                            continue;
                        }
                        // Many includes may name one pattern: list the directory once.
                        let files = match glob_cache.get(&path) {
                            Some(f) => f.clone(),
                            None => {
                                let f = self.opts.source.glob_typed(&path);
                                glob_cache.insert(path.clone(), f.clone());
                                f
                            }
                        };
                        let mut ids = Vec::new();
                        for (p, plain) in files {
                            // A plain file is confined when its directory is.
                            let inside = match p.parent() {
                                Some(dir) if plain => self.confined(cd, dir),
                                _ => self.confined(cd, &p),
                            };
                            if !inside {
                                self.outside(cd, span, p);
                                continue;
                            }
                            match self.by_path.get(p.as_os_str().as_encoded_bytes()) {
                                Some(id) => ids.push(*id),
                                None => {
                                    if queued.insert(p.clone()) {
                                        to_read.push((p.clone(), String::new()));
                                    }
                                    waiting.push((cd, fid, node, span, p, None, true));
                                }
                            }
                        }
                        self.out.includes.entry((cd, fid, node)).or_default().files.extend(ids);
                    } else if !self.confined(cd, &path) {
                        // A stock file is known without reading it; anything else stays unread.
                        match stock::lookup(&path) {
                            Some(stock) => {
                                let id = self.stock_file(&path, stock);
                                self.out.includes.entry((cd, fid, node)).or_default().files.push(id);
                                if seen.insert((cd, id)) {
                                    pending.push((cd, id));
                                }
                            }
                            None => self.outside(cd, span, path),
                        }
                    } else if let Some(id) = self.by_path.get(path.as_os_str().as_encoded_bytes()) {
                        self.out.includes.entry((cd, fid, node)).or_default().files.push(*id);
                    } else {
                        if queued.insert(path.clone()) {
                            to_read.push((path.clone(), String::new()));
                        }
                        waiting.push((cd, fid, node, span, path, mapped_from, false));
                    }
                }
            }
            if self.out.files.len() + to_read.len() > self.opts.max_files {
                let room = self.opts.max_files.saturating_sub(self.out.files.len());
                to_read.truncate(room);
                self.out
                    .issues
                    .push(LoadIssue::TooManyFiles { at: waiting.first().map(|w| w.3), limit: self.opts.max_files });
            }
            let cwd = std::env::current_dir().ok();
            let to_read = to_read
                .into_iter()
                .map(|(p, _)| {
                    let d = display_path(&p, &cwd);
                    (p, d)
                })
                .collect();
            let results: HashMap<PathBuf, Result<FileId, ReadResult>> = self.read_many(to_read).into_iter().collect();
            // Keep glob results in sorted order: rebuild each include's list.
            let mut glob_lists: HashMap<(u32, FileId, NodeId), Vec<FileId>> = HashMap::default();
            for (cd, fid, node, span, path, mapped_from, glob) in waiting {
                let id = match results.get(&path) {
                    Some(Ok(id)) => Some(*id),
                    Some(Err(ReadResult::Bad(reason))) => {
                        self.issue(LoadIssue::IncludeUnreadable {
                            at: span,
                            path: path.clone(),
                            reason: reason.clone(),
                        });
                        None
                    }
                    Some(Err(ReadResult::NotFound)) if !glob => {
                        if let Some(stock) = stock::lookup(&path) {
                            Some(self.stock_file(&path, stock))
                        } else {
                            self.issue(LoadIssue::IncludeNotFound { at: span, path: path.clone(), mapped_from });
                            None
                        }
                    }
                    _ => self.by_path.get(path.as_os_str().as_encoded_bytes()).copied(),
                };
                if let Some(id) = id {
                    if glob {
                        glob_lists.entry((cd, fid, node)).or_default().push(id);
                    } else {
                        self.out.includes.entry((cd, fid, node)).or_default().files.push(id);
                    }
                    if seen.insert((cd, id)) {
                        pending.push((cd, id));
                    }
                }
            }
            for (key, ids) in glob_lists {
                let entry = self.out.includes.entry(key).or_default();
                entry.files.extend(ids);
                let files = &self.out.files;
                entry.files.sort_by(|a, b| {
                    files[*a as usize]
                        .path
                        .as_os_str()
                        .as_encoded_bytes()
                        .cmp(files[*b as usize].path.as_os_str().as_encoded_bytes())
                });
                entry.files.dedup();
            }
            // Files already loaded but newly reached under this conf dir.
            let known: Vec<(u32, FileId)> =
                self.out.includes.iter().flat_map(|((cd, _, _), r)| r.files.iter().map(move |f| (*cd, *f))).collect();
            for k in known {
                if seen.insert(k) {
                    pending.push(k);
                }
            }
        }
    }

    /// Records an issue once.
    fn issue(&mut self, issue: LoadIssue) {
        if self.issues_seen.insert(issue.clone()) {
            self.out.issues.push(issue);
        }
    }

    fn outside(&mut self, conf_dir: u32, at: Span, path: PathBuf) {
        let root = self.confine[conf_dir as usize].lexical.clone();
        self.issue(LoadIssue::IncludeOutsideRoot { at, path, root });
    }

    /// The built-in text of a stock file, loaded once per name.
    fn stock_file(&mut self, path: &Path, stock: &'static stock::StockFile) -> FileId {
        if let Some(id) = self.stock_ids.get(stock.name) {
            return *id;
        }
        let id = self.out.files.len() as FileId;
        let f = parse_file(
            id,
            path.to_path_buf(),
            format!("<built-in {}>", stock.name),
            stock.text.as_bytes().to_vec(),
            Origin::Stock(stock.name),
            &self.opts.parse,
        );
        self.stock_ids.insert(stock.name, id);
        self.out.files.push(f);
        id
    }

    /// Applies the conf dir and path maps to an include argument.
    fn map_path(&self, conf_dir: u32, pat: &str) -> (PathBuf, Option<PathBuf>) {
        let cd = &self.out.conf_dirs[conf_dir as usize];
        let raw = Path::new(pat);
        let joined = normalize(&if raw.is_absolute() { raw.to_path_buf() } else { cd.join(raw) });
        for (from, to) in &self.opts.maps {
            if let Ok(rest) = joined.strip_prefix(from) {
                return (normalize(&to.join(rest)), Some(joined.clone()));
            }
        }
        if self.opts.default_etc_map && raw.is_absolute() {
            if let Ok(rest) = joined.strip_prefix("/etc/nginx") {
                if cd.as_path() != Path::new("/etc/nginx")
                    && (self.conf_dir_is_main[conf_dir as usize] || self.opts.source.exists(&cd.join(rest)))
                {
                    return (normalize(&cd.join(rest)), Some(joined.clone()));
                }
            }
        }
        (joined, None)
    }

    /// Files reached from main roots through includes.
    fn reached(&self) -> HashSet<FileId> {
        let mut out = HashSet::default();
        for r in &self.out.roots {
            out.insert(r.file);
        }
        for ((_, _, _), res) in &self.out.includes {
            out.extend(res.files.iter().copied());
        }
        out
    }

    /// Reports include cycles (nginx would recurse until it crashes).
    fn find_cycles(&mut self) {
        let mut reported: HashSet<(FileId, NodeId)> = HashSet::default();
        for root in self.out.roots.clone() {
            // Iterative DFS over (file, its (include, target) pairs, position).
            let mut stack: Vec<(FileId, Vec<IncludeEdge>, usize)> = Vec::new();
            let edges = |l: &Loaded, f: FileId| -> Vec<IncludeEdge> {
                let file = &l.files[f as usize];
                let mut out = Vec::new();
                for (i, d) in file.ast.nodes.iter().enumerate() {
                    if let Some(r) = l.includes.get(&(root.conf_dir, f, i as NodeId)) {
                        out.extend(r.files.iter().map(|t| (i as NodeId, d.head_span(), *t)));
                    }
                }
                out
            };
            let mut on_path: HashSet<FileId> = HashSet::default();
            let mut done: HashSet<FileId> = HashSet::default();
            stack.push((root.file, edges(&self.out, root.file), 0));
            on_path.insert(root.file);
            while let Some(top) = stack.last_mut() {
                let file = top.0;
                let Some(&(node, span, target)) = top.1.get(top.2) else {
                    on_path.remove(&file);
                    done.insert(file);
                    stack.pop();
                    continue;
                };
                top.2 += 1;
                if on_path.contains(&target) {
                    if reported.insert((file, node)) {
                        let mut chain: Vec<FileId> = stack.iter().map(|s| s.0).collect();
                        let start = chain.iter().position(|f| *f == target).unwrap_or(0);
                        chain.drain(..start);
                        chain.push(target);
                        self.out.issues.push(LoadIssue::IncludeCycle { at: span, chain });
                    }
                } else if !done.contains(&target) {
                    let ed = edges(&self.out, target);
                    stack.push((target, ed, 0));
                    on_path.insert(target);
                }
            }
        }
    }
}

/// Gives a parsed file a new id (spans carry the file id).
fn renumber(f: &mut SourceFile, id: FileId) {
    f.id = id;
    for d in &mut f.ast.nodes {
        d.name.span.file = id;
        if let Some(raw) = d.block.as_mut().and_then(|b| b.raw.as_mut()) {
            raw.span.file = id;
        }
    }
    for a in &mut f.ast.args {
        a.span.file = id;
    }
    for c in &mut f.ast.comments {
        c.span.file = id;
    }
    for e in &mut f.syntax_errors {
        e.span.file = id;
        for l in &mut e.labels {
            l.0.file = id;
        }
    }
}

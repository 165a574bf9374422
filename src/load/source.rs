//! Where the loader reads files from: the disk, an in-memory tree (for
//! fuzzing, tests and `nginx -T` dumps), or the disk seen through the
//! unsaved texts of an editor's open documents. Every file-system question
//! the loader asks goes through [`FileSource`], so the in-memory tree behaves
//! like the disk minus symbolic links, and an overlaid path like a regular
//! file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file system the loader reads.
#[derive(Clone, Debug, Default)]
pub enum FileSource {
    /// The real file system.
    #[default]
    Disk,
    /// An in-memory tree: absolute, normalised path to the file's bytes.
    /// Directories are implied by the paths of the files under them.
    Memory(Arc<BTreeMap<PathBuf, Vec<u8>>>),
    /// The real file system with some files' texts replaced (an editor's
    /// unsaved documents): absolute, normalised path to the bytes. An
    /// overlaid path is a regular file whether or not the disk has it.
    Overlay(Arc<BTreeMap<PathBuf, Vec<u8>>>),
}

/// Result of reading one file.
pub(crate) enum ReadResult {
    Ok(Vec<u8>),
    NotFound,
    Bad(String),
}

impl FileSource {
    /// Reads a regular file of at most `max` bytes.
    pub(crate) fn read(&self, path: &Path, max: u64) -> ReadResult {
        match self {
            FileSource::Disk => read_disk(path, max),
            FileSource::Memory(files) => match files.get(path) {
                Some(bytes) => read_memory(bytes, max),
                None if self.is_dir(path) => ReadResult::Bad("it is a directory".into()),
                None => ReadResult::NotFound,
            },
            FileSource::Overlay(files) => match files.get(path).or_else(|| through_links(files, path)) {
                Some(bytes) => read_memory(bytes, max),
                None => read_disk(path, max),
            },
        }
    }

    /// True when the path has an overlaid text.
    fn overlaid(&self, path: &Path) -> bool {
        matches!(self, FileSource::Overlay(files) if files.contains_key(path))
    }

    pub(crate) fn is_file(&self, path: &Path) -> bool {
        match self {
            FileSource::Disk => path.is_file(),
            FileSource::Memory(files) => files.contains_key(path),
            FileSource::Overlay(files) => files.contains_key(path) || path.is_file(),
        }
    }

    pub(crate) fn is_dir(&self, path: &Path) -> bool {
        match self {
            FileSource::Disk => path.is_dir(),
            FileSource::Memory(files) => implied_dir(files, path),
            // A document may be open in a directory not yet created.
            FileSource::Overlay(files) => !files.contains_key(path) && (path.is_dir() || implied_dir(files, path)),
        }
    }

    pub(crate) fn exists(&self, path: &Path) -> bool {
        self.is_file(path) || self.is_dir(path)
    }

    /// The path with every symbolic link resolved; `None` when it does not
    /// exist or a link in it is dangling.
    pub(crate) fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        match self {
            FileSource::Disk => std::fs::canonicalize(path).ok(),
            FileSource::Memory(_) => self.exists(path).then(|| path.to_path_buf()),
            FileSource::Overlay(_) if self.overlaid(path) => std::fs::canonicalize(path).ok().or_else(|| {
                // Not on disk (yet): where its directory really is.
                let real_dir = path.parent().and_then(|d| std::fs::canonicalize(d).ok());
                Some(match (real_dir, path.file_name()) {
                    (Some(d), Some(name)) => d.join(name),
                    _ => path.to_path_buf(),
                })
            }),
            FileSource::Overlay(_) => std::fs::canonicalize(path).ok(),
        }
    }

    /// [`FileSource::canonicalize`] for many paths that share directories:
    /// a directory's resolution is remembered in `dirs`, so a file that is
    /// not itself a link costs one `lstat` instead of a `readlink` per
    /// component of its path; every answer is remembered there too.
    pub(crate) fn canonicalize_with(
        &self,
        path: &Path,
        dirs: &mut std::collections::HashMap<PathBuf, Option<PathBuf>>,
    ) -> Option<PathBuf> {
        if matches!(self, FileSource::Memory(_)) || self.overlaid(path) {
            return self.canonicalize(path);
        }
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else { return self.canonicalize(path) };
        if !path.is_absolute() || name == ".." || name == "." {
            return self.canonicalize(path);
        }
        if let Some(r) = dirs.get(path) {
            return r.clone();
        }
        let real = match std::fs::symlink_metadata(path) {
            Err(_) => None,
            Ok(m) if m.file_type().is_symlink() => self.canonicalize(path),
            Ok(_) => {
                let real_parent = match dirs.get(parent) {
                    Some(r) => r.clone(),
                    None => {
                        let r = self.canonicalize(parent);
                        dirs.insert(parent.to_path_buf(), r.clone());
                        r
                    }
                };
                real_parent.map(|p| p.join(name))
            }
        };
        dirs.insert(path.to_path_buf(), real.clone());
        real
    }

    /// True when the path itself is a symbolic link (dangling or not).
    pub(crate) fn is_symlink(&self, path: &Path) -> bool {
        match self {
            FileSource::Disk => std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()),
            FileSource::Memory(_) => false,
            FileSource::Overlay(_) if self.overlaid(path) => false,
            FileSource::Overlay(_) => std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()),
        }
    }

    /// Paths matching a glob, sorted by bytes (nginx's order); hidden files
    /// match only a pattern that names the dot.
    #[cfg(test)]
    pub(crate) fn glob(&self, pattern: &Path) -> Vec<PathBuf> {
        self.glob_typed(pattern).into_iter().map(|(p, _)| p).collect()
    }

    /// [`FileSource::glob`], with each path whether it is a file on disk that
    /// the directory listing showed is not a symbolic link: its real path is
    /// its directory's plus its name, so it is confined exactly when its
    /// directory is, and no `stat` of it is needed (a `sites/*.conf` of 1,000
    /// files cost 1,000 of them).
    pub(crate) fn glob_typed(&self, pattern: &Path) -> Vec<(PathBuf, bool)> {
        let Some(pat) = pattern.to_str() else { return Vec::new() };
        let memory = |files: &BTreeMap<PathBuf, Vec<u8>>| match glob::Pattern::new(pat) {
            Ok(p) => {
                files.keys().filter(|k| p.matches_path_with(k, GLOB_OPTIONS)).map(|k| (k.clone(), false)).collect()
            }
            Err(_) => Vec::new(),
        };
        let mut out: Vec<(PathBuf, bool)> = match self {
            FileSource::Disk => glob_disk(pattern),
            FileSource::Memory(files) => memory(files),
            FileSource::Overlay(files) => {
                // Overlaid texts may stand for any path: judge each one.
                let mut v: Vec<(PathBuf, bool)> = glob_disk(pattern).into_iter().map(|(p, _)| (p, false)).collect();
                v.extend(memory(files));
                v
            }
        };
        out.sort_by(|a, b| a.0.as_os_str().as_encoded_bytes().cmp(b.0.as_os_str().as_encoded_bytes()));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    /// Files of an in-memory directory, or the overlaid files under a
    /// directory, sorted (the disk is walked with walkdir).
    pub(crate) fn memory_walk(&self, dir: &Path) -> Vec<PathBuf> {
        match self {
            FileSource::Disk => Vec::new(),
            FileSource::Memory(files) | FileSource::Overlay(files) => files
                .range(dir.to_path_buf()..)
                .take_while(|(p, _)| p.starts_with(dir))
                .map(|(p, _)| p.clone())
                .collect(),
        }
    }
}

/// The overlaid text of the file a path leads to through symbolic links
/// (an open `sites-available/x` read as `sites-enabled/x`). Resolving costs
/// system calls: only for a link, or a file named like an overlaid one
/// (its directory may be a link).
fn through_links<'f>(files: &'f BTreeMap<PathBuf, Vec<u8>>, path: &Path) -> Option<&'f Vec<u8>> {
    if files.is_empty() || !(path.is_symlink() || files.keys().any(|k| k.file_name() == path.file_name())) {
        return None;
    }
    files.get(&std::fs::canonicalize(path).ok()?)
}

/// Is `path` a directory because some file lies under it?
fn implied_dir(files: &BTreeMap<PathBuf, Vec<u8>>, path: &Path) -> bool {
    files.range(path.to_path_buf()..).next().is_some_and(|(p, _)| p != path && p.starts_with(path))
}

fn read_memory(bytes: &[u8], max: u64) -> ReadResult {
    if bytes.len() as u64 > max {
        ReadResult::Bad(too_big(bytes.len() as u64, max))
    } else {
        ReadResult::Ok(bytes.to_vec())
    }
}

fn too_big(len: u64, max: u64) -> String {
    format!("it is {len} bytes, over the {max} byte limit (raise it with --max-file-size)")
}

/// How include globs match, as glob(3) does for nginx: `*` and `?` stop at
/// `/`, and a leading dot must be named.
const GLOB_OPTIONS: glob::MatchOptions =
    glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };

/// The disk's matches of an absolute or relative glob, unsorted, each with
/// whether the directory listing showed it is not a symbolic link. One
/// `read_dir` per directory a wildcard component is matched in; names that
/// are not UTF-8 are matched as their lossy text (they used to stop the
/// program inside the glob crate).
fn glob_disk(pattern: &Path) -> Vec<(PathBuf, bool)> {
    let comps: Vec<std::path::Component> = pattern.components().collect();
    let meta = |c: &std::path::Component| super::is_glob(&c.as_os_str().to_string_lossy());
    let fixed = comps.iter().take_while(|c| !meta(c)).count();
    let start: PathBuf = comps[..fixed].iter().collect();
    if fixed == comps.len() {
        return if std::fs::symlink_metadata(&start).is_ok() { vec![(start, false)] } else { Vec::new() };
    }
    let mut level: Vec<(PathBuf, bool)> = vec![(start, false)];
    for (k, comp) in comps.iter().enumerate().skip(fixed) {
        let last = k + 1 == comps.len();
        let mut next = Vec::new();
        if !meta(comp) {
            for (dir, _) in level {
                let p = dir.join(comp);
                let keep = if last { std::fs::symlink_metadata(&p).is_ok() } else { p.is_dir() };
                if keep {
                    next.push((p, false));
                }
            }
            level = next;
            continue;
        }
        let text = comp.as_os_str().to_string_lossy();
        let Ok(pat) = glob::Pattern::new(&text) else { return Vec::new() };
        for (dir, _) in &level {
            // glob(3) also offers `.` and `..` to a pattern that names the dot.
            if text.starts_with('.') {
                for special in [".", ".."] {
                    if pat.matches_with(special, GLOB_OPTIONS) {
                        next.push((dir.join(special), false));
                    }
                }
            }
            let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name();
                if !pat.matches_with(&name.to_string_lossy(), GLOB_OPTIONS) {
                    continue;
                }
                let ty = e.file_type().ok();
                let p = dir.join(&name);
                if !last && !ty.is_some_and(|t| t.is_dir()) && !p.is_dir() {
                    continue;
                }
                next.push((p, ty.is_some_and(|t| !t.is_symlink())));
            }
        }
        level = next;
    }
    level
}

fn read_disk(path: &Path, max: u64) -> ReadResult {
    // metadata() first: opening a FIFO would block, /dev/zero never ends.
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ReadResult::NotFound,
        Err(e) => return ReadResult::Bad(io_reason(&e)),
    };
    if meta.is_dir() {
        return ReadResult::Bad("it is a directory".into());
    }
    if !meta.is_file() {
        return ReadResult::Bad("it is not a regular file (a FIFO, socket or device)".into());
    }
    if meta.len() > max {
        return ReadResult::Bad(too_big(meta.len(), max));
    }
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return ReadResult::Bad(io_reason(&e)),
    };
    let mut buf = Vec::with_capacity(meta.len() as usize);
    match f.take(max + 1).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > max => {
            ReadResult::Bad(format!("it grew over the {max} byte limit while being read"))
        }
        Ok(_) => ReadResult::Ok(buf),
        Err(e) => ReadResult::Bad(io_reason(&e)),
    }
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: ReadResult) -> String {
        match r {
            ReadResult::Ok(b) => String::from_utf8(b).unwrap(),
            ReadResult::NotFound => "<not found>".into(),
            ReadResult::Bad(why) => format!("<bad: {why}>"),
        }
    }

    #[test]
    fn overlay_reads_open_texts_first_and_globs_both() {
        let dir = std::env::temp_dir().join(format!("ngxlint-overlay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        let dir = std::fs::canonicalize(&dir).unwrap();
        std::fs::write(dir.join("conf.d/a.conf"), "disk a").unwrap();
        std::fs::write(dir.join("conf.d/c.conf"), "disk c").unwrap();
        let mut open = BTreeMap::new();
        open.insert(dir.join("conf.d/a.conf"), b"open a".to_vec());
        open.insert(dir.join("conf.d/b.conf"), b"open b".to_vec());
        open.insert(dir.join("new/d.conf"), b"open d".to_vec());
        let fs = FileSource::Overlay(Arc::new(open));

        assert_eq!(text(fs.read(&dir.join("conf.d/a.conf"), 100)), "open a");
        assert_eq!(text(fs.read(&dir.join("conf.d/b.conf"), 100)), "open b");
        assert_eq!(text(fs.read(&dir.join("conf.d/c.conf"), 100)), "disk c");
        assert_eq!(text(fs.read(&dir.join("conf.d/x.conf"), 100)), "<not found>");
        assert!(text(fs.read(&dir.join("conf.d/b.conf"), 3)).starts_with("<bad: it is 6 bytes"));
        assert!(text(fs.read(&dir.join("conf.d"), 100)).contains("directory"));

        // An overlaid path is a regular file, on disk or not; its directory
        // exists even when only the overlay implies it.
        for f in ["conf.d/a.conf", "conf.d/b.conf", "new/d.conf"] {
            let p = dir.join(f);
            assert!(fs.is_file(&p) && fs.exists(&p) && !fs.is_dir(&p) && !fs.is_symlink(&p), "{f}");
            assert_eq!(fs.canonicalize(&p), Some(p.clone()), "{f}");
            assert_eq!(fs.canonicalize_with(&p, &mut Default::default()), Some(p.clone()), "{f}");
        }
        assert!(fs.is_dir(&dir.join("conf.d")) && fs.is_dir(&dir.join("new")));
        assert!(!fs.exists(&dir.join("conf.d/x.conf")));

        // Globs: the disk's files and the overlaid ones that match, sorted, once each.
        let names = |pat: &str| -> Vec<String> {
            fs.glob(&dir.join(pat)).iter().map(|p| p.strip_prefix(&dir).unwrap().display().to_string()).collect()
        };
        assert_eq!(names("conf.d/*.conf"), ["conf.d/a.conf", "conf.d/b.conf", "conf.d/c.conf"]);
        assert_eq!(names("*/[bd].conf"), ["conf.d/b.conf", "new/d.conf"]);
        assert_eq!(fs.memory_walk(&dir.join("conf.d")), [dir.join("conf.d/a.conf"), dir.join("conf.d/b.conf")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

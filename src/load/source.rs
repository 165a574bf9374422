//! Where the loader reads files from: the disk, or an in-memory tree (for
//! fuzzing and tests). Every file-system question the loader asks goes
//! through [`FileSource`], so the in-memory tree behaves like the disk minus
//! symbolic links.

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
                Some(bytes) if bytes.len() as u64 > max => ReadResult::Bad(too_big(bytes.len() as u64, max)),
                Some(bytes) => ReadResult::Ok(bytes.clone()),
                None if self.is_dir(path) => ReadResult::Bad("it is a directory".into()),
                None => ReadResult::NotFound,
            },
        }
    }

    pub(crate) fn is_file(&self, path: &Path) -> bool {
        match self {
            FileSource::Disk => path.is_file(),
            FileSource::Memory(files) => files.contains_key(path),
        }
    }

    pub(crate) fn is_dir(&self, path: &Path) -> bool {
        match self {
            FileSource::Disk => path.is_dir(),
            FileSource::Memory(files) => {
                files.range(path.to_path_buf()..).next().is_some_and(|(p, _)| p != path && p.starts_with(path))
            }
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
        let FileSource::Disk = self else { return self.canonicalize(path) };
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
        }
    }

    /// Paths matching a glob, sorted by bytes (nginx's order); hidden files
    /// match only a pattern that names the dot.
    pub(crate) fn glob(&self, pattern: &Path) -> Vec<PathBuf> {
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let Some(pat) = pattern.to_str() else { return Vec::new() };
        let mut out: Vec<PathBuf> = match self {
            FileSource::Disk => match glob::glob_with(pat, opts) {
                Ok(paths) => paths.filter_map(Result::ok).collect(),
                Err(_) => Vec::new(),
            },
            FileSource::Memory(files) => match glob::Pattern::new(pat) {
                Ok(p) => files.keys().filter(|k| p.matches_path_with(k, opts)).cloned().collect(),
                Err(_) => Vec::new(),
            },
        };
        out.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
        out
    }

    /// Files of an in-memory directory, sorted (the disk is walked with walkdir).
    pub(crate) fn memory_walk(&self, dir: &Path) -> Vec<PathBuf> {
        match self {
            FileSource::Disk => Vec::new(),
            FileSource::Memory(files) => files
                .range(dir.to_path_buf()..)
                .take_while(|(p, _)| p.starts_with(dir))
                .map(|(p, _)| p.clone())
                .collect(),
        }
    }
}

fn too_big(len: u64, max: u64) -> String {
    format!("it is {len} bytes, over the {max} byte limit (raise it with --max-file-size)")
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

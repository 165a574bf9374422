//! The include loader over an in-memory tree. The input is up to eight files
//! separated by NUL bytes, given the paths below in order; the first is the
//! entry point. Files under /outside must never be read (they are outside the
//! checked tree /t), and loading must end within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ngxlint::lint::Selection;
use ngxlint::load::{Entry, FileSource, LoadOptions, Origin};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

const PATHS: [&str; 8] = [
    "/t/nginx.conf",
    "/t/a.conf",
    "/t/conf.d/b.conf",
    "/t/sites-enabled/c",
    "/t/snippets/d.conf",
    "/t/mime.types",
    "/outside/secret.conf",
    "/t/conf.d/e.conf",
];

fuzz_target!(|data: &[u8]| {
    let (walk, data) = match data.split_first() {
        Some((b, rest)) => (b & 1 == 1, rest),
        None => (false, data),
    };
    let files: BTreeMap<PathBuf, Vec<u8>> =
        data.split(|b| *b == 0).zip(PATHS).map(|(text, p)| (PathBuf::from(p), text.to_vec())).collect();
    let opts = LoadOptions {
        source: FileSource::Memory(Arc::new(files)),
        max_files: 64,
        // Fan-out through includes is bounded by this; a low cap keeps runs fast.
        max_directives: 100_000,
        ..LoadOptions::default()
    };
    let entry = if walk { "/t" } else { PATHS[0] };
    let out = ngxlint::check(&[Entry::Path(entry.into())], &opts, &Selection::default());
    assert!(out.internal_errors.is_empty(), "rules failed: {:?}", out.internal_errors);
    for f in &out.loaded.files {
        if f.origin == Origin::Disk {
            assert!(f.path.starts_with("/t"), "read {} outside the tree", f.path.display());
        }
    }
    assert!(out.loaded.files.len() <= 64 + ngxlint::load::stock::all().len());
    let _ = ngxlint::render::concise(&out.diagnostics, &out.loaded);
});

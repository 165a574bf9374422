//! Helpers shared by the tests that read `../shared` (skipped when absent).
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` beside the repository, if present.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared not found (these tests need the shared corpus and oracle)");
        None
    }
}

/// nginx messages that are syntax-class (see shared/corpus/VERDICTS.md).
pub fn is_syntax_message(m: &str) -> bool {
    m.starts_with("unexpected ")
        || m.starts_with("too long parameter")
        || m.starts_with("too long lua code block")
        || m.starts_with("Lua code block missing")
        || m.starts_with("invalid number of arguments in ")
        || m.ends_with(" directive is not allowed here")
        || (m.starts_with("directive \"")
            && (m.ends_with("is not terminated by \";\"") || m.ends_with("has no opening \"{\"")))
}

//! Parsing: the pest lexer (`grammar/nginx.pest`) and the lowering layer that
//! builds the [`ast::Ast`] and reports syntax errors the way nginx does.

pub mod ast;
mod lower;

use crate::span::{FileId, Span};
pub use lower::MAX_WORD;

/// Parser limits.
#[derive(Clone, Copy, Debug)]
pub struct ParseOptions {
    /// Blocks nested deeper than this stop the parse of the file.
    pub max_depth: u32,
    /// At most this many syntax errors are kept per file.
    pub max_errors: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { max_depth: 256, max_errors: 100 }
    }
}

/// A lexical or structural error, worded as nginx words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where nginx would point (the line of this span's start is nginx's line).
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<(Span, String)>,
}

/// The result of parsing one file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub ast: ast::Ast,
    pub errors: Vec<SyntaxError>,
}

/// Parses one file's text (see `load` for how non-UTF-8 bytes are mapped).
pub fn parse(file: FileId, text: &str, opts: &ParseOptions) -> Parsed {
    lower::parse(file, text, opts)
}

#[cfg(test)]
mod tests;

//! Byte spans and the per-file line index.

use serde::Serialize;

/// Index of a loaded file in the [`crate::load::Sources`] table.
pub type FileId = u32;

/// A byte range in one file. Offsets are byte offsets into the file as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(file: FileId, start: u32, end: u32) -> Span {
        Span { file, start, end }
    }
    /// An empty span at `offset`.
    pub const fn point(file: FileId, offset: u32) -> Span {
        Span { file, start: offset, end: offset }
    }
    pub const fn len(&self) -> u32 {
        self.end - self.start
    }
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }
    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// Line starts of one file, for 1-based line and column numbers.
///
/// nginx counts lines by LF only (a lone CR is plain whitespace), and so do we.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// Number of lines (LF count + 1).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.starts[line]
    }

    /// 1-based line and column of `offset`; the column counts characters
    /// (bytes that are not UTF-8 continuation bytes), so a latin-1 byte counts
    /// as one character, like the replacement character it is shown as.
    pub fn line_col(&self, text: &[u8], offset: u32) -> (u32, u32) {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.starts[line] as usize;
        let col = text[start..offset as usize].iter().filter(|b| (**b & 0xC0) != 0x80).count();
        (line as u32 + 1, col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_lf_only() {
        let t = b"a\r\nb\rc\nd";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_count(), 3);
        assert_eq!(ix.line_col(t, 0), (1, 1));
        assert_eq!(ix.line_col(t, 3), (2, 1));
        assert_eq!(ix.line_col(t, 5), (2, 3));
        assert_eq!(ix.line_col(t, 7), (3, 1));
        assert_eq!(ix.line_col(t, 8), (3, 2));
    }

    #[test]
    fn columns_count_characters() {
        let t = "é x\n".as_bytes();
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(t, 3), (1, 3));
        let latin1 = b"\xe9 x";
        assert_eq!(LineIndex::new(latin1).line_col(latin1, 2), (1, 3));
    }
}

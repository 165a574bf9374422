//! The owned syntax tree of one file.
//!
//! Directives are stored flat, in source (pre-)order, so that neither building,
//! walking nor dropping a deeply nested file recurses. A directive's children
//! are the nodes between it and its `subtree_end`, walked sibling by sibling.

use crate::span::{FileId, Span};
use compact_str::CompactString;
use serde::Serialize;

/// Index of a directive in [`Ast::nodes`].
pub type NodeId = u32;

/// How an argument was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quote {
    None,
    Single,
    Double,
    /// The raw body of a `*_by_lua_block`.
    LuaBlock,
}

/// One word of a statement: the directive name or an argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The raw text, quotes included.
    pub span: Span,
    pub quote: Quote,
    /// The value nginx sees: quotes removed, escapes rewritten.
    pub value: CompactString,
}

impl Arg {
    pub fn as_str(&self) -> &str {
        &self.value
    }
    /// True when the word is unquoted and contains a variable reference.
    pub fn has_variables(&self) -> bool {
        self.value.contains('$')
    }
}

/// How a statement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Terminator {
    /// `;`
    Semicolon,
    /// `{` (the statement opens a block)
    Block,
    /// Not terminated: the file or the enclosing block ended first (a syntax
    /// error was reported; the statement is kept for error recovery).
    Missing,
}

/// A `{ ... }` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Offset of `{`.
    pub open: u32,
    /// Offset of the matching `}`; `None` when the file ended first.
    pub close: Option<u32>,
    /// For Lua blocks: the code between the braces as one raw argument.
    pub raw: Option<Box<Arg>>,
}

/// One statement: `name args... ;` or `name args... { ... }`.
#[derive(Clone, Debug)]
pub struct Directive {
    pub name: Arg,
    /// Range into [`Ast::args`].
    pub args_start: u32,
    pub args_end: u32,
    pub terminator: Terminator,
    /// Offset just past the terminator (`;` or `{`), or past the last word.
    pub head_end: u32,
    pub block: Option<Block>,
    pub parent: Option<NodeId>,
    /// Index just past the last descendant.
    pub subtree_end: NodeId,
    /// Nesting depth in its file (0 = top level of the file).
    pub depth: u32,
    /// A syntax error was reported inside the statement: nginx stops there and
    /// never dispatches it, so directive rules leave it alone.
    pub broken: bool,
}

impl Directive {
    pub fn file(&self) -> FileId {
        self.name.span.file
    }
    /// From the name to the terminator: what nginx reads as the statement.
    pub fn head_span(&self) -> Span {
        Span::new(self.name.span.file, self.name.span.start, self.head_end)
    }
    /// The whole statement, block included.
    pub fn span(&self) -> Span {
        let end = match &self.block {
            Some(Block { close: Some(c), .. }) => c + 1,
            _ => self.head_end,
        };
        Span::new(self.name.span.file, self.name.span.start, end.max(self.head_end))
    }
    pub fn name(&self) -> &str {
        &self.name.value
    }
    pub fn has_block(&self) -> bool {
        self.block.is_some()
    }
}

/// A `#` comment (kept for suppressions and formatting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
}

/// The syntax tree of one file.
#[derive(Clone, Debug, Default)]
pub struct Ast {
    pub nodes: Vec<Directive>,
    pub args: Vec<Arg>,
    pub comments: Vec<Comment>,
}

impl Ast {
    pub fn node(&self, id: NodeId) -> &Directive {
        &self.nodes[id as usize]
    }
    /// The arguments of a directive (name excluded).
    pub fn args(&self, d: &Directive) -> &[Arg] {
        &self.args[d.args_start as usize..d.args_end as usize]
    }
    /// The top-level directives of the file.
    pub fn top(&self) -> Children<'_> {
        Children { ast: self, next: 0, end: self.nodes.len() as NodeId }
    }
    /// The direct children of `id`.
    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children { ast: self, next: id + 1, end: self.nodes[id as usize].subtree_end }
    }
}

/// Iterator over sibling directives.
pub struct Children<'a> {
    ast: &'a Ast,
    next: NodeId,
    end: NodeId,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.end {
            return None;
        }
        let id = self.next;
        self.next = self.ast.nodes[id as usize].subtree_end;
        Some(id)
    }
}

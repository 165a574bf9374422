//! Lowering: pest token pairs to the flat AST, with nginx's structural checks
//! (ngx_conf_parse and the parts of ngx_conf_read_token that pest does not
//! express: the byte after a closing quote, word length, end of file).

use super::ast::{Arg, Ast, Block, Comment, Directive, NodeId, Quote, Terminator};
use super::{ParseOptions, Parsed, SyntaxError};
use crate::span::{FileId, Span};
use compact_str::CompactString;
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/nginx.pest"]
struct NginxLexer;

/// nginx's configuration buffer: a word of this many bytes or more is
/// `too long parameter`.
pub const MAX_WORD: usize = 4096;

/// Slice size for lexing large files (see the grammar's header).
const SLICE: usize = 64 * 1024;

pub(super) fn parse(file: FileId, full: &str, opts: &ParseOptions) -> Parsed {
    let mut lw = Lowerer::new(file, full, *opts);
    // A backslash that is the file's last byte escapes nothing and the
    // grammar does not take it (`"\\" ~ ANY`; allowing `EOI` there made the
    // lexer slower); it is lexed without it and handed to the lowering after
    // the rest.
    let trailing = ends_escaped(full);
    let text = if trailing { &full[..full.len() - 1] } else { full };
    if text.contains("_by_lua_block") {
        // Lua bodies may span any distance; lex such files whole.
        match NginxLexer::parse(Rule::file_lua, text) {
            Ok(mut pairs) => {
                for p in pairs.next().expect("file rule").into_inner() {
                    if !lw.token(p, 0) {
                        break;
                    }
                }
            }
            Err(e) => lw.internal(e),
        }
    } else {
        let mut pos = 0usize;
        let mut want = SLICE;
        'slices: while pos < text.len() && !lw.stopped {
            let cut = if pos + want >= text.len() {
                text.len()
            } else {
                // Just after a line feed; on a very long line, just after a
                // `;`, brace or space. Any cut is safe (the token it falls in
                // ends the slice and is lexed again); these bytes only keep a
                // backslash or `$` from ending a slice.
                let rest = &text.as_bytes()[pos + want..];
                let near = &rest[..rest.len().min(SLICE)];
                match near.iter().position(|b| *b == b'\n') {
                    Some(i) => pos + want + i + 1,
                    None => match near.iter().position(|b| matches!(b, b';' | b'{' | b'}' | b' ')) {
                        Some(i) => pos + want + i + 1,
                        None => match rest.iter().position(|b| *b == b'\n') {
                            Some(i) => pos + want + i + 1,
                            None => text.len(),
                        },
                    },
                }
            };
            let slice = &text[pos..cut];
            let pairs = match NginxLexer::parse(Rule::file, slice) {
                Ok(mut p) => p.next().expect("file rule").into_inner(),
                Err(e) => {
                    lw.internal(e);
                    break;
                }
            };
            let mut pairs = pairs.peekable();
            while let Some(p) = pairs.next() {
                let (s, e) = (p.as_span().start(), p.as_span().end());
                if p.as_rule() == Rule::EOI {
                    break;
                }
                let last = pairs.peek().is_none_or(|n| n.as_rule() == Rule::EOI);
                if cut < text.len() && e == slice.len() && last {
                    // The token runs into the cut: lex it again with more input.
                    if s == 0 {
                        want *= 2;
                    } else {
                        pos += s;
                        want = SLICE;
                    }
                    continue 'slices;
                }
                if !lw.token(p, pos as u32) {
                    break 'slices;
                }
            }
            pos = cut;
            want = SLICE;
        }
    }
    if trailing && !lw.stopped {
        lw.trailing_backslash(text.len() as u32);
    }
    lw.into_parsed()
}

enum Open {
    Node(NodeId),
    /// A `{` nginx refused (`unexpected "{"`): kept so its `}` pairs up.
    Anon,
}

struct Lowerer<'t> {
    file: FileId,
    text: &'t str,
    opts: ParseOptions,
    ast: Ast,
    errors: Vec<SyntaxError>,
    words: Vec<Arg>,
    stack: Vec<Open>,
    /// End offset of the last quoted word, for the "byte after a quote" check.
    quote_end: Option<u32>,
    depth: u32,
    stopped: bool,
    /// An error was reported while the current statement's words were pending.
    broken: bool,
}

impl<'t> Lowerer<'t> {
    fn new(file: FileId, text: &'t str, opts: ParseOptions) -> Self {
        // Every statement ends in `;` or `{` (or is an error): counting them
        // sizes the node list once, so it is never copied while it grows and
        // never holds twice the room it needs (memory on dense input).
        let statements = text.bytes().filter(|&b| b == b';' || b == b'{').count() + 1;
        Lowerer {
            file,
            text,
            opts,
            ast: Ast {
                nodes: Vec::with_capacity(statements),
                args: Vec::with_capacity(statements * 2),
                comments: Vec::new(),
            },
            errors: Vec::new(),
            words: Vec::with_capacity(8),
            stack: Vec::new(),
            quote_end: None,
            depth: 0,
            stopped: false,
            broken: false,
        }
    }

    fn span(&self, start: u32, end: u32) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(&mut self, span: Span, message: String, help: Option<String>, labels: Vec<(Span, String)>) {
        // One error per position: recovery must not stack a second message on
        // the byte nginx already complained about.
        if self.errors.last().is_some_and(|e| e.span.start == span.start) {
            return;
        }
        if !self.words.is_empty() {
            self.broken = true;
        }
        if self.errors.len() < self.opts.max_errors {
            self.errors.push(SyntaxError { span, message, help, labels });
        }
    }

    fn internal(&mut self, e: pest::error::Error<Rule>) {
        // The grammar accepts every input; this is a bug, reported, not a panic.
        let at = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        } as u32;
        self.error(self.span(at, at), format!("internal lexer error: {}", e.variant.message()), None, vec![]);
        self.stopped = true;
    }

    /// Handles one token; returns false when parsing must stop.
    fn token(&mut self, p: Pair<'t, Rule>, base: u32) -> bool {
        let start = base + p.as_span().start() as u32;
        let end = base + p.as_span().end() as u32;
        let rule = match p.as_rule() {
            Rule::punct => match self.text.as_bytes()[start as usize] {
                b';' => Rule::semicolon,
                b'{' => Rule::lbrace,
                _ => Rule::rbrace,
            },
            r => r,
        };
        if rule == Rule::EOI {
            // The end of the file is not a byte after a closing quote.
            return !self.stopped;
        }
        if let Some(q) = self.quote_end.take() {
            if q == start {
                self.after_quote(rule, start);
            }
        }
        match rule {
            Rule::word => self.word(start, end),
            Rule::dq | Rule::sq => self.quoted(rule, start, end),
            Rule::comment => self.ast.comments.push(Comment { span: self.span(start, end) }),
            Rule::semicolon => self.semicolon(start),
            Rule::lbrace => self.lbrace(start),
            Rule::rbrace => self.rbrace(start),
            Rule::lua_stmt => self.lua_stmt(p, base),
            Rule::lua_unterminated => self.lua_unterminated(p, base, start),
            _ => {}
        }
        !self.stopped
    }

    fn after_quote(&mut self, rule: Rule, start: u32) {
        let c = self.text[start as usize..].chars().next().unwrap_or(' ');
        let bad = match rule {
            Rule::semicolon | Rule::lbrace => false,
            Rule::word | Rule::lua_stmt | Rule::lua_unterminated => c != ')',
            _ => true,
        };
        if bad {
            let sp = self.span(start, start + c.len_utf8() as u32);
            let shown = if c == '\u{1a}' { '?' } else { c };
            self.error(
                sp,
                format!("unexpected \"{shown}\""),
                Some("put whitespace, \";\" or \"{\" after a closing quote".into()),
                vec![(self.span(start - 1, start), "the quoted word ends here".into())],
            );
        }
    }

    fn word(&mut self, start: u32, end: u32) {
        let raw = &self.text[start as usize..end as usize];
        let len = raw.len();
        if len >= MAX_WORD && !(len == MAX_WORD && end as usize == self.text.len()) {
            let head: String = raw.chars().take(10).collect();
            self.error(
                self.span(start, start + head.len() as u32),
                format!("too long parameter \"{head}...\" started"),
                Some(format!(
                    "nginx reads at most {} bytes per word; split the value or check for a missing space",
                    MAX_WORD - 1
                )),
                vec![],
            );
        }
        let value = unescape(raw);
        self.words.push(Arg { span: self.span(start, end), quote: Quote::None, value });
    }

    fn quoted(&mut self, rule: Rule, start: u32, end: u32) {
        let q = if rule == Rule::dq { '"' } else { '\'' };
        let raw = &self.text[start as usize..end as usize];
        let closed = raw.len() >= 2 && raw.ends_with(q) && !ends_escaped(&raw[..raw.len() - 1]);
        let inner = if closed { &raw[1..raw.len() - 1] } else { &raw[1..] };
        if inner.len() >= MAX_WORD {
            self.error(
                self.span(start, start + 1),
                format!("too long parameter, probably missing terminating \"{q}\" character"),
                Some(format!("close the string with {q}")),
                vec![],
            );
            self.stopped = true;
        } else if !closed {
            let eof = self.text.len() as u32;
            self.error(
                self.span(eof, eof),
                "unexpected end of file, expecting \";\" or \"}\"".into(),
                Some(format!("close the string with {q}")),
                vec![(self.span(start, start + 1), "this quoted string is never closed".into())],
            );
            self.stopped = true;
        } else {
            self.quote_end = Some(end);
        }
        let value = unescape(inner);
        let quote = if rule == Rule::dq { Quote::Double } else { Quote::Single };
        self.words.push(Arg { span: self.span(start, end), quote, value });
    }

    fn semicolon(&mut self, at: u32) {
        if self.words.is_empty() {
            self.error(self.span(at, at + 1), "unexpected \";\"".into(), Some("remove the extra \";\"".into()), vec![]);
            return;
        }
        self.finish(Terminator::Semicolon, at + 1, None);
    }

    fn lbrace(&mut self, at: u32) {
        if self.words.is_empty() {
            self.error(
                self.span(at, at + 1),
                "unexpected \"{\"".into(),
                Some("write the block's directive name before \"{\"".into()),
                vec![],
            );
            self.stack.push(Open::Anon);
            return;
        }
        let block = Block { open: at, close: None, raw: None };
        let id = self.finish(Terminator::Block, at + 1, Some(block));
        self.push_open(id, at);
    }

    fn push_open(&mut self, id: NodeId, at: u32) {
        self.stack.push(Open::Node(id));
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            self.error(
                self.span(at, at + 1),
                format!("blocks nested deeper than {} levels", self.opts.max_depth),
                Some(
                    "the rest of this file is not checked; raise the limit with --max-depth if this is intended".into(),
                ),
                vec![],
            );
            self.stopped = true;
        }
    }

    fn rbrace(&mut self, at: u32) {
        if let Some(first) = self.words.first() {
            let name = first.value.to_string();
            let name_span = first.span;
            self.error(
                self.span(at, at + 1),
                "unexpected \"}\"".into(),
                Some(format!("end the \"{name}\" directive with \";\" before the \"}}\"")),
                vec![(name_span, "this directive has no \";\"".into())],
            );
            self.finish(Terminator::Missing, at, None);
        }
        match self.stack.pop() {
            Some(Open::Node(id)) => {
                self.depth -= 1;
                let n = self.ast.nodes.len() as NodeId;
                let d = &mut self.ast.nodes[id as usize];
                d.subtree_end = n;
                if let Some(b) = d.block.as_mut() {
                    b.close = Some(at);
                }
            }
            Some(Open::Anon) => {}
            // After an earlier error the recovery may have closed this block
            // already; nginx would have stopped at that first error.
            None if !self.errors.is_empty() => {}
            None => self.error(
                self.span(at, at + 1),
                "unexpected \"}\"".into(),
                Some("remove it: no block is open here (an included file cannot close a block of the file that includes it)".into()),
                vec![],
            ),
        }
    }

    /// Turns the pending words into a directive.
    fn finish(&mut self, terminator: Terminator, head_end: u32, block: Option<Block>) -> NodeId {
        let args_start = self.ast.args.len();
        self.ast.args.append(&mut self.words);
        let name = self.ast.args.remove(args_start);
        let (args_start, args_end) = (args_start as u32, self.ast.args.len() as u32);
        let parent = self.stack.iter().rev().find_map(|o| match o {
            Open::Node(id) => Some(*id),
            Open::Anon => None,
        });
        let id = self.ast.nodes.len() as NodeId;
        self.ast.nodes.push(Directive {
            name,
            args_start,
            args_end,
            terminator,
            head_end,
            block,
            parent,
            subtree_end: id + 1,
            depth: self.depth,
            broken: std::mem::take(&mut self.broken),
        });
        id
    }

    fn lua_stmt(&mut self, p: Pair<'t, Rule>, base: u32) {
        let mut open = 0;
        let mut close = None;
        let mut body = None;
        for inner in p.into_inner() {
            let (s, e) = (base + inner.as_span().start() as u32, base + inner.as_span().end() as u32);
            match inner.as_rule() {
                Rule::lua_name if inner.as_str().starts_with(['"', '\'']) => {
                    let r = if inner.as_str().starts_with('"') { Rule::dq } else { Rule::sq };
                    self.quoted(r, s, e)
                }
                Rule::lua_name | Rule::word => self.word(s, e),
                Rule::dq | Rule::sq => self.quoted(inner.as_rule(), s, e),
                Rule::comment => self.ast.comments.push(Comment { span: self.span(s, e) }),
                Rule::lua_open => open = s,
                Rule::lua_body => {
                    body = Some(Arg {
                        span: self.span(s, e),
                        quote: Quote::LuaBlock,
                        value: CompactString::from(inner.as_str()),
                    })
                }
                Rule::lua_close => close = Some(s),
                _ => {}
            }
        }
        let block = Block { open, close, raw: body.map(Box::new) };
        self.finish(Terminator::Block, open + 1, Some(block));
    }

    fn lua_unterminated(&mut self, p: Pair<'t, Rule>, base: u32, start: u32) {
        let text = p.as_str();
        let name_len = text.find(|c: char| " \t\r\n{;".contains(c)).unwrap_or(text.len());
        let name_end = start + name_len as u32;
        self.word(start, name_end);
        let open = start + text.find('{').unwrap_or(0) as u32;
        let _ = base;
        // nginx's lua module reports the line of the last `{` it saw.
        let body = &self.text[open as usize + 1..];
        let last = NginxLexer::parse(Rule::lua_scan, body)
            .ok()
            .and_then(|mut p| p.next())
            .and_then(|scan| scan.into_inner().filter(|p| p.as_rule() == Rule::lua_lb).last())
            .map_or(open, |p| open + 1 + p.as_span().start() as u32);
        self.error(
            self.span(last, last + 1),
            "unexpected end of file, expecting terminating characters for lua code block".into(),
            Some("balance the braces of the Lua code and close the block with \"}\"".into()),
            vec![(self.span(open, open + 1), "this Lua block is never closed".into())],
        );
        let block = Block { open, close: None, raw: None };
        self.finish(Terminator::Block, open + 1, Some(block));
        self.stopped = true;
    }

    fn finish_file(&mut self) {
        let eof = self.text.len() as u32;
        if !self.stopped {
            if let Some(first) = self.words.first() {
                let (name, sp) = (first.value.to_string(), first.span);
                self.error(
                    self.span(eof, eof),
                    "unexpected end of file, expecting \";\" or \"}\"".into(),
                    Some(format!("end the \"{name}\" directive with \";\"")),
                    vec![(sp, "this directive is never terminated".into())],
                );
            }
        }
        if !self.words.is_empty() {
            self.finish(Terminator::Missing, eof, None);
        }
        let mut reported = self.stopped || !self.errors.is_empty();
        let n = self.ast.nodes.len() as NodeId;
        while let Some(open) = self.stack.pop() {
            if let Open::Node(id) = open {
                self.ast.nodes[id as usize].subtree_end = n;
                if !reported {
                    let d = &self.ast.nodes[id as usize];
                    let (name, open_at) = (d.name.value.to_string(), d.block.as_ref().map_or(0, |b| b.open));
                    self.error(
                        self.span(eof, eof),
                        "unexpected end of file, expecting \"}\"".into(),
                        Some(format!("close the \"{name}\" block with \"}}\"")),
                        vec![(self.span(open_at, open_at + 1), "this block is never closed".into())],
                    );
                    reported = true;
                }
            } else if !reported {
                self.error(self.span(eof, eof), "unexpected end of file, expecting \"}\"".into(), None, vec![]);
                reported = true;
            }
        }
    }

    /// The unescaped backslash that ends the file, at `at`: it belongs to a
    /// comment or a word that ends just before it, or starts a word (which
    /// nginx then reports as an unexpected end of file).
    fn trailing_backslash(&mut self, at: u32) {
        if let Some(c) = self.ast.comments.last_mut().filter(|c| c.span.end == at) {
            c.span.end += 1;
            return;
        }
        if let Some(w) = self.words.last_mut().filter(|w| w.span.end == at && w.quote == Quote::None) {
            w.span.end += 1;
            w.value.push('\\');
            return;
        }
        if self.quote_end.take() == Some(at) {
            self.after_quote(Rule::word, at);
        }
        self.word(at, at + 1);
    }

    fn into_parsed(mut self) -> Parsed {
        self.finish_file();
        Parsed { ast: self.ast, errors: self.errors }
    }
}

/// True when `s` ends with an odd number of backslashes.
fn ends_escaped(s: &str) -> bool {
    s.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// nginx's escape rewriting, applied to every word after it is cut:
/// `\"` `\'` `\\` lose the backslash, `\t` `\r` `\n` become control bytes,
/// any other `\X` stays as it is.
pub(crate) fn unescape(s: &str) -> CompactString {
    if !s.contains('\\') {
        return CompactString::from(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('"') | Some('\'') | Some('\\') => {
                    out.push(chars.next().unwrap_or('\\'));
                    continue;
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                    continue;
                }
                Some('r') => {
                    chars.next();
                    out.push('\r');
                    continue;
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    CompactString::from(out)
}

//! The grammar and the lowering on arbitrary bytes: never a panic, and every
//! span the AST holds lies inside the text on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ngxlint::span::Span;
use ngxlint::syntax::{self, ParseOptions};

fn check_span(text: &str, s: Span) {
    let (a, b) = (s.start as usize, s.end as usize);
    assert!(a <= b && b <= text.len(), "span {a}..{b} outside 0..{}", text.len());
    assert!(text.is_char_boundary(a) && text.is_char_boundary(b), "span {a}..{b} splits a character");
}

fuzz_target!(|data: &[u8]| {
    let (text, _) = ngxlint::load::bytes_to_text(data.to_vec());
    assert_eq!(text.len(), data.len(), "offsets must be the file's own");
    let parsed = syntax::parse(0, &text, &ParseOptions { max_depth: 64, max_errors: 100 });
    let ast = &parsed.ast;
    for (i, d) in ast.nodes.iter().enumerate() {
        check_span(&text, d.name.span);
        check_span(&text, d.head_span());
        assert!(d.args_start <= d.args_end && d.args_end as usize <= ast.args.len());
        assert!(d.subtree_end as usize > i && d.subtree_end as usize <= ast.nodes.len(), "subtree of node {i}");
        if let Some(p) = d.parent {
            assert!((p as usize) < i && ast.nodes[p as usize].subtree_end as usize > i, "parent of node {i}");
        }
    }
    for a in &ast.args {
        check_span(&text, a.span);
    }
    for c in &ast.comments {
        check_span(&text, c.span);
    }
    for e in &parsed.errors {
        check_span(&text, e.span);
        for (s, _) in &e.labels {
            check_span(&text, *s);
        }
    }
});

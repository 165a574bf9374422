//! Inputs the fuzz targets (fuzz/) and the stress script (benches/stress.rs)
//! found crashing, each checked the way the target checks every input.

use ngxlint::lint::Selection;
use ngxlint::span::Span;
use ngxlint::syntax::{self, ParseOptions};

fn check_span(text: &str, s: Span) {
    let (a, b) = (s.start as usize, s.end as usize);
    assert!(a <= b && b <= text.len(), "span {a}..{b} outside 0..{}", text.len());
    assert!(text.is_char_boundary(a) && text.is_char_boundary(b), "span {a}..{b} splits a character");
}

/// What fuzz/fuzz_targets/parse.rs asserts (in short).
fn parse_holds(data: &[u8]) {
    let (text, _) = ngxlint::load::bytes_to_text(data.to_vec());
    let parsed = syntax::parse(0, &text, &ParseOptions::default());
    for d in &parsed.ast.nodes {
        check_span(&text, d.name.span);
        check_span(&text, d.head_span());
    }
    for e in &parsed.errors {
        check_span(&text, e.span);
        for (s, _) in &e.labels {
            check_span(&text, *s);
        }
    }
}

/// What fuzz/fuzz_targets/check_text.rs asserts.
fn pipeline_holds(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let out = ngxlint::check_text("fuzz.conf", &text, &Selection::default());
    assert!(out.internal_errors.is_empty(), "rules failed: {:?}", out.internal_errors);
    let diags = &out.diagnostics;
    let outputs = [
        ngxlint::render::concise(diags, &out.loaded),
        ngxlint::render::pretty(diags, &out.loaded, false, 100),
        ngxlint::render::json_text(&ngxlint::render::to_json(diags, &out.loaded, &out.load_errors())),
    ];
    for s in outputs {
        assert!(!s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{s:?}");
    }
}

#[test]
fn quote_closed_at_the_end_of_a_file_with_a_lua_block() {
    // parse: the end of input was taken for a byte after the closing quote,
    // giving an error span one past the end of the file.
    let input = b"content_by_lua_block {}\nadd_header X \"y\"";
    parse_holds(input);
    pipeline_holds(input);
}

#[test]
fn delete_character_in_json_output() {
    // check_text: serde_json leaves U+007F (and C1 controls) unescaped.
    pipeline_holds(b"events {}\nhttp { server_tokens \"\x7f\xc2\x9b\"; }\n");
}

#[test]
fn many_includes_of_one_glob_matching_the_file_itself() {
    // stress: 16,000 `include *.conf;` in a file the glob matches took seconds
    // (the cycle search rescanned a file's include list at every step, and
    // every include listed the directory again).
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fanin");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.conf");
    std::fs::write(&file, format!("server {{\n{}\n}}\n", "include *.conf;".repeat(16_000))).unwrap();
    let opts = ngxlint::load::LoadOptions::default();
    let out = ngxlint::check(&[ngxlint::load::Entry::Path(file)], &opts, &Selection::default());
    assert!(out.diagnostics.iter().any(|d| d.rule == "include-cycle"));
    assert!(out.diagnostics.len() <= 1000, "capped per file");
}

#[test]
fn multibyte_character_early_in_an_upstream_server_address() {
    // check_text (CI smoke run): invalid-upstream-server sliced the first five
    // bytes of the address to look for "unix:", inside a U+FFFD.
    pipeline_holds("events {}\nstream { upstream u { server 254\u{fffd}\u{fffd}ACK\"; } }\n".as_bytes());
}

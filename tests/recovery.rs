//! Error recovery: a half-typed file still yields the findings of the parts
//! that parsed, next to the syntax error (book/src/error-recovery.md).

use ngxlint::lint::Selection;

/// (rule, line) of every finding, in order.
fn findings(text: &str) -> Vec<(&'static str, u32)> {
    let out = ngxlint::check_text("half.conf", text, &Selection::default());
    out.diagnostics
        .iter()
        .map(|d| (d.rule, out.loaded.file(d.finding.span.file).line_col(d.finding.span.start).0))
        .collect()
}

#[test]
fn block_left_open_at_the_end_of_the_file() {
    let text =
        "events {}\nhttp {\n  server {\n    location /a { }\n    location /a { }\n    gzip maybe;\n    location /b {\n";
    assert_eq!(
        findings(text),
        vec![("duplicate-location", 5), ("invalid-flag-value", 6), ("syntax-error", 8)],
        "the findings before the open block survive"
    );
}

#[test]
fn directive_left_unterminated_at_the_end_of_the_file() {
    let text = "events {}\nhttp {\n  server {\n    location /a { }\n    location /a { }\n    root /srv";
    assert_eq!(findings(text), vec![("duplicate-location", 5), ("syntax-error", 6)]);
}

#[test]
fn unterminated_quote() {
    // nginx stops at the quote; what came before is still checked.
    let text =
        "events {}\nhttp {\n  server {\n    location /a { }\n    location /a { }\n    add_header X \"half;\n  }\n}\n";
    assert_eq!(findings(text), vec![("duplicate-location", 5), ("syntax-error", 9)]);
}

#[test]
fn missing_semicolon_before_a_closing_brace_mid_file() {
    // The statement is dropped at the "}"; the server after it is checked.
    let text = "events {}\nhttp {\n  server {\n    root /srv\n  }\n  server {\n    location /a { }\n    location /a { }\n  }\n}\n";
    // (Both servers listen on *:80 and neither is the default one.)
    assert_eq!(findings(text), vec![("missing-default-server", 3), ("syntax-error", 5), ("duplicate-location", 8)]);
}

#[test]
fn missing_semicolon_between_directives_mid_file() {
    // Like nginx: the two lines are one statement with too many arguments,
    // and everything after it is checked as usual.
    let text = "events {}\nhttp {\n  server {\n    root /srv\n    index index.html;\n    gzip maybe;\n  }\n}\n";
    assert_eq!(findings(text), vec![("invalid-argument-count", 4), ("invalid-flag-value", 6)]);
}

#[test]
fn stray_closing_brace_and_findings_after_it() {
    let text = "events {}\nhttp {\n  server { location /a { } location /a { } }\n}\n}\nserver_tokens maybe;\n";
    let f = findings(text);
    assert!(f.contains(&("duplicate-location", 3)), "{f:?}");
    assert!(f.contains(&("syntax-error", 5)), "{f:?}");
    assert!(f.contains(&("directive-not-allowed", 6)), "{f:?}");
}

#[test]
fn statement_opened_in_a_block_never_closed() {
    // Typing `location /b {` in the middle of a file: the braces no longer
    // balance, the file ends with a block open, and the earlier findings stay.
    let text = "events {}\nhttp {\n  server {\n    listen 80;\n    listen 80;\n    location /b {\n  }\n}\n";
    let f = findings(text);
    assert_eq!(f.first(), Some(&("duplicate-listen", 5)), "{f:?}");
    assert_eq!(f.last(), Some(&("syntax-error", 9)), "{f:?}");
}

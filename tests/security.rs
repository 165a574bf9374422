//! The security rules on a multi-file tree: planted defects in
//! `tests/fixtures/security/bad` (headers set in an included snippet and
//! lost in a location among them), and the fixed twin in `good`.

use ngxlint::lint::{Category, LintOptions, Selection};
use ngxlint::load::{Entry, LoadOptions};
use std::path::PathBuf;

fn check(tree: &str) -> ngxlint::Outcome {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/security").join(tree);
    let load = LoadOptions { default_etc_map: false, ..LoadOptions::default() };
    ngxlint::check_with(&[Entry::Path(dir.join("nginx.conf"))], &load, &Selection::default(), &LintOptions::default())
}

fn short(out: &ngxlint::Outcome, tree: &str, file: u32) -> String {
    let f = out.loaded.file(file);
    f.display.rsplit(&format!("{tree}/")[..]).next().unwrap_or("").to_string()
}

fn run(tree: &str) -> Vec<(String, u32, &'static str)> {
    let out = check(tree);
    let mut found: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.category == Category::Security)
        .map(|d| {
            let (line, _) = out.loaded.file(d.finding.span.file).line_col(d.finding.span.start);
            (short(&out, tree, d.finding.span.file), line, d.rule)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn planted_defects_are_found_at_their_lines() {
    let want = [
        ("conf.d/site.conf", 6, "weak-ssl-protocols"),
        ("conf.d/site.conf", 10, "alias-traversal"),
        ("conf.d/site.conf", 13, "header-inheritance-loss"),
        ("conf.d/site.conf", 16, "ssrf-in-pass"),
        ("conf.d/site.conf", 19, "header-inheritance-loss"),
        ("conf.d/site.conf", 19, "host-header-spoofing"),
        ("conf.d/site.conf", 23, "http-response-splitting"),
        ("conf.d/site.conf", 26, "allow-without-deny"),
        ("conf.d/site.conf", 29, "cors-reflected-origin-with-credentials"),
        ("nginx.conf", 4, "server-tokens-on"),
    ];
    let want: Vec<(String, u32, &str)> = want.iter().map(|(f, l, r)| (f.to_string(), *l, *r)).collect();
    assert_eq!(run("bad"), want);
}

#[test]
fn headers_lost_from_an_included_snippet_are_labelled_there() {
    let out = check("bad");
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.rule == "header-inheritance-loss" && d.finding.message.contains("X-Frame-Options"))
        .expect("the location /downloads/ finding");
    let labelled: Vec<(String, u32)> = d
        .finding
        .labels
        .iter()
        .map(|l| (short(&out, "bad", l.span.file), out.loaded.file(l.span.file).line_col(l.span.start).0))
        .collect();
    assert_eq!(
        labelled,
        [
            ("snippets/security-headers.conf".to_string(), 1),
            ("snippets/security-headers.conf".to_string(), 2),
            ("snippets/security-headers.conf".to_string(), 3)
        ]
    );
}

#[test]
fn a_stock_params_file_that_drops_headers_is_reported_at_its_include() {
    // proxy_params (Debian's, here ngxlint's built-in text) sets its own
    // proxy_set_header lines, so the server's `Connection ""` is not inherited
    // into the location; the fix belongs at the include, not in the stock file.
    let out = check("stock-include");
    let d = out.diagnostics.iter().find(|d| d.rule == "header-inheritance-loss").expect("a finding");
    let at = |s: ngxlint::span::Span| {
        let f = out.loaded.file(s.file);
        (f.path.file_name().unwrap().to_string_lossy().into_owned(), f.line_col(s.start).0)
    };
    assert_eq!(at(d.finding.span), ("nginx.conf".to_string(), 9));
    assert!(d.finding.message.contains("\"Connection\""), "{}", d.finding.message);
    assert_eq!(at(d.finding.labels[0].span).0, "proxy_params");
}

#[test]
fn the_fixed_twin_is_clean() {
    assert_eq!(run("good"), Vec::new());
}

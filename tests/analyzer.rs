//! The 502 analyzer on a multi-file tree: a planted defect per rule family
//! in `tests/fixtures/analyzer/bad`, and its fixed twin in `good`.

use ngxlint::lint::{LintOptions, Selection};
use ngxlint::load::{Entry, LoadOptions};
use ngxlint::model::directives::Version;
use std::path::PathBuf;

fn run(tree: &str) -> Vec<(String, u32, &'static str)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analyzer").join(tree);
    let pool = std::fs::read_to_string(dir.join("php-fpm-www.conf")).unwrap();
    let opts = LintOptions {
        nginx_version: Version::parse("1.24").unwrap(),
        version_given: true,
        backends: ngxlint::model::backends::parse_fpm_pool(&pool, "php-fpm-www.conf"),
        ..LintOptions::default()
    };
    let load = LoadOptions { default_etc_map: false, ..LoadOptions::default() };
    let out = ngxlint::check_with(&[Entry::Path(dir.join("nginx.conf"))], &load, &Selection::default(), &opts);
    let mut found: Vec<_> = out
        .diagnostics
        .iter()
        .map(|d| {
            let f = out.loaded.file(d.finding.span.file);
            let (line, _) = f.line_col(d.finding.span.start);
            let name = f.display.rsplit(&format!("{tree}/")[..]).next().unwrap_or("").to_string();
            (name, line, d.rule)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn planted_defects_are_found_at_their_lines() {
    let want = [
        // The inner proxy_set_header drops the inherited `Connection ""`:
        // reported at that directive, and at the pass it defeats.
        ("conf.d/site.conf", 7, "header-inheritance-loss"),
        ("conf.d/site.conf", 8, "keepalive-not-used"),
        ("conf.d/site.conf", 19, "long-lived-default-timeout"),
        ("conf.d/site.conf", 26, "pass-scheme-port-mismatch"),
        ("conf.d/site.conf", 29, "php-location-without-guard"),
        ("conf.d/site.conf", 31, "fastcgi-missing-script-filename"),
        ("snippets/api-tuning.conf", 1, "undersized-upstream-buffer"),
        ("snippets/api-tuning.conf", 2, "conflicting-timeouts"),
        ("upstreams.conf", 6, "undeclared-backend"),
    ];
    let got = run("bad");
    let want: Vec<(String, u32, &str)> = want.iter().map(|(f, l, r)| (f.to_string(), *l, *r)).collect();
    assert_eq!(got, want);
}

#[test]
fn the_fixed_twin_is_clean() {
    assert_eq!(run("good"), Vec::new());
}

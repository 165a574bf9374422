//! Inline suppressions drop exactly the findings they cover.

use ngxlint::lint::Selection;

fn rules_of(text: &str) -> Vec<(&'static str, u32)> {
    let out = ngxlint::check_text("s.conf", text, &Selection::default());
    out.diagnostics
        .iter()
        .map(|d| (d.rule, out.loaded.file(d.finding.span.file).line_col(d.finding.span.start).0))
        .collect()
}

#[test]
fn own_line_covers_the_next_directive_and_its_block_only() {
    let text = "events {}\nhttp {\n    # ngxlint: ignore[duplicate-listen] being migrated\n    server {\n        listen 80; listen 80;\n    }\n    server { listen 81; listen 81; }\n}\n";
    assert_eq!(rules_of(text), vec![("duplicate-listen", 7)]);
}

#[test]
fn end_of_line_and_file_wide() {
    let text = "events {}\nhttp {\n    server { listen 80; listen 80; } # ngxlint: ignore[duplicate-listen]\n}\n";
    assert_eq!(rules_of(text), vec![]);
    let text = "events {}\n# ngxlint: ignore-file[unknown-directive]\nhttp { foo on; server { bar off; } }\n";
    assert_eq!(rules_of(text), vec![]);
    let text = "events {}\nhttp { foo on; } # ngxlint: ignore[syntax]\n";
    assert_eq!(rules_of(text), vec![("unknown-directive", 2), ("unused-suppression", 2)]);
}

#[test]
fn deselected_rules_are_not_called_unused() {
    let text = "events {}\nhttp {\n    server { listen 80; } # ngxlint: ignore[duplicate-listen]\n}\n";
    let sel = Selection { select: vec!["syntax".into(), "style".into()], ..Selection::default() };
    let out = ngxlint::check_text("s.conf", text, &sel);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

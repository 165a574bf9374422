//! The whole pipeline on one file, every rule, every output format: no panic
//! (a rule's panic is caught by the engine, so it is asserted on here), valid
//! JSON, and no control character of the input reaching text output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ngxlint::lint::Selection;

fn assert_clean(what: &str, s: &str) {
    if let Some(c) = s.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        panic!("{what} output holds control character {c:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = ngxlint::check_text("fuzz.conf", &text, &Selection::default());
    assert!(out.internal_errors.is_empty(), "rules failed: {:?}", out.internal_errors);
    let diags = &out.diagnostics;
    assert_clean("concise", &ngxlint::render::concise(diags, &out.loaded));
    assert_clean("pretty", &ngxlint::render::pretty(diags, &out.loaded, false, 100));
    let doc = ngxlint::render::to_json(diags, &out.loaded, &out.load_errors());
    let json = ngxlint::render::json_text(&doc);
    serde_json::from_str::<serde_json::Value>(&json).expect("valid JSON");
    assert_clean("json", &json);
});

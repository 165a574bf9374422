//! The lint engine: a rule that panics costs its own findings only.

use ngxlint::lint::{self, Finding, Findings, LintContext, LintOptions, Rule, RuleMeta, Selection};
use ngxlint::load::{self, Entry, LoadOptions};

ngxlint::declare_rule! {
    /// A rule with a bug: it panics on every file.
    struct Panicky {
        name: "panicky",
        category: Correctness,
        severity: Error,
        summary: "panics",
        pass: &[],
        fail: &[],
    }
}

impl Rule for Panicky {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _: &LintContext<'_>, out: &mut Findings<'_>) {
        out.push(Finding::new(ngxlint::span::Span::point(0, 0), "half done"));
        let v: Vec<u32> = Vec::new();
        let _ = v[1]; // index out of bounds
    }
}

#[test]
fn a_panicking_rule_is_an_internal_error_and_the_others_still_report() {
    let entries = [Entry::Stdin { text: b"events {}\nhttp { bogus on; }\n".to_vec(), name: "p.conf".into() }];
    let loaded = load::load(&entries, &LoadOptions::default());
    let tree = ngxlint::model::tree::build(&loaded, usize::MAX);
    let opts = LintOptions::default();
    let cx = LintContext::new(&loaded, &tree, &opts);
    let mut rules: Vec<&'static dyn Rule> = ngxlint::lints::ALL.to_vec();
    rules.insert(0, &Panicky);
    let (diags, failed) = lint::run(&cx, &rules, &Selection::default());
    assert_eq!(failed, vec!["panicky"]);
    assert!(diags.iter().all(|d| d.rule != "panicky"), "findings of a failed rule are dropped");
    assert!(diags.iter().any(|d| d.rule == "unknown-directive"), "{diags:?}");
}

/// The findings of one mistake repeated all over a file, pushed out of order
/// and with duplicates: the sink trims as it goes and must end with exactly
/// what the final cap keeps, and count exactly what it drops.
#[test]
fn the_findings_sink_trims_exactly_what_the_cap_drops() {
    use ngxlint::span::Span;
    let cap = 7;
    // 10,000 statements at offsets 0, 3, 6, ...; pushed in a scrambled order,
    // each twice (as when a snippet is included twice), some with a second message.
    let mut pushed: Vec<Finding> = Vec::new();
    for i in 0..10_000u32 {
        let at = (i * 7919) % 10_000 * 3;
        let f = Finding::new(Span::new(0, at, at + 2), "dup");
        pushed.push(f.clone());
        pushed.push(f);
        if i % 3 == 0 {
            pushed.push(Finding::new(Span::new(0, at, at + 2), "another"));
        }
    }
    let capped = [true];
    let mut sink = Findings::new(&capped, cap);
    for f in &pushed {
        sink.push(f.clone());
    }
    assert!(sink.len() < 10_000, "the sink trimmed while it grew ({} kept)", sink.len());
    let dropped = std::sync::Mutex::new(Default::default());
    let mut kept = sink.finish(&dropped);
    // What the final sort, de-duplication and cap make of everything pushed.
    let key = |f: &Finding| (f.span.start, f.message.clone());
    let mut all = pushed.clone();
    all.sort_by_key(key);
    all.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    kept.sort_by_key(key);
    kept.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    assert_eq!(kept.len(), cap);
    for (a, b) in kept.iter().zip(&all) {
        assert_eq!((a.span, &a.message), (b.span, &b.message));
    }
    let n: usize = dropped.lock().unwrap().values().sum();
    assert_eq!(n, all.len() - cap, "every distinct finding over the cap is counted once");
    // A file marked as not capped (suppression comments) keeps everything.
    let mut whole = Findings::new(&[false], cap);
    for f in &pushed {
        whole.push(f.clone());
    }
    assert_eq!(whole.len(), pushed.len());
}

//! The lint engine: a rule that panics costs its own findings only.

use ngxlint::lint::{self, Finding, LintContext, LintOptions, Rule, RuleMeta, Selection};
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
    fn check(&self, _: &LintContext<'_>, out: &mut Vec<Finding>) {
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

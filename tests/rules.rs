//! Every rule: its pass/fail cases, its documentation examples, its snapshot
//! and its generated book page.

use ngxlint::docs;
use ngxlint::lint::{Backend, LintOptions, Selection};
use ngxlint::lints::ALL;
use ngxlint::model::directives::Version;
use std::path::PathBuf;

/// A case may start with `# with: FLAGS` (`--nginx-version X.Y`,
/// `--backend NAME=ADDRESS`, `--option RULE:OPTION=VALUE`): the options it
/// is checked with.
fn options_of(text: &str) -> LintOptions {
    let mut o = LintOptions::default();
    let Some(flags) = text.lines().next().and_then(|l| l.strip_prefix("# with: ")) else { return o };
    let mut it = flags.split_whitespace();
    while let Some(flag) = it.next() {
        let v = it.next().expect("flag value");
        match flag {
            "--nginx-version" => {
                o.nginx_version = Version::parse(v).expect("version");
                o.version_given = true;
            }
            "--backend" => {
                let (name, address) = v.split_once('=').expect("NAME=ADDRESS");
                o.backends.push(Backend { name: name.into(), address: address.into(), source: "--backend".into() });
            }
            "--option" => {
                // RULE:OPTION=VALUE
                let (key, value) = v.split_once('=').expect("RULE:OPTION=VALUE");
                let (rule, option) = key.split_once(':').expect("RULE:OPTION");
                o.rule_options.insert((rule.into(), option.into()), value.into());
            }
            _ => panic!("unknown test flag {flag}"),
        }
    }
    o
}

fn run(text: &str) -> ngxlint::Outcome {
    ngxlint::check_text_with("case.conf", text, &Selection::default(), &options_of(text))
}

fn findings_of(rule: &str, text: &str) -> Vec<ngxlint::lint::Diagnostic> {
    run(text).diagnostics.into_iter().filter(|d| d.rule == rule).collect()
}

fn render(rule: &str, text: &str) -> String {
    let out = run(text);
    let diags: Vec<_> = out.diagnostics.into_iter().filter(|d| d.rule == rule).collect();
    ngxlint::render::pretty(&diags, &out.loaded, false, 100)
}

#[test]
fn rule_names_are_kebab_case_and_unique() {
    let mut seen = std::collections::HashSet::new();
    for r in ALL {
        let n = r.meta().name;
        assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n} is not kebab-case");
        assert!(seen.insert(n), "{n} registered twice");
    }
}

#[test]
fn pass_cases_do_not_trigger_and_fail_cases_do() {
    for r in ALL {
        let m = r.meta();
        for case in m.pass {
            let f = findings_of(m.name, case);
            assert!(f.is_empty(), "{}: pass case reported:\n{case}\n{f:#?}", m.name);
        }
        for case in m.fail {
            let f = findings_of(m.name, case);
            assert!(!f.is_empty(), "{}: fail case not reported:\n{case}", m.name);
        }
    }
}

#[test]
fn docs_have_the_sections_and_their_examples_hold() {
    for r in ALL {
        let m = r.meta();
        let doc = docs::doc_text(m);
        for section in
            ["## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Options", "## References"]
        {
            assert!(doc.contains(section), "{}: docs lack \"{section}\"", m.name);
        }
        let blocks: Vec<_> = docs::code_blocks(&doc).into_iter().filter(|(info, _)| info == "nginx").collect();
        assert_eq!(blocks.len(), 2, "{}: docs need one failing and one fixed nginx example", m.name);
        // Examples that need files on disk (includes) cannot run from text.
        if m.name.starts_with("include-") {
            continue;
        }
        let (bad, good) = (&blocks[0].1, &blocks[1].1);
        assert!(!findings_of(m.name, bad).is_empty(), "{}: the failing doc example is not reported", m.name);
        assert!(findings_of(m.name, good).is_empty(), "{}: the fixed doc example is reported", m.name);
    }
}

#[test]
fn snapshots_of_fail_cases() {
    for r in ALL {
        let m = r.meta();
        let mut text = String::new();
        for (i, case) in m.fail.iter().enumerate() {
            text.push_str(&format!("--- case {} ---\n{}\n", i + 1, render(m.name, case)));
        }
        insta::with_settings!({
            snapshot_path => "../snapshots/lints",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(m.name, text);
        });
    }
}

/// `UPDATE_BOOK=1 cargo test` rewrites the pages.
#[test]
fn book_rule_pages_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src/rules");
    let update = std::env::var_os("UPDATE_BOOK").is_some();
    let mut stale = Vec::new();
    let mut index = String::from("# Rules\n\n| rule | category | level | summary |\n| --- | --- | --- | --- |\n");
    for r in ALL {
        let m = r.meta();
        index.push_str(&format!(
            "| [{}]({}.md) | {} | {} | {} |\n",
            m.name,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            m.summary
        ));
        let want = docs::rule_markdown(m);
        let path = dir.join(format!("{}.md", m.name));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    let mut summary = String::from(
        "# Summary\n\n[Introduction](introduction.md)\n\n- [Getting started](getting-started.md)\n- [The 502 analyzer](analyzer.md)\n- [Configuration](configuration.md)\n- [Suppressions](suppressions.md)\n- [Baselines](baselines.md)\n- [Output formats](output-formats.md)\n- [Integrations](integrations.md)\n- [Error recovery](error-recovery.md)\n- [Robustness](robustness.md)\n- [Rules](rules/index.md)\n",
    );
    for r in ALL {
        summary.push_str(&format!("  - [{}](rules/{}.md)\n", r.meta().name, r.meta().name));
    }
    let spath = dir.parent().unwrap().join("SUMMARY.md");
    if std::fs::read_to_string(&spath).ok().as_deref() != Some(summary.as_str()) {
        if update {
            std::fs::write(&spath, &summary).unwrap();
        } else {
            stale.push(spath.display().to_string());
        }
    }
    let path = dir.join("index.md");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(index.as_str()) {
        if update {
            std::fs::write(&path, &index).unwrap();
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(stale.is_empty(), "stale book pages (rerun with UPDATE_BOOK=1): {stale:?}");
}

//! The cases of ../shared/oracle/cases: same verdict and same line as real
//! nginx, for every accepted case and every rejected case a rule covers.
//! Skips when ../shared is absent.

mod common;

use ngxlint::lint::{Category, Selection, Severity};
use ngxlint::load::{Entry, LoadOptions};

#[test]
fn oracle_cases_agree_with_nginx() {
    let Some(shared) = common::shared() else { return };
    let cases = shared.join("oracle/cases").canonicalize().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    names.sort();
    let (mut checked, mut agree) = (0, 0);
    let (mut not_covered, mut environment) = (Vec::new(), Vec::new());
    let mut problems = Vec::new();
    for name in &names {
        let stem = name.trim_end_matches(".conf");
        let verdict: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(cases.join(format!("{stem}.json"))).unwrap()).unwrap();
        let first = common::deciding_message(&verdict).cloned();
        let accepted = verdict["ok"].as_bool().unwrap();
        // Messages without a location (log files, certificates...) are about the
        // environment, not the configuration text.
        let syntax_err = first.as_ref().filter(|m| {
            let text = m["text"].as_str().unwrap_or("");
            (!m["line"].is_null() || common::is_unlocated_message(text)) && common::is_covered_message(text)
                || common::rule_for_unlocated(text).is_some()
        });
        if !accepted && syntax_err.is_none() {
            let text = first.as_ref().and_then(|m| m["text"].as_str()).unwrap_or("");
            // rejected for a reason of the machine, or one no rule covers yet
            if common::is_environment_message(text) { &mut environment } else { &mut not_covered }
                .push(stem.to_string());
            continue;
        }
        checked += 1;
        // Run from the cases directory so paths print as nginx's --relative-to does.
        // The oracle runs nginx with `-c CASE`: each case is a main configuration.
        let opts = LoadOptions { main_entries: vec![cases.join(name)], ..LoadOptions::default() };
        let out = ngxlint::check(&[Entry::Path(cases.join(name))], &opts, &Selection::default());
        // Where nginx names one of its stock files, ngxlint reports at the
        // include and labels the place in its built-in copy.
        let stock_label = |d: &ngxlint::lint::Diagnostic, line: u32| {
            d.finding.labels.iter().any(|l| {
                let f = out.loaded.file(l.span.file);
                matches!(f.origin, ngxlint::load::Origin::Stock(_)) && f.line_col(l.span.start).0 == line
            })
        };
        let located: Vec<(String, u32, u32, String, Category, Severity, &str)> = out
            .diagnostics
            .iter()
            .map(|d| {
                let f = out.loaded.file(d.finding.span.file);
                let rel = f.path.strip_prefix(&cases).unwrap_or(&f.path).to_string_lossy().into_owned();
                (
                    rel,
                    f.line_col(d.finding.span.start).0,
                    f.line_col(d.finding.span.end).0,
                    d.finding.message.clone(),
                    d.category,
                    d.severity,
                    d.rule,
                )
            })
            .collect();
        let good = if accepted {
            located.iter().all(|l| l.5 != Severity::Error)
        } else {
            let m = syntax_err.unwrap();
            let (file, line, text) =
                (m["file"].as_str().unwrap_or(""), m["line"].as_u64().unwrap_or(0) as u32, m["text"].as_str().unwrap());
            let stock = file.starts_with('/') && !std::path::Path::new(file).starts_with(&cases);
            let syntax = common::is_syntax_message(text);
            let merge = common::is_merge_time_message(text) || common::is_unlocated_message(text);
            let by_rule = common::rule_for_unlocated(text);
            located.iter().any(|l| {
                if let Some(rule) = by_rule {
                    return l.5 == Severity::Error && (rule == "*" || l.6 == rule);
                }
                if merge {
                    return l.5 == Severity::Error && l.3 == text;
                }
                l.5 == Severity::Error
                    && (!syntax || l.4 == Category::Syntax)
                    && l.0 == file
                    && l.1 <= line
                    && line <= l.2
                    && (l.3 == text || !syntax)
            }) || (stock
                && out
                    .diagnostics
                    .iter()
                    .any(|d| d.category == Category::Syntax && d.finding.message == text && stock_label(d, line)))
        };
        if good {
            agree += 1;
        } else {
            problems.push(format!(
                "{stem}: nginx {:?}; ngxlint {located:?}",
                first.map(|m| (m["file"].clone(), m["line"].clone(), m["text"].clone()))
            ));
        }
    }
    println!(
        "oracle cases: {agree}/{checked} cases agree with nginx (every accepted case, and every rejected one whose message a rule covers); {} rejected for the machine's reasons (DNS, local addresses, files, users): {}; {} rejected cases not covered yet: {}",
        environment.len(),
        environment.join(" "),
        not_covered.len(),
        not_covered.join(" ")
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty(), "{} cases disagree:\n{}", problems.len(), problems.join("\n"));
}

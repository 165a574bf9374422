//! Agreement with real nginx's parser on the shared corpus of real configs:
//! files nginx parses get no syntax finding; files it rejects get one on the
//! line nginx names. Skips when ../shared is absent.

mod common;

use ngxlint::lint::{Category, Selection};
use ngxlint::load::{Entry, LoadOptions};
use ngxlint::model::context::Context;

#[test]
fn corpus_syntax_verdicts_agree_with_nginx() {
    let Some(shared) = common::shared() else { return };
    let corpus = shared.join("corpus");
    let verdicts = std::fs::read_to_string(corpus.join("verdicts.tsv")).expect("verdicts.tsv");
    let (mut agree, mut total, mut ok_files, mut err_files) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for line in verdicts.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (path, context, syntax, err_line, err_msg) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        total += 1;
        let file = corpus.join(path);
        let ctx = match context {
            "main" => Context::Main,
            "http" => Context::Http,
            "server" => Context::Server,
            "location" => Context::Location,
            _ => {
                // "any" files ran inside a location, except types/charset_map tops.
                let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()).into_owned();
                let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
                if first.starts_with("types") || first.starts_with("charset_map") {
                    Context::Http
                } else {
                    Context::Location
                }
            }
        };
        let opts = LoadOptions { snippet_context: Some(ctx), ..LoadOptions::default() };
        let out = ngxlint::check(&[Entry::Path(file.clone())], &opts, &Selection::default());
        let root = out.loaded.roots.first().map(|r| r.file);
        let found: Vec<(u32, u32, String)> = out
            .diagnostics
            .iter()
            .filter(|d| d.category == Category::Syntax && Some(d.finding.span.file) == root)
            .map(|d| {
                let f = out.loaded.file(d.finding.span.file);
                let (l, _) = f.line_col(d.finding.span.start);
                let (el, _) = f.line_col(d.finding.span.end);
                (l, el, d.finding.message.clone())
            })
            .collect();
        let verdict_ok = match syntax {
            "ok" => {
                ok_files += 1;
                found.is_empty()
            }
            "error" => {
                err_files += 1;
                let want: u32 = err_line.parse().expect("line");
                // The first finding must name nginx's message and cover its line.
                found.first().is_some_and(|(l, el, m)| *l <= want && want <= *el && m == err_msg)
            }
            other => panic!("unexpected verdict {other}"),
        };
        if verdict_ok {
            agree += 1;
        } else {
            problems.push(format!("{path} [{context}]: nginx says {syntax} {err_line} {err_msg}; ngxlint: {found:?}"));
        }
    }
    println!(
        "corpus: {agree}/{total} files agree with nginx ({ok_files} syntax=ok, {err_files} syntax=error); {} disagree",
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty(), "{} corpus files disagree with nginx:\n{}", problems.len(), problems.join("\n"));
}

/// unknown-variable on the files nginx parses: no finding with the default
/// options but the unknown variables nginx reports too. With `in-snippets` on, files checked on their own use
/// variables defined by files they do not see; those findings are counted
/// (and excused when nginx itself found an unknown variable in the file's
/// wrapper), not asserted.
#[test]
fn corpus_unknown_variable_has_no_false_alarm() {
    let Some(shared) = common::shared() else { return };
    let corpus = shared.join("corpus");
    let verdicts = std::fs::read_to_string(corpus.join("verdicts.tsv")).expect("verdicts.tsv");
    let sel = Selection { select: vec!["unknown-variable".into()], ..Selection::default() };
    let default_opts = ngxlint::lint::LintOptions::default();
    let mut snippet_opts = ngxlint::lint::LintOptions::default();
    snippet_opts.rule_options.insert(("unknown-variable".into(), "in-snippets".into()), "true".into());
    let (mut files, mut agreed, mut in_snippets, mut excused) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    let mut unexcused = Vec::new();
    for (path, opts, other) in accepted_files(&verdicts) {
        files += 1;
        let entry = [Entry::Path(corpus.join(path))];
        let out = ngxlint::check_with(&entry, &opts, &sel, &default_opts);
        for d in &out.diagnostics {
            if other.contains(&d.finding.message) {
                agreed += 1; // nginx reported it too (after the syntax check)
                continue;
            }
            let f = out.loaded.file(d.finding.span.file);
            problems.push(format!("{path}:{}: {}", f.line_col(d.finding.span.start).0, d.finding.message));
        }
        let out = ngxlint::check_with(&entry, &opts, &sel, &snippet_opts);
        for d in &out.diagnostics {
            in_snippets += 1;
            // nginx stops at the first unknown variable (or an earlier error).
            if other.contains("unknown \"") && other.contains("\" variable") {
                excused += 1;
            } else {
                let f = out.loaded.file(d.finding.span.file);
                unexcused.push(format!("{path}:{}: {}", f.line_col(d.finding.span.start).0, d.finding.message));
            }
        }
    }
    println!(
        "corpus unknown-variable: {files} files nginx parses, {agreed} findings nginx reports too, {} false alarms with default options; with in-snippets on {in_snippets} findings, {excused} in files where nginx found an unknown variable too, {} where an earlier error (certificates, log formats) stopped nginx first",
        problems.len(),
        unexcused.len()
    );
    for p in &unexcused {
        println!("  in-snippets: {p}");
    }
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty(), "unknown-variable false alarms:\n{}", problems.join("\n"));
}

/// The semantic rules that report what nginx -t rejects after parsing give
/// no error on the files nginx parses, except where nginx reported the same
/// message too (its verdict kept going past non-syntax errors).
#[test]
fn corpus_semantic_rules_have_no_false_alarm() {
    const RULES: [&str; 22] = [
        "invalid-pass-address",
        "invalid-error-page",
        "invalid-set-variable",
        "invalid-access-address",
        "root-and-alias",
        "invalid-return-code",
        "invalid-if-condition",
        "proxy-pass-uri-not-allowed",
        "missing-ssl-certificate",
        "incomplete-mail-server",
        "missing-events-block",
        "invalid-upstream-server",
        "invalid-shared-zone",
        "invalid-nested-location",
        "duplicate-geo-network",
        "unknown-log-format",
        "duplicate-log-format",
        "upstream-without-servers",
        "invalid-directive-parameter",
        "invalid-map-entry",
        "worker-connections-too-few",
        "duplicate-directive",
    ];
    let Some(shared) = common::shared() else { return };
    let corpus = shared.join("corpus");
    let verdicts = std::fs::read_to_string(corpus.join("verdicts.tsv")).expect("verdicts.tsv");
    let known: Vec<String> =
        RULES.iter().filter(|r| ngxlint::lints::by_name(r).is_some()).map(|r| r.to_string()).collect();
    let sel = Selection { select: known.clone(), ..Selection::default() };
    // nginx checks for `events` after everything else, so the verdicts of
    // files that stop earlier do not show it; the manifest notes the files
    // that have none.
    let manifest = std::fs::read_to_string(corpus.join("manifest.tsv")).expect("manifest.tsv");
    let no_events: std::collections::HashSet<&str> =
        manifest.lines().filter(|l| l.contains("(no events{})")).filter_map(|l| l.split('\t').next()).collect();
    let (mut files, mut agreed) = (0, 0);
    let (mut problems, mut on_stock) = (Vec::new(), Vec::new());
    for (path, opts, other) in accepted_files(&verdicts) {
        files += 1;
        let out = ngxlint::check(&[Entry::Path(corpus.join(path))], &opts, &sel);
        for d in out.diagnostics.iter().filter(|d| d.severity == ngxlint::lint::Severity::Error) {
            let events = d.rule == "missing-events-block" && no_events.contains(path);
            if other.contains(&d.finding.message) || events {
                agreed += 1;
                continue;
            }
            // Judged on ngxlint's copy of a Debian stock file (snippets/
            // fastcgi-php.conf) that nginx could not open in the corpus run:
            // the verdict says nothing about it. Checked by hand (see below).
            let stock = std::iter::once(&d.finding.span)
                .chain(d.finding.labels.iter().map(|l| &l.span))
                .any(|s| matches!(out.loaded.file(s.file).origin, ngxlint::load::Origin::Stock(_)));
            if stock {
                let f = out.loaded.file(d.finding.span.file);
                on_stock.push(format!(
                    "{path}:{}: {} {}",
                    f.line_col(d.finding.span.start).0,
                    d.rule,
                    d.finding.message
                ));
                continue;
            }
            let f = out.loaded.file(d.finding.span.file);
            problems.push(format!("{path}:{}: {} {}", f.line_col(d.finding.span.start).0, d.rule, d.finding.message));
        }
    }
    println!(
        "corpus {}: {files} files nginx parses, {agreed} errors nginx reports too, {} on stock files nginx did not read, {} false alarms",
        known.join(", "),
        on_stock.len(),
        problems.len()
    );
    // nginx with Debian's snippets/fastcgi-php.conf (which has its own
    // try_files) refuses these too: checked with the oracle.
    for p in &on_stock {
        println!("  on a stock file: {p}");
    }
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty(), "false alarms:\n{}", problems.join("\n"));
}

/// The files nginx parses (`syntax=ok` in verdicts.tsv): path, the load
/// options of the context the manifest gives, and nginx's other messages.
fn accepted_files(verdicts: &str) -> Vec<(&str, LoadOptions, &str)> {
    let mut out = Vec::new();
    for line in verdicts.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (path, context, syntax, other) = (cols[0], cols[1], cols[2], cols[5]);
        if syntax != "ok" {
            continue;
        }
        let ctx = match context {
            "main" => None,
            "http" => Some(Context::Http),
            "server" => Some(Context::Server),
            _ => Some(Context::Location),
        };
        out.push((path, LoadOptions { snippet_context: ctx, ..LoadOptions::default() }, other));
    }
    out
}

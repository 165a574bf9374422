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

//! Every output format on one shared fixture: snapshotted, and parsed back.

use std::process::Command;

const FIXTURE: &str = "tests/fixtures/analyzer/bad/nginx.conf";

fn run(args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--nginx-version", "1.24", "--no-default-map"])
        .args(args)
        .output()
        .expect("run ngxlint");
    (String::from_utf8(out.stdout).expect("utf-8 output"), out.status.code().unwrap_or(-1))
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../snapshots/formats",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Checks that an XML document is well formed; returns the number of elements named `tag`.
fn xml_count(doc: &str, tag: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(doc);
    let mut n = 0;
    loop {
        match r.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) if e.name().as_ref() == tag => {
                n += 1;
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    n
}

#[test]
fn every_format_on_the_shared_fixture() {
    let (json, _) = run(&[FIXTURE, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let n = doc["findings"].as_array().unwrap().len();
    assert_eq!(n, 7, "the fixture has seven findings without pool files");

    let (lines, code) = run(&[FIXTURE, "--format", "json-lines"]);
    assert_eq!(code, 0, "warnings only");
    assert_eq!(lines.lines().count(), n);
    for l in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["rule"].is_string() && v["line"].is_u64());
    }
    snapshot("json-lines", &lines);

    let (sarif, _) = run(&[FIXTURE, "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ngxlint::lints::ALL.len());
    for r in rules {
        assert!(r["id"].is_string() && r["helpUri"].is_string() && r["help"]["text"].is_string());
    }
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), n);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1 && region["startColumn"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["ngxlint/v1"].is_string());
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    // The rules carry their whole docs: snapshot only the results.
    snapshot("sarif-results", &serde_json::to_string_pretty(&run0["results"]).unwrap());

    let (gitlab, _) = run(&[FIXTURE, "--format", "gitlab"]);
    let v: serde_json::Value = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(v.as_array().unwrap().len(), n);
    snapshot("gitlab", &gitlab);

    let (github, _) = run(&[FIXTURE, "--format", "github"]);
    assert_eq!(github.lines().count(), n);
    assert!(github.lines().all(|l| l.starts_with("::warning file=")));
    snapshot("github", &github);

    let (cs, _) = run(&[FIXTURE, "--format", "checkstyle"]);
    assert_eq!(xml_count(&cs, "error"), n);
    snapshot("checkstyle", &cs);

    let (ju, _) = run(&[FIXTURE, "--format", "junit"]);
    assert_eq!(xml_count(&ju, "failure"), n);
    snapshot("junit", &ju);
}

#[test]
fn fingerprints_survive_line_shifts() {
    let dir = std::env::temp_dir().join(format!("ngxlint-fp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.conf");
    let text = "events {}\nhttp { server { location / { proxy_pass http://10.0.0.1:443; } } }\n";
    std::fs::write(&a, text).unwrap();
    let fp = |path: &std::path::Path| {
        let (s, _) = run(&[path.to_str().unwrap(), "--format", "sarif"]);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        v["runs"][0]["results"][0]["partialFingerprints"]["ngxlint/v1"].as_str().unwrap().to_string()
    };
    let before = fp(&a);
    std::fs::write(&a, format!("# a comment\n\n{text}")).unwrap();
    assert_eq!(before, fp(&a));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_text_cannot_inject_workflow_commands_or_xml() {
    let hostile = "events {}\n\"bad\n::error file=x::pwned\" on;\n\"<x a='&'>\" on;\n";
    let dir = std::env::temp_dir().join(format!("ngxlint-gh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("h,a:b.conf");
    std::fs::write(&f, hostile).unwrap();
    let (gh, code) = run(&[f.to_str().unwrap(), "--format", "github"]);
    assert_eq!(code, 1);
    assert_eq!(gh.lines().count(), 2, "{gh}");
    // Workflow commands start a line: every line is one of ours.
    assert!(gh.lines().all(|l| l.starts_with("::error file=/")), "{gh}");
    assert!(gh.contains("h%2Ca%3Ab.conf"));
    for fmt in ["checkstyle", "junit"] {
        let (x, _) = run(&[f.to_str().unwrap(), "--format", fmt]);
        assert!(xml_count(&x, "x") == 0, "{fmt} let markup through: {x}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fail_on_exit_zero_and_output_file() {
    assert_eq!(run(&[FIXTURE]).1, 0);
    assert_eq!(run(&[FIXTURE, "--fail-on", "warning"]).1, 1);
    assert_eq!(run(&[FIXTURE, "--fail-on", "warning", "--exit-zero"]).1, 0);
    let dir = std::env::temp_dir().join(format!("ngxlint-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.sarif");
    let (stdout, code) = run(&[FIXTURE, "--format", "sarif", "--output-file", out.to_str().unwrap()]);
    assert_eq!((stdout.as_str(), code), ("", 0));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    // Nothing else was left in the directory.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

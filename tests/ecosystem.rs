//! End-to-end: configuration files, exit-code flags, baselines, every output
//! format (snapshotted on one fixture and parsed back), `nginx -T` dumps,
//! completions, the man page and the language server.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ngxlint"))
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin().args(args).current_dir(cwd).output().expect("run ngxlint")
}

fn run_stdin(args: &[&str], cwd: &Path, input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", stdout(o)))
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("eco").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

// ---- configuration ---------------------------------------------------------

const DUP: &str = "events {}\nhttp { server { listen 80; listen 80; } }\n";

#[test]
fn config_is_found_above_the_checked_file_and_sets_levels() {
    let d = scratch("config-levels");
    write(&d, ".ngxlint.toml", "[rules]\nduplicate-listen = \"warn\"\n");
    write(&d, "conf/nginx.conf", DUP);
    let o = run(&["check", "conf/nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["findings"][0]["severity"], "warning");
    // --fail-on warning makes it fail; --exit-zero never does.
    assert_eq!(run(&["check", "conf/nginx.conf", "--fail-on", "warning"], &d).status.code(), Some(1));
    assert_eq!(run(&["check", "conf/nginx.conf", "--fail-on", "info", "--exit-zero"], &d).status.code(), Some(0));
    // --isolated ignores it.
    let o = run(&["check", "conf/nginx.conf", "--isolated", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["findings"][0]["severity"], "error");
}

#[test]
fn closest_config_wins_and_extend_inherits() {
    let d = scratch("config-extend");
    write(&d, "ngxlint.toml", "[categories]\ncorrectness = \"allow\"\n");
    write(&d, "sub/ngxlint.toml", "extend = \"../ngxlint.toml\"\n[rules]\nduplicate-listen = \"info\"\n");
    write(&d, "sub/nginx.conf", &format!("{DUP}acme_sso on;\n"));
    let o = run(&["check", "sub/nginx.conf", "--format", "json"], &d);
    let v = json(&o);
    // The category is off (inherited), the rule named in the closer file is on at info.
    assert_eq!(rules_of(&v), ["duplicate-listen"], "{v}");
    assert_eq!(v["findings"][0]["severity"], "info");
    // An explicit --config replaces discovery.
    write(&d, "other.toml", "[rules]\nunknown-directive = \"allow\"\n");
    let o = run(&["check", "sub/nginx.conf", "--config", "other.toml", "--format", "json"], &d);
    assert_eq!(rules_of(&json(&o)), ["duplicate-listen"]);
}

#[test]
fn config_errors_exit_two_with_a_position() {
    let d = scratch("config-errors");
    write(&d, "ngxlint.toml", "nginx-version = \"1.24\"\n\n[rules]\nduplicate-lisen = \"warn\"\n");
    write(&d, "nginx.conf", DUP);
    let o = run(&["check", "nginx.conf"], &d);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("ngxlint.toml:4:1: unknown rule \"duplicate-lisen\"; did you mean \"duplicate-listen\"?"),
        "{e}"
    );
    write(&d, "ngxlint.toml", "[rules.duplicate-listen]\nlevel = \"warn\"\nbacklog = 3\n");
    let e = stderr(&run(&["check", "nginx.conf"], &d));
    assert!(e.contains("ngxlint.toml:3:1: rule \"duplicate-listen\" has no option \"backlog\""), "{e}");
    write(&d, "ngxlint.toml", "extend = \"missing.toml\"\n");
    let e = stderr(&run(&["check", "nginx.conf"], &d));
    assert!(e.contains("ngxlint.toml:1:10: cannot read"), "{e}");
}

#[test]
fn config_paths_nginx_version_and_exclude() {
    let d = scratch("config-paths");
    write(
        &d,
        "ngxlint.toml",
        "nginx-version = \"1.20\"\nexclude = [\"vendor\"]\n[rules]\nunsupported-directive = \"warn\"\n",
    );
    write(&d, "conf.d/a.conf", "server { listen 80; http2 on; }\n");
    write(&d, "vendor/b.conf", "server { listen 80 }\n");
    let o = run(&["check", ".", "--format", "json"], &d);
    let v = json(&o);
    // http2 is newer than 1.25.1: unsupported for 1.20; vendor/ is skipped.
    assert_eq!(rules_of(&v), ["unsupported-directive"], "{v}");
    assert_eq!(v["summary"]["files"], 1);
}

/// The findings as (file, rule, severity).
fn findings_of(v: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("file"), s("rule"), s("severity"))
        })
        .collect();
    out.sort();
    out
}

fn finding(file: &str, rule: &str, severity: &str) -> (String, String, String) {
    (file.to_string(), rule.to_string(), severity.to_string())
}

#[test]
fn each_checked_path_uses_its_closest_config() {
    let d = scratch("config-per-path");
    write(&d, "a/ngxlint.toml", "[rules]\nduplicate-listen = \"allow\"\n");
    write(&d, "b/ngxlint.toml", "[rules]\nduplicate-listen = \"error\"\nunknown-directive = \"warn\"\n");
    let conf = format!("{DUP}acme_sso on;\n");
    write(&d, "a/nginx.conf", &conf);
    write(&d, "b/nginx.conf", &conf);
    write(&d, "c/nginx.conf", &conf);
    // Files and directories, one run, two configuration files.
    for args in [["a/nginx.conf", "b/nginx.conf"], ["a", "b"]] {
        let o = run(&["check", args[0], args[1], "--format", "json"], &d);
        // The worst of the two: b has an error.
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let v = json(&o);
        assert_eq!(
            findings_of(&v),
            [
                finding("a/nginx.conf", "unknown-directive", "error"),
                finding("b/nginx.conf", "duplicate-listen", "error"),
                finding("b/nginx.conf", "unknown-directive", "warning"),
            ],
            "{v}"
        );
        assert_eq!(v["summary"]["files"], 2);
        assert_eq!(v["summary"]["errors"], 2);
        assert_eq!(v["summary"]["warnings"], 1);
    }
    // A path without a configuration file is a group of its own; the order
    // of the groups is the order of the paths.
    let o = run(&["check", "b/nginx.conf", "c/nginx.conf", "a/nginx.conf", "--format", "concise"], &d);
    let out = stdout(&o);
    let files: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(files, ["b/nginx.conf", "b/nginx.conf", "c/nginx.conf", "c/nginx.conf", "a/nginx.conf"], "{out}");
    assert!(stderr(&o).contains("in 3 files"), "{}", stderr(&o));
    // The exit code is the worst of the groups: a alone is clean.
    let o = run(&["check", "a", "b", "--ignore", "unknown-directive"], &d);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["check", "a", "--ignore", "unknown-directive"], &d);
    assert_eq!(o.status.code(), Some(0));
    // Every machine format stays one document.
    let o = run(&["check", "a", "b", "--format", "sarif"], &d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 3);
    let o = run(&["check", "a", "b", "--format", "gitlab"], &d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    let o = run(&["check", "a", "b", "--format", "checkstyle"], &d);
    let files: Vec<_> = xml_elements(&stdout(&o)).into_iter().filter(|(n, _)| n == "file").collect();
    assert_eq!(files.len(), 2, "{}", stdout(&o));
    let o = run(&["check", "a", "b", "--format", "junit"], &d);
    assert_eq!(stdout(&o).matches("<testsuites ").count(), 1);
    assert_eq!(stdout(&o).matches("<testcase ").count(), 3);
    let o = run(&["check", "a", "b", "--format", "json-lines"], &d);
    assert_eq!(stdout(&o).lines().count(), 3);
    let o = run(&["check", "a", "b", "--statistics", "--format", "json"], &d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let counts: Vec<(&str, &str, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["rule"].as_str().unwrap(), c["severity"].as_str().unwrap(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts.len(), 3, "{v}");
    // A baseline written over both groups silences both.
    let o = run(&["check", "a", "b", "--write-baseline", "base.json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["check", "a", "b", "--baseline", "base.json", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["findings"].as_array().unwrap().len(), 0);
    // --config forces one file for everything; --isolated uses none.
    write(&d, "forced.toml", "[rules]\nduplicate-listen = \"info\"\nunknown-directive = \"allow\"\n");
    let o = run(&["check", "a", "b", "c", "--config", "forced.toml", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        findings_of(&json(&o)),
        [
            finding("a/nginx.conf", "duplicate-listen", "info"),
            finding("b/nginx.conf", "duplicate-listen", "info"),
            finding("c/nginx.conf", "duplicate-listen", "info"),
        ]
    );
    let o = run(&["check", "a", "b", "--isolated", "--format", "json"], &d);
    assert_eq!(findings_of(&json(&o)).iter().filter(|f| f.2 == "error").count(), 4);
    // An error in either configuration file stops the run.
    write(&d, "b/ngxlint.toml", "[rules]\nduplicate-listen = \"eror\"\n");
    let o = run(&["check", "a", "b"], &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ngxlint.toml:2:20: unknown level \"eror\""), "{}", stderr(&o));
}

#[test]
fn config_files_below_a_walked_directory_set_levels_in_their_subtree() {
    let d = scratch("config-nested");
    write(&d, "ngxlint.toml", "[rules]\nduplicate-listen = \"warn\"\n");
    write(&d, "site/sub/.ngxlint.toml", "[rules]\nduplicate-listen = \"allow\"\nunknown-directive = \"info\"\n");
    write(&d, "site/deeper/ngxlint.toml", "extend = \"../../ngxlint.toml\"\n[categories]\ncorrectness = \"error\"\n");
    let conf = "server { listen 80; listen 80; acme_sso on; }\n";
    write(&d, "site/conf.d/x.conf", conf);
    write(&d, "site/sub/conf.d/y.conf", conf);
    write(&d, "site/deeper/conf.d/z.conf", conf);
    let o = run(&["check", "site", "--format", "json"], &d);
    let v = json(&o);
    assert_eq!(
        findings_of(&v),
        [
            // The rule level of the closer file wins (a category level does not
            // override a rule level it inherits).
            finding("site/conf.d/x.conf", "duplicate-listen", "warning"),
            finding("site/conf.d/x.conf", "unknown-directive", "error"),
            finding("site/deeper/conf.d/z.conf", "duplicate-listen", "warning"),
            finding("site/deeper/conf.d/z.conf", "unknown-directive", "error"),
            finding("site/sub/conf.d/y.conf", "unknown-directive", "info"),
        ],
        "{v}"
    );
    assert_eq!(v["summary"]["files"], 3);
    // A rule the walked directory's configuration turns off runs for the
    // subtree whose configuration turns it on.
    write(&d, "ngxlint.toml", "[categories]\ncorrectness = \"allow\"\n");
    write(&d, "site/deeper/ngxlint.toml", "[rules]\nduplicate-listen = \"error\"\n");
    let o = run(&["check", "site", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        findings_of(&json(&o)),
        [
            finding("site/deeper/conf.d/z.conf", "duplicate-listen", "error"),
            finding("site/deeper/conf.d/z.conf", "unknown-directive", "error"),
            finding("site/sub/conf.d/y.conf", "unknown-directive", "info"),
        ]
    );
    // The same through a path with `..`.
    let o = run(&["check", "..", "--format", "json"], &d.join("site/conf.d"));
    assert_eq!(
        findings_of(&json(&o)),
        [
            finding("../deeper/conf.d/z.conf", "duplicate-listen", "error"),
            finding("../deeper/conf.d/z.conf", "unknown-directive", "error"),
            finding("../sub/conf.d/y.conf", "unknown-directive", "info"),
        ]
    );
    // --config and --isolated ignore the nested files.
    let o = run(&["check", "site", "--isolated", "--format", "json"], &d);
    assert_eq!(findings_of(&json(&o)).len(), 6);
    write(&d, "forced.toml", "[rules]\nunknown-directive = \"allow\"\n");
    let o = run(&["check", "site", "--config", "forced.toml", "--format", "json"], &d);
    assert_eq!(rules_of(&json(&o)), ["duplicate-listen"; 3]);
    // Errors in a nested file stop the run with its position.
    write(&d, "site/sub/.ngxlint.toml", "[rules]\nduplicate-lisen = \"allow\"\n");
    let o = run(&["check", "site"], &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".ngxlint.toml:2:1: unknown rule \"duplicate-lisen\""), "{}", stderr(&o));
}

// ---- CLI flags -------------------------------------------------------------

#[test]
fn statistics_and_output_file() {
    let d = scratch("statistics");
    write(&d, "nginx.conf", "events {}\nhttp { server { listen 80; listen 80; listen 80; foo; } }\n");
    let o = run(&["check", "nginx.conf", "--statistics"], &d);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.lines().next().unwrap().trim_start().starts_with("2  error    duplicate-listen"), "{out}");
    let o = run(&["check", "nginx.conf", "--format", "json", "--output-file", "out/report.json"], &d);
    assert!(o.stdout.is_empty());
    std::fs::create_dir_all(d.join("out")).unwrap();
    let o = run(&["check", "nginx.conf", "--format", "json", "--output-file", "out/report.json"], &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("out/report.json")).unwrap()).unwrap();
    assert_eq!(v["summary"]["errors"], 3);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(d.join("out")).unwrap().count(), 1);
}

// ---- baselines -------------------------------------------------------------

#[test]
fn baseline_survives_line_shifts_and_reports_new_and_stale() {
    let d = scratch("baseline");
    write(&d, "nginx.conf", "events {}\nhttp {\n server { listen 80; listen 80; }\n foo;\n}\n");
    let o = run(&["check", "nginx.conf", "--write-baseline", "baseline.json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(b["version"], 1);
    assert_eq!(b["entries"].as_array().unwrap().len(), 2);
    // Lines move: still nothing new.
    write(&d, "nginx.conf", "# a comment\n\nevents {}\nhttp {\n server { listen 80; listen 80; }\n foo;\n}\n");
    let o = run(&["check", "nginx.conf", "--baseline", "baseline.json", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // One fixed, one new.
    write(&d, "nginx.conf", "events {}\nhttp {\n server { listen 80; listen 80; }\n bar;\n}\n");
    let o = run(&["check", "nginx.conf", "--baseline", "baseline.json", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(rules_of(&v), ["unknown-directive"]);
    assert!(v["findings"][0]["message"].as_str().unwrap().contains("bar"));
    let e = stderr(&o);
    assert!(e.contains("baseline: 1 finding fixed since") && e.contains("foo;"), "{e}");
}

// ---- output formats ----------------------------------------------------------

fn fixture_output(format: &str) -> Output {
    run(&["check", "nginx.conf", "--format", format], &fixture())
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

#[test]
fn format_json_and_json_lines() {
    let o = fixture_output("json");
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["version"], 1);
    snapshot("json", &serde_json::to_string_pretty(&v).unwrap());
    let o = fixture_output("json-lines");
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("a JSON object per line")).collect();
    assert_eq!(lines.len(), v["findings"].as_array().unwrap().len());
    assert_eq!(lines[0], v["findings"][0]);
    snapshot("json-lines", &stdout(&o));
}

#[test]
fn format_sarif() {
    let o = fixture_output("sarif");
    let mut v = json(&o);
    // The fields GitHub code scanning requires (checked by hand: the SARIF
    // schema is not vendored here).
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ngxlint::lints::ALL.len());
    for r in rules {
        assert!(r["id"].is_string() && r["shortDescription"]["text"].is_string());
        assert!(r["help"]["text"].as_str().unwrap().contains("## What it does"));
        assert!(r["helpUri"].as_str().unwrap().starts_with("https://"));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"], id);
        assert!(matches!(r["level"].as_str().unwrap(), "error" | "warning" | "note"));
        assert!(r["message"]["text"].is_string());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(!loc["artifactLocation"]["uri"].as_str().unwrap().starts_with('/'));
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["ngxlintFingerprint/v1"].as_str().unwrap().len() == 16);
    }
    // Keep the snapshot about results: the rule list is checked above.
    v["runs"][0]["tool"]["driver"]["rules"] = serde_json::json!("(checked above)");
    v["runs"][0]["tool"]["driver"]["version"] = serde_json::json!("(version)");
    snapshot("sarif", &serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn sarif_fingerprints_survive_line_shifts() {
    let d = scratch("sarif-shift");
    write(&d, "nginx.conf", "events {}\nhttp {\n foo;\n}\n");
    let a = json(&run(&["check", "nginx.conf", "--format", "sarif"], &d));
    write(&d, "nginx.conf", "# new\n\nevents {}\nhttp {\n\n    foo;\n}\n");
    let b = json(&run(&["check", "nginx.conf", "--format", "sarif"], &d));
    let fp = |v: &serde_json::Value| v["runs"][0]["results"][0]["partialFingerprints"].clone();
    assert_eq!(fp(&a), fp(&b));
    assert_ne!(
        a["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        b["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
    );
}

#[test]
fn format_github_cannot_inject_commands() {
    let o = fixture_output("github");
    let out = stdout(&o);
    for line in out.lines() {
        assert!(line.starts_with("::error file=") || line.starts_with("::warning file="), "{line}");
        // Exactly the two "::" of the command itself.
        assert_eq!(line.matches("::").count(), 2, "{line}");
    }
    assert!(out.contains("x<&>%25%2C%3A") || out.contains("x<&>%25,:"), "{out}");
    snapshot("github", &out);
    // A newline smuggled into a message stays on one line.
    let o = run_stdin(&["check", "-", "--format", "github"], &fixture(), b"events {}\n\"a\n::error::pwned\" on;\n");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains("\n::error::pwned"), "{out}");
}

#[test]
fn format_gitlab() {
    let o = fixture_output("gitlab");
    let v = json(&o);
    for issue in v.as_array().unwrap() {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    snapshot("gitlab", &serde_json::to_string_pretty(&v).unwrap());
}

/// Parses XML and returns (element name, attributes) of every element.
fn xml_elements(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned(),
                        )
                    })
                    .collect();
                out.push((name, attrs));
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn format_checkstyle_and_junit() {
    let o = fixture_output("checkstyle");
    let out = stdout(&o);
    let els = xml_elements(&out);
    assert_eq!(els[0].0, "checkstyle");
    let errors: Vec<_> = els.iter().filter(|e| e.0 == "error").collect();
    assert_eq!(errors.len(), 5);
    assert!(errors.iter().any(|e| e.1.iter().any(|(k, v)| k == "message" && v.contains("x<&>%,:\\\"y"))), "{out}");
    snapshot("checkstyle", &out);
    let o = fixture_output("junit");
    let out = stdout(&o);
    let els = xml_elements(&out);
    assert_eq!(els.iter().filter(|e| e.0 == "failure").count(), 5);
    snapshot("junit", &out);
    // No findings: one passing case.
    let o = run_stdin(&["check", "-", "--format", "junit"], &fixture(), b"events {}\n");
    let els = xml_elements(&stdout(&o));
    assert_eq!(els.iter().filter(|e| e.0 == "testcase").count(), 1);
}

#[test]
fn format_concise_and_pretty_on_the_fixture() {
    snapshot("concise", &stdout(&fixture_output("concise")));
    let o = run(&["check", "nginx.conf", "--format", "pretty", "--color", "never"], &fixture());
    snapshot("pretty", &stdout(&o));
}

// ---- nginx -T ----------------------------------------------------------------

#[test]
fn nginx_dump_findings_point_into_the_original_files() {
    let dump = "# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp {\n    include /etc/nginx/mime.types;\n    include /etc/nginx/conf.d/*.conf;\n}\n\n# configuration file /etc/nginx/mime.types:\ntypes { text/html html; }\n\n# configuration file /etc/nginx/conf.d/app.conf:\nserver {\n    listen 80;\n    proxy_passs http://x;\n}\n\n";
    let d = scratch("dump");
    let o = run_stdin(&["check", "-", "--format", "json"], &d, dump.as_bytes());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(rules_of(&v), ["unknown-directive"], "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["file"], "/etc/nginx/conf.d/app.conf");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(3), Some(5)));
    assert_eq!(v["summary"]["files"], 3);
    // The same from a file with --nginx-T.
    write(&d, "dump.txt", dump);
    let o = run(&["check", "--nginx-T", "dump.txt", "--format", "json"], &d);
    assert_eq!(json(&o)["findings"][0]["file"], "/etc/nginx/conf.d/app.conf");
    // Not mixed with other inputs.
    write(&d, "other.conf", "events {}\n");
    assert_eq!(run(&["check", "--nginx-T", "dump.txt", "other.conf"], &d).status.code(), Some(2));
}

// ---- completions, man page ---------------------------------------------------

#[test]
fn completions_and_man_page() {
    let d = scratch("completions");
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell], &d);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("fail-on"), "{shell}");
    }
    let o = run(&["man"], &d);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains(".TH ngxlint"), "{out}");
    assert!(out.contains("CHECK OPTIONS") && out.contains("fail\\-on"), "{out}");
    let dir = d.join("man");
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(run(&["man", "--dir", dir.to_str().unwrap()], &d).status.code(), Some(0));
    assert!(dir.join("ngxlint-check.1").is_file());
}

// ---- language server -----------------------------------------------------------

fn lsp_send(w: &mut impl Write, v: serde_json::Value) {
    let body = v.to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    w.flush().unwrap();
}

fn lsp_read(r: &mut impl BufRead) -> serde_json::Value {
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        assert!(r.read_line(&mut line).unwrap() > 0, "server closed the stream");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            len = n.parse().unwrap();
        }
    }
    let mut buf = vec![0; len];
    r.read_exact(&mut buf).unwrap();
    serde_json::from_slice(&buf).unwrap()
}

/// Reads messages until a publishDiagnostics notification arrives.
fn lsp_diagnostics(r: &mut impl BufRead) -> serde_json::Value {
    loop {
        let m = lsp_read(r);
        if m["method"] == "textDocument/publishDiagnostics" {
            return m["params"].clone();
        }
    }
}

type LspSession = (std::process::Child, std::process::ChildStdin, BufReader<std::process::ChildStdout>);

/// Starts `ngxlint lsp` in `dir` and initialises it.
fn lsp_start(dir: &Path) -> LspSession {
    let mut child =
        bin().arg("lsp").current_dir(dir).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("ngxlint lsp");
    let mut w = child.stdin.take().unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    lsp_send(
        &mut w,
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    let init = lsp_read(&mut r);
    assert_eq!(init["id"], 1);
    assert!(init["result"]["capabilities"]["textDocumentSync"].is_object(), "{init}");
    lsp_send(&mut w, serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    (child, w, r)
}

fn lsp_stop((mut child, mut w, mut r): LspSession) {
    lsp_send(&mut w, serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    loop {
        if lsp_read(&mut r)["id"] == 2 {
            break;
        }
    }
    lsp_send(&mut w, serde_json::json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(w);
    assert!(child.wait().unwrap().success());
}

fn lsp_open(w: &mut impl Write, uri: &str, text: &str) {
    lsp_send(
        w,
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "nginx", "version": 1, "text": text}}}),
    );
}

fn lsp_change(w: &mut impl Write, uri: &str, version: u32, text: &str) {
    lsp_send(
        w,
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}}),
    );
}

/// Reads `n` publications: (URI, rule codes), sorted by URI.
fn lsp_published(r: &mut impl BufRead, n: usize) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = (0..n)
        .map(|_| {
            let p = lsp_diagnostics(r);
            let codes = p["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string());
            (p["uri"].as_str().unwrap().to_string(), codes.collect())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn language_server_publishes_diagnostics_over_stdio() {
    // No nginx.conf above: the document is linted on its own.
    let d = scratch("lsp");
    write(&d, "ngxlint.toml", "[rules]\nduplicate-listen = \"warn\"\n");
    let uri = format!("file://{}/site.conf", d.display());
    let (child, mut w, mut r) = lsp_start(&d);
    let text = "server {\n    listen 80;\n    listen 80;\n    prxy_pass http://x;\n}\n";
    lsp_open(&mut w, &uri, text);
    let p = lsp_diagnostics(&mut r);
    assert_eq!(p["uri"], uri.as_str());
    let diags = p["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["duplicate-listen", "unknown-directive"], "{p}");
    // The configuration file's level applies; positions are 0-based.
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(diags[1]["range"]["start"], serde_json::json!({"line": 3, "character": 4}));
    // A change that fixes everything clears the diagnostics.
    lsp_change(&mut w, &uri, 2, "server {\n    listen 80;\n}\n");
    assert_eq!(lsp_diagnostics(&mut r)["diagnostics"], serde_json::json!([]));
    lsp_stop((child, w, r));
}

#[test]
fn language_server_lints_a_document_in_its_configuration_tree() {
    let d = scratch("lsp-tree");
    let main = "events {}\nhttp {\n    server {\n        listen 80;\n        server_name example.com;\n        location / {\n            include snippets/loc.conf;\n        }\n    }\n}\n";
    write(&d, "nginx.conf", main);
    let loc = "proxy_pass http://127.0.0.1:8080;\nproxy_buffer_size 1k;\n";
    write(&d, "snippets/loc.conf", loc);
    // A snippet nginx.conf does not include yet, in a directory whose name needs escaping.
    write(&d, "snippets/extra conf/up.conf", "proxy_pass http://127.0.0.1:8081;\n");
    write(&d, "snippets/unused.conf", "server {\n    listen 80;\n    listen 80;\n}\n");
    let (loc_uri, main_uri) =
        (format!("file://{}/snippets/loc.conf", d.display()), format!("file://{}/nginx.conf", d.display()));
    let up_uri = format!("file://{}/snippets/extra%20conf/up.conf", d.display());
    let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let (child, mut w, mut r) = lsp_start(&d);

    // Checked in the location that includes it: no "not allowed here", and the
    // finding that needs that context (alone it has none).
    lsp_open(&mut w, &loc_uri, loc);
    assert_eq!(lsp_published(&mut r, 1), [(loc_uri.clone(), s(&["undersized-upstream-buffer"]))]);

    // An unsaved nginx.conf is what the tree is read from: including the
    // other snippet at server level puts findings in that file too.
    let with_up = main.replace(
        "server_name example.com;\n",
        "server_name example.com;\n        include \"snippets/extra conf/up.conf\";\n",
    );
    lsp_open(&mut w, &main_uri, &with_up);
    assert_eq!(
        lsp_published(&mut r, 3),
        [
            (main_uri.clone(), s(&[])),
            (up_uri.clone(), s(&["directive-not-allowed"])),
            (loc_uri.clone(), s(&["undersized-upstream-buffer"])),
        ]
    );
    // Undoing that clears the other file's findings.
    lsp_change(&mut w, &main_uri, 2, main);
    assert_eq!(
        lsp_published(&mut r, 3),
        [(main_uri.clone(), s(&[])), (up_uri.clone(), s(&[])), (loc_uri.clone(), s(&["undersized-upstream-buffer"])),]
    );

    // An unsaved fix in the snippet clears its finding.
    lsp_change(&mut w, &loc_uri, 2, &loc.replace("1k", "8k"));
    assert_eq!(lsp_published(&mut r, 2), [(main_uri.clone(), s(&[])), (loc_uri.clone(), s(&[]))]);

    // Closing nginx.conf clears it and relints the tree's open documents.
    lsp_send(
        &mut w,
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {
            "textDocument": {"uri": main_uri}}}),
    );
    assert_eq!(lsp_published(&mut r, 2), [(main_uri.clone(), s(&[])), (loc_uri.clone(), s(&[]))]);

    // A file of the directory that nginx.conf does not reach is linted alone.
    let unused_uri = format!("file://{}/snippets/unused.conf", d.display());
    lsp_open(&mut w, &unused_uri, &std::fs::read_to_string(d.join("snippets/unused.conf")).unwrap());
    assert_eq!(lsp_published(&mut r, 1), [(unused_uri, s(&["duplicate-listen"]))]);
    lsp_stop((child, w, r));
}

// ---- the book's examples hold -------------------------------------------------

#[test]
fn book_configuration_example_loads() {
    let page =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src/configuration.md")).unwrap();
    let blocks = ngxlint::docs::code_blocks(&page);
    let (_, toml) = blocks.iter().find(|(info, _)| info == "toml").expect("a toml example");
    let d = scratch("book-config");
    write(&d, "ngxlint-base.toml", "[rules]\nduplicate-listen = \"error\"\n");
    write(&d, "repo/ngxlint.toml", toml);
    write(&d, "repo/php/pool.d/www.conf", "[www]\nlisten = /run/php/php8.2-fpm.sock\n");
    write(&d, "repo/etc/nginx/nginx.conf", "events {}\nhttp { acme_sso on; server { listen 80; listen 80; } }\n");
    let o = run(&["check", "etc/nginx/nginx.conf", "--format", "json"], &d.join("repo"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    // extra-directives accepts acme_sso only if the rules read it; the level
    // from the example applies to the duplicate listen either way.
    let f: Vec<_> = v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "duplicate-listen").collect();
    assert_eq!(f[0]["severity"], "warning", "{v}");
}

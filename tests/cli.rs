//! End-to-end: the binary's exit codes, output formats and bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ngxlint"))
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin().args(args).current_dir(cwd).output().expect("run ngxlint")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child =
        bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

/// A scratch directory under the target dir, emptied first.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn clean_config_exits_zero() {
    let d = scratch("clean");
    write(&d, "nginx.conf", b"events {}\nhttp { include mime.types; server { listen 80; } }\n");
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let v = json(&o);
    assert_eq!(v["version"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn syntax_error_exits_one_with_position_and_relative_path() {
    let d = scratch("syntax");
    write(&d, "conf/nginx.conf", b"events {}\nhttp {\n  server {\n    listen 80\n  }\n}\n");
    let o = run(&["check", "conf/nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "syntax-error");
    assert_eq!(f["category"], "syntax");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["message"], "unexpected \"}\"");
    assert_eq!(f["file"], "conf/nginx.conf");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(5), Some(3)));
    assert!(f["help"].as_str().unwrap().contains("listen"));
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn concise_and_pretty_formats() {
    let d = scratch("formats");
    write(&d, "nginx.conf", b"events {}\nhttp { server { proxy_pass http://x; } }\n");
    let o = run(&["check", "nginx.conf", "--format", "concise"], &d);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("nginx.conf:2:17: error directive-not-allowed \"proxy_pass\" directive is not allowed here"),
        "{out}"
    );
    let o = run(&["check", "nginx.conf", "--format", "pretty", "--color", "never"], &d);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("directive-not-allowed") && out.contains("nginx.conf:2:17"), "{out}");
    assert!(!out.contains('\u{1b}'), "colour with --color never");
}

#[test]
fn stdin_uses_stdin_filename_everywhere() {
    let o =
        run_stdin(&["check", "-", "--stdin-filename", "site.conf", "--format", "json"], b"server {\n listen 80\n}\n");
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["file"], "site.conf");
    }
}

#[test]
fn usage_errors_exit_two() {
    let d = scratch("usage");
    assert_eq!(run(&["check", "--no-such-flag"], &d).status.code(), Some(2));
    assert_eq!(run(&["check", "missing.conf"], &d).status.code(), Some(2));
    assert_eq!(run(&["check", "--select", "no-such-rule", "."], &d).status.code(), Some(2));
}

#[test]
fn control_characters_do_not_reach_the_terminal() {
    let o = run_stdin(&["check", "-", "--format", "concise"], b"events {}\n\x1b[31mevil on;\n");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains('\u{1b}'), "{out:?}");
    let o = run_stdin(&["check", "-", "--format", "json"], b"events {}\n\x1b[31mevil on;\n");
    assert!(json(&o)["findings"][0]["message"].as_str().unwrap().contains("\\u{1b}"));
}

// ---- bad and hostile input ------------------------------------------------

#[test]
fn deep_nesting_is_reported_not_overflowed() {
    let d = scratch("nesting");
    let mut text = b"events {}\nhttp {\n".to_vec();
    text.extend(b"location / {\n".repeat(100_000));
    write(&d, "nginx.conf", &text);
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["message"].as_str().unwrap().contains("nested deeper")));
    let o = run_stdin(&["check", "-", "--format", "json"], &b"{".repeat(100_000));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn huge_file_is_refused_with_a_message() {
    let d = scratch("huge");
    let f = std::fs::File::create(d.join("big.conf")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: cheap to make
    write(&d, "nginx.conf", b"events {}\nhttp { include big.conf; }\n");
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "include-unreadable");
    assert!(f["message"].as_str().unwrap().contains("limit"), "{f}");
    // Given directly: an error for the entry point, exit 2.
    let o = run(&["check", "big.conf"], &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-file-size"));
}

#[test]
fn binary_garbage_and_empty_files() {
    let mut garbage = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..200_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        garbage.push((x >> 16) as u8);
    }
    let o = run_stdin(&["check", "-", "--format", "json"], &garbage);
    assert!(matches!(o.status.code(), Some(0) | Some(1)), "{:?}", o.status);
    json(&o);
    let o = run_stdin(&["check", "-", "--format", "json"], b"");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn include_of_devices_fifos_directories() {
    let d = scratch("devices");
    std::fs::create_dir_all(d.join("adir")).unwrap();
    let fifo = d.join("fifo.conf");
    let ok = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    let mut text = String::from("events {}\nhttp {\n  include /dev/zero;\n  include adir;\n");
    if ok {
        text.push_str("  include fifo.conf;\n");
    }
    text.push_str("}\n");
    write(&d, "nginx.conf", text.as_bytes());
    // /dev is outside the tree: only --root / lets the include try it.
    let o = run(&["check", "nginx.conf", "--format", "json", "--root", "/"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let msgs: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("/dev/zero") && m.contains("not a regular file")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("adir") && m.contains("directory")), "{msgs:?}");
    if ok {
        assert!(msgs.iter().any(|m| m.contains("fifo.conf") && m.contains("not a regular file")), "{msgs:?}");
    } else {
        eprintln!("skipping the FIFO case: mkfifo not available");
    }
}

#[test]
fn unreadable_include() {
    let d = scratch("unreadable");
    write(&d, "secret.conf", b"server {}\n");
    let p = d.join("secret.conf");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: then use a file whose read fails instead.
    let target = if std::fs::read(&p).is_ok() { "/proc/self/mem".to_string() } else { "secret.conf".to_string() };
    write(&d, "nginx.conf", format!("events {{}}\nhttp {{ include {target}; }}\n").as_bytes());
    let o = run(&["check", "nginx.conf", "--format", "json", "--root", "/"], &d);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    let v = json(&o);
    assert_eq!(v["findings"][0]["rule"], "include-unreadable", "{v}");
}

#[test]
fn symlink_loop_in_walked_directory() {
    let d = scratch("symloop");
    write(&d, "conf.d/a.conf", b"server { listen 80; }\n");
    std::os::unix::fs::symlink(&d, d.join("conf.d/loop")).unwrap();
    let o = run(&["check", ".", "--format", "json"], &d);
    assert!(matches!(o.status.code(), Some(0) | Some(1)), "{:?} {}", o.status, String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().iter().any(|e| e["message"].as_str().unwrap().contains("loop")), "{v}");
}

#[test]
fn include_cycle_is_reported_with_the_chain() {
    let d = scratch("cycle");
    write(&d, "nginx.conf", b"events {}\nhttp { include a.conf; }\n");
    write(&d, "a.conf", b"include b.conf;\n");
    write(&d, "b.conf", b"include a.conf;\n");
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "include-cycle").expect("cycle finding");
    assert_eq!(f["message"], "include cycle: a.conf -> b.conf -> a.conf");
}

#[test]
fn glob_matching_ten_thousand_files() {
    let d = scratch("glob10k");
    for i in 0..10_000 {
        write(
            &d,
            &format!("sites/s{i:05}.conf"),
            format!("server {{ listen {}; server_name s{i}; }}\n", 10000 + i).as_bytes(),
        );
    }
    // 10,000 listening sockets need as many worker connections (worker-connections-too-few).
    write(&d, "nginx.conf", b"events { worker_connections 10001; }\nhttp { include sites/*.conf; }\n");
    let o = run(&["check", "nginx.conf", "--format", "json", "--max-files", "20000"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["summary"]["files"], 10_001);
}

#[test]
fn include_globs_match_as_glob_3_does() {
    use std::os::unix::ffi::OsStrExt;
    let d = scratch("glob3");
    write(&d, "conf.d/a.conf", b"server { listen 8081; }\n");
    write(&d, "conf.d/.hidden.conf", b"hidden_directive;\n");
    write(&d, "vhosts/one/site.conf", b"one_directive;\n");
    write(&d, "vhosts/two/site.conf", b"two_directive;\n");
    write(&d, "vhosts/file.conf", b"");
    // A name that is not UTF-8 (nginx reads it like any other): it used to
    // stop ngxlint with a panic inside the glob crate.
    let odd = std::ffi::OsStr::from_bytes(b"odd\xff.conf");
    std::fs::write(d.join("conf.d").join(odd), b"odd_directive;\n").unwrap();
    let unknown = |main: &[u8]| -> Vec<String> {
        write(&d, "nginx.conf", main);
        let o =
            run(&["check", "nginx.conf", "--format", "json", "--select", "unknown-directive,include-unreadable"], &d);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
        let v = json(&o);
        let mut out: Vec<String> =
            v["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
        out.sort();
        out
    };
    // `*` does not match a leading dot (nginx -t does not read .hidden.conf) ...
    assert_eq!(unknown(b"events {}\nhttp { include conf.d/*.conf; }\n"), ["unknown directive \"odd_directive\""]);
    // ... a pattern that names the dot does (nginx -t: unknown directive "hidden_directive").
    assert_eq!(unknown(b"events {}\nhttp { include conf.d/.*.conf; }\n"), ["unknown directive \"hidden_directive\""]);
    // `.*` also matches `.` and `..`, which nginx then fails to read as files.
    let dots = unknown(b"events {}\nhttp { include conf.d/.*; }\n");
    assert_eq!(dots.iter().filter(|m| m.contains("it is a directory")).count(), 2, "{dots:?}");
    // A wildcard in a directory component matches directories only.
    assert_eq!(
        unknown(b"events {}\nhttp { include vhosts/*/site.conf; }\n"),
        ["unknown directive \"one_directive\"", "unknown directive \"two_directive\""]
    );
}

#[test]
fn missing_include_and_glob_matching_nothing() {
    let d = scratch("missing");
    write(&d, "nginx.conf", b"events {}\nhttp {\n  include nothing/*.conf;\n  include missing.conf;\n}\n");
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(rules_of(&v), vec!["include-not-found"]);
    assert_eq!(v["findings"][0]["line"], 4);
}

#[test]
fn relative_includes_resolve_against_the_main_config_dir() {
    let d = scratch("relative");
    write(&d, "nginx.conf", b"events {}\nhttp { include sites/a.conf; }\n");
    write(&d, "sites/a.conf", b"include snippets/b.conf;\n");
    write(&d, "snippets/b.conf", b"server { listen 80 }\n");
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    let v = json(&o);
    assert_eq!(rules_of(&v), vec!["syntax-error"], "{v}");
    assert_eq!(v["findings"][0]["file"], "snippets/b.conf");
}

#[test]
fn etc_nginx_paths_map_into_the_checked_tree_and_stock_files_are_known() {
    let d = scratch("etcmap");
    write(
        &d,
        "nginx.conf",
        b"events {}\nhttp {\n include /etc/nginx/mime.types;\n include /etc/nginx/sites-enabled/*;\n}\n",
    );
    write(&d, "sites-enabled/default", b"server { listen 80; location ~ \\.php$ { include snippets/fastcgi-php.conf; fastcgi_pass unix:/run/php.sock; } }\n");
    let o = run(&["check", "nginx.conf", "--format", "json"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    // An explicit map elsewhere: the include is looked up there.
    let o =
        run(&["check", "nginx.conf", "--format", "json", "--map", "/etc/nginx=/nonexistent", "--no-default-map"], &d);
    let v = json(&o);
    assert!(rules_of(&v).is_empty(), "mime.types is a stock file: {v}");
}

#[test]
fn latin1_bytes_neither_stop_parsing_nor_shift_positions() {
    // "caf\xe9" is latin-1; the error after it must keep its byte offset and
    // count the byte as one character.
    let o = run_stdin(&["check", "-", "--format", "json"], b"# caf\xe9\nevents {}\nhttp { add_header X caf\xe9 }\n");
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let f = &v["findings"][0];
    assert_eq!(f["message"], "unexpected \"}\"");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64(), f["offset"].as_u64()), (Some(3), Some(26), Some(42)));
}

#[test]
fn directives_without_arguments_do_not_crash_rules() {
    // Every rule must cope with a directive that has no arguments at all
    // (found by the differential test: `listen;`).
    let mut text = String::from("events {}\nhttp {\n  server {\n");
    for name in ["listen", "server_name", "location", "rewrite", "expires", "proxy_buffers", "root", "try_files", "if"]
    {
        text.push_str(&format!("    {name};\n"));
    }
    text.push_str("  }\n  map $a $b { }\n}\n");
    let o = run_stdin(&["check", "-", "--format", "json"], text.as_bytes());
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    json(&o);
}

#[test]
fn extra_directives_are_not_reported() {
    let conf = b"events {}\nhttp { acme_guard on; server { acme_shield a b c { x 1; } proxy_pass http://a; } }\n";
    let o = run_stdin(&["check", "-", "--format", "json"], conf);
    let rules = rules_of(&json(&o));
    assert_eq!(rules.iter().filter(|r| *r == "unknown-directive").count(), 2, "{rules:?}");
    let o = run_stdin(
        &[
            "check",
            "-",
            "--format",
            "json",
            "--extra-directive",
            "acme_guard,acme_shield",
            "--extra-directive",
            "proxy_pass",
        ],
        conf,
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(rules_of(&json(&o)).is_empty());
}

#[test]
fn rules_json_lists_each_rules_confidence() {
    let o = run(&["rules", "--format", "json"], Path::new(env!("CARGO_MANIFEST_DIR")));
    let v = json(&o);
    let rules = v.as_array().unwrap();
    let of = |name: &str| rules.iter().find(|r| r["name"] == name).unwrap()["confidence"].clone();
    assert_eq!(of("syntax-error"), "high");
    assert_eq!(of("ssrf-in-pass"), "medium");
    assert_eq!(of("missing-default-server"), "low");
    assert!(rules.iter().all(|r| matches!(r["confidence"].as_str(), Some("high" | "medium" | "low"))));
}

// ---- confinement ------------------------------------------------------------

/// A pull request's tree that tries to read files beside and above it.
#[test]
fn includes_outside_the_tree_are_not_read() {
    let d = scratch("confine");
    // Directive names that would show up in findings if the files were read.
    write(&d, "secret.conf", b"SECRET_ONE_e2d1 on;\n");
    write(&d, "outside/secret2.conf", b"SECRET_TWO_9f3a on;\n");
    write(&d, "outside/secret3.conf", b"SECRET_THREE_77b0 on;\n");
    write(
        &d,
        "pr/tree/nginx.conf",
        b"events {}\nhttp {\n  include /etc/shadow;\n  include ../../secret.conf;\n  include link.conf;\n  include conf.d/*.conf;\n  include /etc/nginx/mime.types;\n  include fastcgi_params;\n}\n",
    );
    write(&d, "pr/tree/conf.d/ok.conf", b"server { listen 80; }\n");
    std::os::unix::fs::symlink("../../outside/secret2.conf", d.join("pr/tree/link.conf")).unwrap();
    std::os::unix::fs::symlink("../../../outside/secret3.conf", d.join("pr/tree/conf.d/evil.conf")).unwrap();
    std::os::unix::fs::symlink("../../../outside", d.join("pr/tree/conf.d/subdir")).unwrap();
    let tree = d.join("pr/tree");
    let secrets = ["SECRET_ONE", "SECRET_TWO", "SECRET_THREE"];
    let runs: [&[&str]; 4] =
        [&["check", "nginx.conf"], &["check", "."], &["check", "-c", "nginx.conf"], &["check", "conf.d", "nginx.conf"]];
    for args in runs {
        for format in ["json", "concise", "pretty"] {
            let mut all = args.to_vec();
            all.extend(["--format", format, "--color", "always"]);
            let o = run(&all, &tree);
            let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            for s in secrets {
                assert!(!out.contains(s) && !err.contains(s), "{all:?} leaked {s}:\n{out}\n{err}");
            }
            assert!(matches!(o.status.code(), Some(0) | Some(1)), "{all:?}: {:?}\n{err}", o.status);
            if format == "json" {
                let v = json(&o);
                let outside: Vec<&str> = v["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["rule"] == "include-outside-root")
                    .map(|f| f["message"].as_str().unwrap())
                    .collect();
                // /etc/shadow, ../../secret.conf, link.conf, conf.d/evil.conf; not
                // mime.types or fastcgi_params (stock files).
                assert_eq!(outside.len(), 4, "{all:?}: {outside:#?}");
                assert!(outside.iter().any(|m| m.contains("/etc/shadow")), "{outside:?}");
                assert!(outside.iter().all(|m| !m.contains("mime.types")), "{outside:?}");
            }
        }
    }
    // Walking the tree does not follow the links out of it either, and says so.
    let o = run(&["check", ".", "--format", "json"], &tree);
    let v = json(&o);
    let errors = v["errors"].to_string();
    assert!(errors.contains("subdir") && errors.contains("not followed"), "{errors}");
    // --root widens the tree: then the files are read (and their names show).
    let o = run(&["check", "nginx.conf", "--format", "json", "--root", "../.."], &tree);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("SECRET_ONE") && out.contains("SECRET_TWO"), "{out}");
    // A map target is inside the tree too.
    let o = run(&["check", "nginx.conf", "--format", "json", "--map", "/srv/x=../../outside"], &tree);
    let v = json(&o);
    assert!(!rules_of(&v).is_empty());
}

#[test]
fn a_map_target_may_be_read() {
    let d = scratch("confine-map");
    write(&d, "shared/common.conf", b"server_tokens off;\n");
    write(&d, "tree/nginx.conf", b"events {}\nhttp { include /srv/shared/common.conf; }\n");
    let tree = d.join("tree");
    let o = run(&["check", "nginx.conf", "--format", "json"], &tree);
    assert_eq!(rules_of(&json(&o)), vec!["include-outside-root"]);
    let o = run(&["check", "nginx.conf", "--format", "json", "--map", "/srv/shared=../shared"], &tree);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["summary"]["files"], 2);
}

// ---- output safety ------------------------------------------------------------

/// Terminal escapes planted in a config: a colour change, a window title
/// (OSC, ended by BEL), a cursor move, a C1 CSI, and a bidi override.
const PLANTED: [&str; 5] = ["\x1b[38;5;201m", "\x1b]0;PWNED\x07", "\x1b[2J", "\u{9b}6n", "\u{202e}"];

fn assert_no_planted(what: &str, out: &[u8]) {
    let s = String::from_utf8_lossy(out);
    for p in PLANTED {
        assert!(!s.contains(p), "{what}: {p:?} reached the output:\n{s:?}");
    }
    assert!(!s.contains("\x07") && !s.contains('\u{9b}'), "{what}: {s:?}");
}

#[test]
fn escapes_in_names_arguments_and_file_names_are_neutralised() {
    let d = scratch("escapes");
    let evil_name = format!("e{}vil", PLANTED.join(""));
    let config = format!(
        "events {{}}\nhttp {{\n  {evil_name} on;\n  server_tokens \"{}\";\n  server {{ location /{} {{ }} location /{} {{ }} }}\n  include {}.conf;\n}}\n",
        PLANTED.join(""),
        PLANTED[0],
        PLANTED[0],
        PLANTED[1]
    );
    write(&d, "nginx.conf", config.as_bytes());
    // A file whose name carries escapes, with a finding in it.
    write(&d, &format!("conf.d/x{}.conf", PLANTED[0]), format!("{evil_name};\n").as_bytes());
    for args in [&["check", "nginx.conf"][..], &["check", "."]] {
        for (format, colour) in [("concise", "never"), ("pretty", "never"), ("pretty", "always"), ("json", "never")] {
            let mut all = args.to_vec();
            all.extend(["--format", format, "--color", colour]);
            let o = run(&all, &d);
            assert_eq!(o.status.code(), Some(1), "{all:?}");
            assert_no_planted(&format!("{all:?} stdout"), &o.stdout);
            assert_no_planted(&format!("{all:?} stderr"), &o.stderr);
            if format == "json" {
                // JSON escapes what it carries: no raw control byte at all.
                assert!(!o.stdout.iter().any(|b| *b < 0x20 && *b != b'\n'), "{all:?}");
                assert!(json(&o)["findings"].as_array().unwrap().len() >= 4);
            } else if colour == "never" {
                assert!(!o.stdout.contains(&0x1b), "{all:?}");
            }
        }
    }
    // Standard input named with escapes.
    let name = format!("a{}.conf", PLANTED.join(""));
    for format in ["concise", "pretty", "json"] {
        let o = run_stdin(
            &["check", "-", "--stdin-filename", &name, "--format", format, "--color", "never"],
            config.as_bytes(),
        );
        assert_no_planted(format, &o.stdout);
        assert_no_planted(format, &o.stderr);
    }
}

// ---- limits -----------------------------------------------------------------

#[test]
fn findings_per_file_are_capped_with_a_message_naming_the_flag() {
    let mut text = String::from("events {}\nhttp {\n");
    for i in 0..50 {
        text.push_str(&format!("  bogus_{i} on;\n"));
    }
    text.push_str("}\n");
    let o = run_stdin(&["check", "-", "--format", "json", "--max-findings-per-file", "10"], text.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["findings"].as_array().unwrap().len(), 10);
    assert_eq!(v["findings"][9]["line"], 12, "the first ten are kept");
    let errors = v["errors"].to_string();
    assert!(errors.contains("40 more findings") && errors.contains("--max-findings-per-file"), "{errors}");
    let o = run_stdin(&["check", "-", "--max-findings-per-file", "10"], text.as_bytes());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-findings-per-file"));
}

#[test]
fn include_fan_out_is_capped_with_a_message_naming_the_flag() {
    // Ten includes of a file with ten includes of ... : 10^6 occurrences of
    // a file that is read once.
    let d = scratch("fanout");
    write(&d, "nginx.conf", format!("events {{}}\nhttp {{ {} }}\n", "include l1.conf; ".repeat(10)).as_bytes());
    for i in 1..6 {
        write(&d, &format!("l{i}.conf"), format!("{}\n", format!("include l{}.conf; ", i + 1).repeat(10)).as_bytes());
    }
    write(&d, "l6.conf", b"add_header X-Fan out;\n");
    let o = run(&["check", "nginx.conf", "--format", "json", "--max-directives", "100000"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let errors = json(&o)["errors"].to_string();
    assert!(errors.contains("100000 directives") && errors.contains("--max-directives"), "{errors}");
}

#[test]
fn a_word_longer_than_nginx_reads_is_a_syntax_error() {
    // nginx's buffer: a word of 4096 bytes or more is "too long parameter".
    let text = format!("events {{}}\nhttp {{ server_name {}; }}\n", "a".repeat(5000));
    let o = run_stdin(&["check", "-", "--format", "json"], text.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(v["findings"][0]["message"].as_str().unwrap().starts_with("too long parameter"), "{v}");
}

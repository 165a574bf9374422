//! Our directive table against the facts extracted from the installed nginx
//! (../shared/oracle/directives.tsv). Skips when ../shared is absent.

mod common;

use ngxlint::model::context::Context;
use ngxlint::model::directives::{table, ModuleType};

fn arity_text(s: &ngxlint::model::directives::DirectiveSpec) -> String {
    let a = s.arity;
    let inner = if a.flag {
        "flag".to_string()
    } else if a.unbounded && a.mask == 0xff {
        "any".to_string()
    } else if a.unbounded {
        format!("{}+", a.mask.trailing_zeros())
    } else {
        let counts: Vec<u32> = (0..8).filter(|n| a.mask & (1 << n) != 0).collect();
        let contiguous = counts.windows(2).all(|w| w[1] == w[0] + 1);
        match counts.as_slice() {
            [n] => n.to_string(),
            [first, .., last] if contiguous => format!("{first}-{last}"),
            _ => counts.iter().map(u32::to_string).collect::<Vec<_>>().join("|"),
        }
    };
    if s.is_block() {
        if inner == "0" {
            "block".into()
        } else {
            format!("block:{inner}")
        }
    } else {
        inner
    }
}

#[test]
fn table_agrees_with_the_oracle_facts() {
    let Some(shared) = common::shared() else { return };
    let tsv = std::fs::read_to_string(shared.join("oracle/directives.tsv")).expect("directives.tsv");
    let t = table();
    let (mut rows, mut agree) = (0, 0);
    let mut problems = Vec::new();
    let mut matched = std::collections::HashSet::new();
    for line in tsv.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (name, module, contexts, arity, opens, mtype, binary) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
        rows += 1;
        let Some(ours) = t.get(name).iter().find(|s| s.module == module) else {
            problems.push(format!("missing: {name} ({module})"));
            continue;
        };
        matched.insert((name, module));
        let mut diffs = Vec::new();
        let ctx: Vec<&str> = ours.contexts.iter().map(Context::name).collect();
        let want_ctx: Vec<&str> = contexts.split(',').collect();
        let (mut a, mut b) = (ctx.clone(), want_ctx.clone());
        a.sort();
        b.sort();
        if a != b {
            diffs.push(format!("contexts {} vs {}", ctx.join(","), contexts));
        }
        if arity_text(ours) != arity {
            diffs.push(format!("arity {} vs {arity}", arity_text(ours)));
        }
        let our_opens = match ours.opens {
            Some(Context::IfInLocation) if name == "if" => "if_in_server|if_in_location".to_string(),
            Some(c) => c.name().to_string(),
            None => String::new(),
        };
        if our_opens != opens {
            diffs.push(format!("opens {our_opens} vs {opens}"));
        }
        let our_type = match ours.module_type {
            ModuleType::Core => "core",
            ModuleType::Conf => "conf",
            ModuleType::Event => "event",
            ModuleType::Http => "http",
            ModuleType::Stream => "stream",
            ModuleType::Mail => "mail",
            ModuleType::Rtmp => "rtmp",
        };
        if our_type != mtype {
            diffs.push(format!("module type {our_type} vs {mtype}"));
        }
        let our_bin = ours.binary.map_or("builtin".to_string(), |b| format!("{b}.so"));
        if our_bin != binary {
            diffs.push(format!("binary {our_bin} vs {binary}"));
        }
        if !ours.in_1_22 {
            diffs.push("marked newer than 1.22".into());
        }
        if diffs.is_empty() {
            agree += 1;
        } else {
            problems.push(format!("{name} ({module}): {}", diffs.join("; ")));
        }
    }
    let extra: Vec<String> = t
        .all()
        .iter()
        .filter(|s| !matched.contains(&(s.name, s.module)))
        .map(|s| format!("{}{}", s.name, if s.in_1_22 { " (claims to be in 1.22!)" } else { "" }))
        .collect();
    let bad_extra: Vec<&String> = extra.iter().filter(|e| e.contains("claims")).collect();
    println!(
        "directive table vs directives.tsv: {rows} rows, {agree} agree, {} differ or missing, {} extra rows newer than 1.22",
        problems.len(),
        extra.len() - bad_extra.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty() && bad_extra.is_empty(), "{problems:?} {bad_extra:?}");
}

/// How many rows of each table file say kind=, default= and since=.
#[test]
fn completeness_per_table_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model/directives");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    println!("{:<16} {:>6} {:>6} {:>8} {:>6}", "table", "rows", "kind", "default", "since");
    let mut total = [0usize; 4];
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "tbl")) {
        let text = std::fs::read_to_string(f).unwrap();
        let rows: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('@'))
            .collect();
        let has = |key: &str| rows.iter().filter(|r| r.split_whitespace().any(|w| w.starts_with(key))).count();
        let c = [rows.len(), has("kind="), has("default="), has("since=")];
        for (t, n) in total.iter_mut().zip(c) {
            *t += n;
        }
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        println!("{name:<16} {:>6} {:>6} {:>8} {:>6}", c[0], c[1], c[2], c[3]);
    }
    println!("{:<16} {:>6} {:>6} {:>8} {:>6}", "all", total[0], total[1], total[2], total[3]);
}

mod against_nginx {
    //! Value kinds and documented defaults against the real nginx (the
    //! shared oracle): a valid sample of each checkable kind must pass both
    //! nginx and ngxlint, an invalid one must fail both on its line, and
    //! `NAME DEFAULT;` must pass both.
    use super::common;
    use ngxlint::lint::{LintOptions, Selection, Severity};
    use ngxlint::load::{Entry, LoadOptions};
    use ngxlint::model::context::Context;
    use ngxlint::model::directives::{table, DirectiveSpec, ValueKind, Version};
    use rayon::prelude::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// Rows left out, with the reason (nginx needs more than one line, or the
    /// generic sample breaks a range check that is not part of the kind).
    const SKIP_KIND: &[(&str, &str)] = &[
        (
            "fancyindex_css_href",
            "declared NGX_CONF_FLAG but stored as a string: nginx takes any word, so no value is invalid",
        ),
        (
            "fancyindex_time_format",
            "declared NGX_CONF_FLAG but stored as a string: nginx takes any word, so no value is invalid",
        ),
        ("fancyindex_name_length", "declared NGX_CONF_FLAG but parsed as a number: `on` is refused"),
        ("lua_load_resty_core", "obsolete in lua-nginx-module: any value only gives a warning"),
        (
            "lua_capture_error_log",
            "needs an nginx patch Debian's build lacks: \"directive not found\" whatever the value",
        ),
        ("nchan_redis_ssl_verify_certificate", "nchan 1.3.6 registers it twice: any use is `is duplicate`"),
        ("nchan_redis_tls_verify_certificate", "nchan 1.3.6 registers it twice: any use is `is duplicate`"),
        (
            "set_misc_base32_padding",
            "the deprecated name of set_base32_padding, same field: both in one batch are `is duplicate`",
        ),
    ];

    /// Defaults left out of the `NAME DEFAULT;` check, with the reason.
    const SKIP_DEFAULT: &[(&str, &str)] = &[
        ("keepalive", "the documented default (32 local) is nginx 1.29's; 1.22 has none and takes one argument"),
        ("user", "the default group nobody does not exist on Debian (it is nogroup)"),
        ("proxy_redirect", "`proxy_redirect default` needs a proxy_pass before it"),
    ];

    fn checkable(k: ValueKind) -> bool {
        use ValueKind::*;
        matches!(
            k,
            Flag | Size | Offset | Time | Sec | Number | NumberOrAuto | Enum(_) | Bitmask(_) | Bufs | Expires | Rewrite
        )
    }

    /// The wrapper lines before and after the directive for one context.
    fn wrapper(ctx: Context) -> Option<(&'static [&'static str], &'static [&'static str])> {
        use Context::*;
        Some(match ctx {
            Main => (&[], &["events {}"]),
            Events => (&["events {"], &["}"]),
            Http => (&["events {}", "http {"], &["}"]),
            Server => (&["events {}", "http {", "server {", "listen 8080;"], &["}", "}"]),
            Location => (&["events {}", "http {", "server {", "listen 8080;", "location / {"], &["}", "}", "}"]),
            LimitExcept => (
                &["events {}", "http {", "server {", "listen 8080;", "location / {", "limit_except GET {"],
                &["}", "}", "}", "}"],
            ),
            Upstream => (
                &["events {}", "http {", "upstream u {", "server 127.0.0.1:8081;"],
                &["}", "server { listen 8080; location / { proxy_pass http://u; } }", "}"],
            ),
            Stream => (&["events {}", "stream {"], &["}"]),
            StreamServer => (&["events {}", "stream {", "server {", "listen 12345;"], &["return x;", "}", "}"]),
            StreamUpstream => (
                &["events {}", "stream {", "upstream u {", "server 127.0.0.1:8081;"],
                &["}", "server { listen 12345; proxy_pass u; }", "}"],
            ),
            Mail => (&["events {}", "mail {"], &["}"]),
            MailServer => (
                &["events {}", "mail {", "server {", "listen 1025;", "protocol smtp;", "auth_http 127.0.0.1:9/auth;"],
                &["}", "}"],
            ),
            Rtmp => (&["events {}", "rtmp {"], &["}"]),
            RtmpServer => (&["events {}", "rtmp {", "server {", "listen 1935;"], &["}", "}"]),
            RtmpApplication => {
                (&["events {}", "rtmp {", "server {", "listen 1935;", "application a {"], &["}", "}", "}"])
            }
            _ => return None,
        })
    }

    const PREFERRED: [Context; 16] = [
        Context::Main,
        Context::Events,
        Context::Http,
        Context::Server,
        Context::Location,
        Context::Upstream,
        Context::LimitExcept,
        Context::Stream,
        Context::StreamServer,
        Context::StreamUpstream,
        Context::Mail,
        Context::MailServer,
        Context::Rtmp,
        Context::RtmpServer,
        Context::RtmpApplication,
        Context::Unknown,
    ];

    /// The first context where nginx dispatches this name to this row.
    fn context_for(s: &DirectiveSpec) -> Option<Context> {
        PREFERRED.into_iter().find(|&c| {
            s.contexts.contains(c)
                && wrapper(c).is_some()
                && table().resolve(s.name, c).is_some_and(|r| r.module == s.module)
        })
    }

    /// The fewest arguments the arity takes (at least one).
    fn nargs(s: &DirectiveSpec) -> Option<usize> {
        (1..8).find(|n| s.arity.accepts(*n))
    }

    /// Arguments of a valid and an invalid value of the row's kind.
    fn samples(s: &DirectiveSpec) -> Option<(String, String)> {
        use ValueKind::*;
        let n = nargs(s)?;
        let each = |v: &str| vec![v; n].join(" ");
        let words = s.kind.words();
        Some(match s.kind {
            Flag => (each("on"), each("maybe")),
            Size => (each("8k"), each("zz9")),
            Offset => (each("1m"), each("zz9")),
            Time | Sec => (each("30s"), each("zz9")),
            // Status codes and the like have ranges: the default is in range.
            Number => {
                let number = |d: &String| {
                    d.split(' ').count() == n && d.split(' ').all(|w| w.bytes().all(|b| b.is_ascii_digit()))
                };
                (default_args(s).filter(number).unwrap_or_else(|| each("2")), each("zz9"))
            }
            NumberOrAuto => (each("auto"), each("zz9")),
            Enum(_) | Bitmask(_) => {
                let w = words.iter().find(|w| **w != "off").or(words.first())?;
                (each(w), each("zz9"))
            }
            Bufs if s.arity.accepts(2) => ("4 8k".into(), "4 zz9".into()),
            Expires if s.arity.accepts(1) => ("1h".into(), "zz9".into()),
            Rewrite if s.arity.accepts(3) => ("^/a$ /b last".into(), "^/a$ /b maybe".into()),
            _ => return None,
        })
    }

    /// `NAME DEFAULT;` arguments: the first alternative of `a|b`, `_` read as
    /// a space unless the arity then refuses it (`$proxy_host` keeps its `_`).
    fn default_args(s: &DirectiveSpec) -> Option<String> {
        let d = s.default?.split('|').next()?.trim_matches('_');
        let spaced = d.replace('_', " ");
        // A path keeps its `_` (client_body_temp).
        let path_like = matches!(s.kind, ValueKind::Path | ValueKind::Str | ValueKind::Url | ValueKind::Var);
        if path_like && s.arity.accepts(1) {
            Some(d.to_string())
        } else if s.arity.accepts(spaced.split(' ').count()) {
            Some(spaced)
        } else if s.arity.accepts(1) {
            Some(d.to_string())
        } else {
            None
        }
    }

    fn dynamic_loaded(s: &DirectiveSpec) -> bool {
        s.binary.is_none_or(|b| Path::new(&format!("/usr/lib/nginx/modules/{b}.so")).exists())
    }

    /// One directive line to try.
    #[derive(Clone)]
    struct Item {
        row: usize,
        ctx: Context,
        line: String,
    }

    struct Oracle {
        path: PathBuf,
        dir: PathBuf,
    }

    impl Oracle {
        /// Writes a config with the items in their context (all items share
        /// it); returns the file and the line of each item.
        fn write(&self, tag: &str, items: &[Item]) -> (PathBuf, Vec<u32>) {
            let (pre, post) = wrapper(items[0].ctx).unwrap();
            let mut text = String::new();
            let mut lines = Vec::new();
            let mut n = 0;
            for l in pre {
                text.push_str(l);
                text.push('\n');
                n += 1;
            }
            for it in items {
                text.push_str(&it.line);
                text.push('\n');
                n += 1;
                lines.push(n);
            }
            for l in post {
                text.push_str(l);
                text.push('\n');
            }
            let path = self.dir.join(format!("{tag}.conf"));
            std::fs::write(&path, text).unwrap();
            (path, lines)
        }

        fn run(&self, conf: &Path, dynamic: bool) -> serde_json::Value {
            let out = Command::new(&self.path)
                .args(["--modules", if dynamic { "all" } else { "none" }])
                .arg(conf)
                .output()
                .expect("run nginx-oracle");
            serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
        }

        /// nginx's verdict on each item: `None` accepted, `Some(message)`
        /// rejected. One run when all pass; a rejected line is dropped and
        /// the rest run again; an error nginx gives without one of our lines
        /// splits the batch in halves.
        fn batch(&self, tag: &str, items: &[Item]) -> Vec<(usize, Option<String>)> {
            let mut out = Vec::new();
            let mut rest: Vec<Item> = items.to_vec();
            let mut round = 0;
            while !rest.is_empty() {
                round += 1;
                let dynamic = rest.iter().any(|i| table().all()[i.row].binary.is_some());
                let (conf, lines) = self.write(&format!("{tag}-{round}"), &rest);
                let v = self.run(&conf, dynamic);
                if v["ok"].as_bool() == Some(true) {
                    out.extend(rest.iter().map(|i| (i.row, None)));
                    break;
                }
                let msgs = v["messages"].as_array().cloned().unwrap_or_default();
                let first = msgs.iter().find(|m| m["level"] == "emerg").or(msgs.first());
                let text = first.map_or_else(|| format!("{v}"), |m| m["text"].as_str().unwrap_or("").to_string());
                let at = first.and_then(|m| m["line"].as_u64()).and_then(|l| lines.iter().position(|x| *x as u64 == l));
                match at {
                    // In a batch, two names of one setting (nchan's push_*
                    // aliases) or exclusive ones (mail ssl and starttls)
                    // clash: a rejected line is judged again on its own.
                    Some(i) if rest.len() > 1 => {
                        let alone = rest.remove(i);
                        out.extend(self.batch(&format!("{tag}-{round}-alone"), &[alone]));
                    }
                    Some(i) => {
                        out.push((rest[i].row, Some(text)));
                        rest.remove(i);
                    }
                    None if rest.len() == 1 => {
                        out.push((rest[0].row, Some(text)));
                        break;
                    }
                    None => {
                        let (a, b) = rest.split_at(rest.len() / 2);
                        out.extend(self.batch(&format!("{tag}-{round}a"), a));
                        out.extend(self.batch(&format!("{tag}-{round}b"), b));
                        break;
                    }
                }
            }
            out
        }
    }

    /// ngxlint's error findings per line of a file.
    fn lint_errors(conf: &Path) -> Vec<(u32, u32, String)> {
        let opts = LoadOptions { root: Some("/".into()), ..LoadOptions::default() };
        // The oracle is nginx 1.22.1: judge removed and new directives by it.
        let lint_opts = LintOptions::for_version(Version { major: 1, minor: 22, patch: 1 });
        let lint = ngxlint::check_with(&[Entry::Path(conf.to_path_buf())], &opts, &Selection::default(), &lint_opts);
        lint.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                let f = lint.loaded.file(d.finding.span.file);
                let (l, el) = (f.line_col(d.finding.span.start).0, f.line_col(d.finding.span.end).0);
                (l, el, format!("{}: {}", d.rule, d.finding.message))
            })
            .collect()
    }

    fn on_line(errors: &[(u32, u32, String)], line: u32) -> Option<&str> {
        errors.iter().find(|e| e.0 <= line && line <= e.1).map(|e| e.2.as_str())
    }

    /// Groups items by context and by built-in or dynamic, at most 120 a batch.
    fn batches(items: Vec<Item>) -> Vec<Vec<Item>> {
        let mut groups: std::collections::BTreeMap<(u8, bool), Vec<Item>> = Default::default();
        for it in items {
            let dynamic = table().all()[it.row].binary.is_some();
            groups.entry((it.ctx as u8, dynamic)).or_default().push(it);
        }
        groups.into_values().flat_map(|g| g.chunks(120).map(<[Item]>::to_vec).collect::<Vec<_>>()).collect()
    }

    /// Per row: `None` accepted, `Some(message)` rejected.
    type Verdicts = Vec<(usize, Option<String>)>;

    #[derive(Default)]
    struct Tally {
        checked: usize,
        agree: usize,
        nginx_only: usize,
        disagree: Vec<String>,
    }

    #[test]
    fn kinds_and_defaults_agree_with_real_nginx() {
        let Some(path) = common::oracle() else { return };
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("directive-kinds");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let oracle = Oracle { path, dir };
        let rows = table().all();
        let skipped = |list: &[(&str, &str)], name: &str| list.iter().any(|(n, _)| *n == name);

        let (mut valid, mut invalid, mut defaults) = (Vec::new(), Vec::new(), Vec::new());
        let mut no_context = Vec::new();
        for (i, s) in rows.iter().enumerate() {
            if !s.in_1_22 || s.is_block() || !dynamic_loaded(s) {
                continue;
            }
            let wants_kind = checkable(s.kind) && !skipped(SKIP_KIND, s.name);
            let wants_default = s.default.is_some() && !skipped(SKIP_DEFAULT, s.name);
            if !wants_kind && !wants_default {
                continue;
            }
            let Some(ctx) = context_for(s) else {
                no_context.push(s.name);
                continue;
            };
            if wants_kind {
                if let Some((good, bad)) = samples(s) {
                    valid.push(Item { row: i, ctx, line: format!("{} {good};", s.name) });
                    invalid.push(Item { row: i, ctx, line: format!("{} {bad};", s.name) });
                }
            }
            if let Some(args) = default_args(s).filter(|_| wants_default) {
                defaults.push(Item { row: i, ctx, line: format!("{} {args};", s.name) });
            }
        }

        let started = std::time::Instant::now();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        // Accepted by both: many lines a config, nginx's verdict per line.
        let judge_valid = |tag: &str, items: Vec<Item>, t: &mut Tally| {
            let groups = batches(items);
            let results: Vec<(Verdicts, Verdicts)> = pool.install(|| {
                groups
                    .par_iter()
                    .enumerate()
                    .map(|(g, items)| {
                        let (conf, lines) = oracle.write(&format!("{tag}{g}-all"), items);
                        let errors = lint_errors(&conf);
                        let ours = items
                            .iter()
                            .zip(&lines)
                            .map(|(it, l)| (it.row, on_line(&errors, *l).map(str::to_string)))
                            .collect();
                        (oracle.batch(&format!("{tag}{g}"), items), ours)
                    })
                    .collect()
            });
            for (nginx, ours) in results {
                for (row, verdict) in nginx {
                    let s = &rows[row];
                    let lint = ours.iter().find(|o| o.0 == row).and_then(|o| o.1.as_deref());
                    t.checked += 1;
                    match (verdict, lint) {
                        (None, None) => t.agree += 1,
                        (Some(m), _) => t.disagree.push(format!("{} ({}): nginx rejects: {m}", s.name, s.module)),
                        (None, Some(e)) => t.disagree.push(format!("{} ({}): ngxlint rejects: {e}", s.name, s.module)),
                    }
                }
            }
        };
        let mut valid_t = Tally::default();
        judge_valid("valid", valid, &mut valid_t);
        let mut default_t = Tally::default();
        judge_valid("default", defaults, &mut default_t);
        let batch_time = started.elapsed();

        // Refused by both, on the directive's line: nginx stops at the first
        // error, so one run each; ngxlint reads a whole batch at once.
        let mut ours: std::collections::HashMap<usize, Option<String>> = Default::default();
        for (g, items) in batches(invalid.clone()).iter().enumerate() {
            let (conf, lines) = oracle.write(&format!("invalid{g}-all"), items);
            let errors = lint_errors(&conf);
            for (it, l) in items.iter().zip(&lines) {
                ours.insert(it.row, on_line(&errors, *l).map(str::to_string));
            }
        }
        let results: Vec<(usize, serde_json::Value, u32, Option<String>)> = pool.install(|| {
            invalid
                .par_iter()
                .map(|it| {
                    let (conf, lines) = oracle.write(&format!("invalid-{}", it.row), std::slice::from_ref(it));
                    let v = oracle.run(&conf, rows[it.row].binary.is_some());
                    (it.row, v, lines[0], ours[&it.row].clone())
                })
                .collect()
        });
        let invalid_time = started.elapsed();
        let mut invalid_t = Tally::default();
        for (row, v, line, ours) in results {
            let s = &rows[row];
            invalid_t.checked += 1;
            let emerg = v["messages"]
                .as_array()
                .and_then(|m| m.iter().find(|m| m["level"] == "emerg" && m["line"].as_u64() == Some(line as u64)));
            let nginx_rejects = v["ok"].as_bool() == Some(false) && emerg.is_some();
            // invalid-directive-value leaves dynamic modules' directives alone.
            let lint_applies = s.binary.is_none();
            match (nginx_rejects, ours.is_some(), lint_applies) {
                (true, true, true) => invalid_t.agree += 1,
                (true, _, false) => invalid_t.nginx_only += 1,
                (true, false, true) => {
                    invalid_t.disagree.push(format!("{} ({}): ngxlint accepts an invalid value", s.name, s.module))
                }
                (false, _, _) => invalid_t.disagree.push(format!(
                    "{} ({}): nginx accepts the invalid value (ngxlint: {})",
                    s.name,
                    s.module,
                    ours.as_deref().unwrap_or("accepts")
                )),
            }
        }

        println!("directive kinds and defaults vs nginx 1.22 ({} rows in the table)", rows.len());
        println!("{:<28} {:>8} {:>8} {:>11} {:>9}", "check", "checked", "agree", "nginx only", "disagree");
        for (name, t) in
            [("kind: valid sample", &valid_t), ("kind: invalid sample", &invalid_t), ("documented default", &default_t)]
        {
            println!("{name:<28} {:>8} {:>8} {:>11} {:>9}", t.checked, t.agree, t.nginx_only, t.disagree.len());
        }
        let all: Vec<&String> = valid_t.disagree.iter().chain(&invalid_t.disagree).chain(&default_t.disagree).collect();
        for d in &all {
            println!("  {d}");
        }
        println!(
            "time: {:.1}s for the batched valid and default checks, {:.1}s for {} single invalid runs",
            batch_time.as_secs_f64(),
            (invalid_time - batch_time).as_secs_f64(),
            invalid_t.checked
        );
        println!("skipped (kind): {:?}", SKIP_KIND);
        println!("skipped (default): {:?}", SKIP_DEFAULT);
        if !no_context.is_empty() {
            println!("no context to try them in: {}", no_context.join(", "));
        }
        let checked = valid_t.checked + invalid_t.checked + default_t.checked;
        println!(
            "summary: {checked} checks, {} agree, {} nginx only (dynamic modules), {} disagree",
            valid_t.agree + invalid_t.agree + default_t.agree,
            invalid_t.nginx_only,
            all.len()
        );
        assert!(all.is_empty(), "{} disagreements with nginx", all.len());
    }
}

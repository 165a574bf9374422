use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::Model;
use crate::model::tree::InstId;
use crate::model::vars::{capture_groups, may_hold_newline, may_match_newline, variables};
use rustc_hash::FxHashSet;

declare_rule! {
    /// ## What it does
    /// Reports a variable that may hold a line break written into a response
    /// header or into the request sent to a backend: `$uri` or
    /// `$document_uri` (nginx percent-decodes them, so `%0d%0a` becomes a
    /// real CR LF), or a regex capture whose group can match a line feed
    /// (`([^/]+)`, `(\s*)`), also through `set`, used in a redirecting
    /// `return` or `rewrite`, in `add_header`, in `proxy_set_header` or in
    /// `proxy_pass`. A `rewrite`'s own captures are not reported: nginx
    /// escapes them when the request URI was percent-encoded, the only way
    /// a line feed gets into them.
    ///
    /// ## Why is this bad?
    /// A request for `/x%0d%0aSet-Cookie:%20session=evil` then ends the
    /// header line early and adds headers of the attacker's choosing to the
    /// response (HTTP response splitting), or a second request to the
    /// backend. That is enough for session fixation, cache poisoning and
    /// cross-site scripting.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             return 301 https://example.com$uri;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             return 301 https://example.com$request_uri;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#var_uri>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/httpsplitting.md>
    pub struct HttpResponseSplitting {
        name: "http-response-splitting",
        category: Security,
        severity: Warning,
        summary: "a variable that may hold CR LF is written into a header",
        pass: &[
            "events {}\nhttp { server { location / { return 301 https://$host$request_uri; } } }\n",
            "events {}\nhttp { server { location ~ /v1/(.*) { add_header X-Path $1; } } }\n",
            "events {}\nhttp { server { location / { return 200 \"$uri\"; } } }\n",
            "events {}\nhttp { server { rewrite ^/old/([^/]+)$ /new/$1 last; } }\n",
            "events {}\nhttp { server { rewrite ^/old/([^/]+)$ https://example.com/new/$1 permanent; } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { return 302 https://example.com$uri; } } }\n",
            "events {}\nhttp { server { location ~ /v1/([^.]*)\\.json { add_header X-Action $1; } } }\n",
            "events {}\nhttp { server { location ~ /proxy/(a|b)/(\\W*)$ { set $p $2; proxy_pass http://storage/$p; } } }\n",
            "events {}\nhttp { server { location / { proxy_set_header X-Original-URI $document_uri; proxy_pass http://127.0.0.1:1$uri; } } }\n",
        ],
    }
}

/// The variable of `value` (seen by directive `at`) that may carry a line feed, and why.
fn newline_var(m: &Model<'_>, sets: &FxHashSet<&str>, at: InstId, value: &str, depth: u8) -> Option<String> {
    for v in variables(value) {
        if may_hold_newline(v) {
            return Some(format!("${v} is percent-decoded and may contain CR LF"));
        }
        // A variable `set` from one that may carry a line feed.
        if depth < 3 && !v.as_bytes()[0].is_ascii_digit() && sets.contains(v) {
            if let Some(why) = set_from(m, at, v).and_then(|(s, val)| newline_var(m, sets, s, val, depth + 1)) {
                return Some(format!("${v} is set from a value that may: {why}"));
            }
        }
        // rewrite escapes its own captures when the URI was percent-encoded,
        // which is the only way a line feed gets into one.
        if m.directive(at).name() == "rewrite" {
            continue;
        }
        let Some((_, pattern)) = m.capture_regex(at) else { continue };
        let groups = capture_groups(pattern);
        let g = match v.parse::<usize>() {
            Ok(n) => groups.iter().find(|g| g.number == n),
            Err(_) => groups.iter().find(|g| g.name == Some(v)),
        };
        if let Some(g) = g.filter(|g| may_match_newline(g.body)) {
            return Some(format!("${v} is captured by \"({})\", which can match a line feed", g.body));
        }
    }
    None
}

/// The nearest `set $var VALUE` that applies where `at` stands.
fn set_from<'a>(m: &Model<'a>, at: InstId, var: &str) -> Option<(InstId, &'a str)> {
    let level = m.parent(at)?;
    m.chain(level).find_map(|l| {
        m.local(l, "set")
            .iter()
            .rev()
            .find(|&&s| m.arg(s, 0).and_then(|n| n.strip_prefix('$')) == Some(var))
            .and_then(|&s| Some((s, m.arg(s, 1)?)))
    })
}

impl Rule for HttpResponseSplitting {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // The variables some `set` assigns: only those are looked up level by level.
        let sets: FxHashSet<&str> = m.named("set").iter().filter_map(|&s| m.arg(s, 0)?.strip_prefix('$')).collect();
        let mut report = |id: InstId, value: &str, what: &str| {
            if let Some(why) = newline_var(m, &sets, id, value, 0) {
                out.push(
                    Finding::new(m.span(id), format!("{what} may be split by a line break: {why}"))
                        .help("use `$request_uri` (still encoded) instead of `$uri`, or capture with a class that excludes line breaks such as `([^/\\r\\n]+)`"),
                );
            }
        };
        for &id in m.named("return") {
            let a = m.args(id);
            let (code, url) = match a {
                [url] => (302, url.as_str()),
                [code, url] => (code.as_str().parse().unwrap_or(0), url.as_str()),
                _ => continue,
            };
            if matches!(code, 301 | 302 | 303 | 307 | 308) {
                report(id, url, "the Location header");
            }
        }
        for &id in m.named("rewrite") {
            let a = m.args(id);
            let Some(to) = a.get(1).map(|t| t.as_str()) else { continue };
            let flag = a.get(2).map(|f| f.as_str()).unwrap_or("");
            let redirect = matches!(flag, "redirect" | "permanent")
                || to.starts_with("http://")
                || to.starts_with("https://")
                || to.starts_with("$scheme");
            if redirect {
                report(id, to, "the Location header");
            }
        }
        for (directive, what) in
            [("add_header", "the response header"), ("proxy_set_header", "the header sent to the backend")]
        {
            for &id in m.named(directive) {
                if let Some(v) = m.arg(id, 1) {
                    report(id, v, what);
                }
            }
        }
        for &id in m.named("proxy_pass") {
            if let Some(url) = m.arg(id, 0) {
                report(id, url, "the request line sent to the backend");
            }
        }
    }
}

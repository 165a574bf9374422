use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass` to a literal address (no `upstream` block) in
    /// a location that prepares connection reuse, with `proxy_http_version
    /// 1.1` and `proxy_set_header Connection ""` set at that location.
    ///
    /// ## Why is this bad?
    /// Connection pools exist only for `upstream` blocks; an address written
    /// in `proxy_pass` gets a new connection per request whatever the
    /// headers say. The configuration looks tuned and is not.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_http_version 1.1;
    ///             proxy_set_header Connection "";
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         server 127.0.0.1:8080;
    ///         keepalive 16;
    ///     }
    ///     server {
    ///         location / {
    ///             proxy_pass http://app;
    ///             proxy_http_version 1.1;
    ///             proxy_set_header Connection "";
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive>
    pub struct KeepaliveToLiteralHost {
        name: "keepalive-to-literal-host",
        category: Performance,
        severity: Warning,
        summary: "keepalive headers toward an address that can have no connection pool",
        pass: &[
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 2; } server { location / { proxy_pass http://a; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
        ],
        fail: &["events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n"],
    }
}

impl Rule for KeepaliveToLiteralHost {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for p in &m.passes {
            if p.kind != PassKind::Proxy || p.target.upstream.is_some() || p.target.dynamic {
                continue;
            }
            // Only what this location itself sets: http-wide defaults are shared
            // with locations that do proxy to upstreams.
            let local_version = m.local(p.level, "proxy_http_version").last().copied();
            let conn = m.local(p.level, "proxy_set_header").iter().rev().copied().find(|&id| {
                m.arg(id, 0).is_some_and(|k| k.eq_ignore_ascii_case("Connection")) && m.arg(id, 1) == Some("")
            });
            let (Some(v), Some(c)) = (local_version, conn) else { continue };
            if m.arg(v, 0) != Some("1.1") {
                continue;
            }
            out.push(
                Finding::new(
                    m.span(p.inst),
                    format!("no connection pool can exist for {}: it is not an upstream block", p.target.address()),
                )
                .help("declare `upstream NAME { server ADDRESS; keepalive 16; }` and proxy to http://NAME")
                .label(m.span(c), "connection reuse prepared here"),
            );
        }
    }
}

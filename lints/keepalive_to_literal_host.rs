use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass` to a literal address (no `upstream` block) in
    /// a location that prepares connection reuse, with `proxy_http_version
    /// 1.1` and `proxy_set_header Connection ""` in effect, set at that
    /// location or at outer levels that proxy to no `upstream` block (an
    /// http-wide setting shared with pooled locations is left alone).
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
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 2; } proxy_http_version 1.1; proxy_set_header Connection \"\"; server { location / { proxy_pass http://a; } location /b { proxy_pass http://127.0.0.1:2; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n",
            "events {}\nhttp { server { proxy_http_version 1.1; location / { proxy_set_header Connection \"\"; proxy_pass http://127.0.0.1:5000; } } }\n",
        ],
    }
}

impl Rule for KeepaliveToLiteralHost {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // Levels that hold a pass to an upstream block, and all their outer
        // levels: settings there are shared with pooled traffic.
        let mut pooled = rustc_hash::FxHashSet::default();
        for p in
            m.passes.iter().filter(|p| p.kind == PassKind::Proxy && (p.target.upstream.is_some() || p.target.dynamic))
        {
            for l in m.chain(p.level) {
                if !pooled.insert(l) {
                    break;
                }
            }
        }
        for p in &m.passes {
            if p.kind != PassKind::Proxy || p.target.upstream.is_some() || p.target.dynamic {
                continue;
            }
            let Some(v) = m.effective(p.level, "proxy_http_version") else { continue };
            let Some((c, "")) = m.pair(p.level, "proxy_set_header", "Connection") else { continue };
            if m.arg(v, 0) != Some("1.1") || [v, c].iter().any(|&d| m.parent(d).is_some_and(|l| pooled.contains(&l))) {
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

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a `fastcgi_pass` to an `upstream` with an explicit `keepalive`
    /// where the effective `fastcgi_keep_conn` is not `on`: at the pass when
    /// nothing sets it, at a written `fastcgi_keep_conn off` (once, with the
    /// passes it reaches labelled) when that is what applies.
    ///
    /// ## Why is this bad?
    /// Without `fastcgi_keep_conn on` nginx asks PHP-FPM (or any FastCGI
    /// server) to close the connection after each request, so the pool the
    /// `keepalive` directive reserves stays empty.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream php {
    ///         server 127.0.0.1:9000;
    ///         keepalive 8;
    ///     }
    ///     server {
    ///         location ~ \.php$ { fastcgi_pass php; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream php {
    ///         server 127.0.0.1:9000;
    ///         keepalive 8;
    ///     }
    ///     server {
    ///         location ~ \.php$ {
    ///             fastcgi_pass php;
    ///             fastcgi_keep_conn on;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_keep_conn>
    pub struct FastcgiKeepaliveWithoutKeepConn {
        name: "fastcgi-keepalive-without-keep-conn",
        category: Performance,
        severity: Warning,
        summary: "a FastCGI upstream pool that fastcgi_keep_conn off leaves empty",
        pass: &[
            "events {}\nhttp { upstream p { server 127.0.0.1:9000; keepalive 4; } fastcgi_keep_conn on; server { location / { fastcgi_pass p; } } }\n",
            "events {}\nhttp { upstream p { server 127.0.0.1:9000; } server { location / { fastcgi_pass p; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { upstream p { server 127.0.0.1:9000; keepalive 4; } server { location / { fastcgi_pass p; fastcgi_keep_conn off; } } }\n",
            "events {}\nhttp { upstream p { server 127.0.0.1:9000; keepalive 4; } server { location / { fastcgi_pass p; } } }\n",
        ],
    }
}

impl Rule for FastcgiKeepaliveWithoutKeepConn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if p.kind != PassKind::Fastcgi {
                continue;
            }
            let Some(u) = p.target.upstream else { continue };
            if m.has_unresolved_include(p.level) {
                continue; // its values may come from the file that could not be read
            }
            let Some(&k) = m.local(u, "keepalive").last() else { continue };
            if m.arg(k, 0) == Some("0") {
                continue;
            }
            let keep = m.value(p.level, "fastcgi_keep_conn");
            if keep.is_some_and(|(_, v)| v == "on") {
                continue;
            }
            // A written `fastcgi_keep_conn off` is the directive to change:
            // one finding there, however many passes it reaches.
            if let Some((id, _)) = keep {
                if seen.insert(id) {
                    out.push(
                        Finding::new(
                            m.span(id),
                            "fastcgi_keep_conn off closes FastCGI connections after each request, so the upstream's keepalive pool stays empty",
                        )
                        .help("write `fastcgi_keep_conn on;`")
                        .label(m.span(p.inst), "requests are passed to the pooled upstream here")
                        .label(m.span(k), "connection pool declared here"),
                    );
                }
                continue;
            }
            out.push(
                Finding::new(
                    m.span(p.inst),
                    "FastCGI connections are closed after each request, so the upstream's keepalive pool stays empty",
                )
                .help("add `fastcgi_keep_conn on;` where requests are passed to this upstream")
                .label(m.span(k), "connection pool declared here"),
            );
        }
    }
}

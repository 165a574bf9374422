use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::values::{parse_number, parse_time};

declare_rule! {
    /// ## What it does
    /// Reports upstream-level `keepalive_requests` below `min-requests` and
    /// `keepalive_timeout` below `min-timeout` in an `upstream` block that
    /// keeps a connection pool.
    ///
    /// ## Why is this bad?
    /// A pool whose connections are closed after a handful of requests, or
    /// after a second or less idle, behaves like no pool at all: nginx
    /// keeps opening new connections to the backend.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         server 127.0.0.1:8080;
    ///         keepalive 32;
    ///         keepalive_requests 1;
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
    ///         keepalive 32;
    ///         keepalive_requests 1000;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `min-requests` (number, default `10`).
    /// - `min-timeout` (time, default `2s`).
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_requests>
    pub struct UpstreamKeepaliveDefeated {
        name: "upstream-keepalive-defeated",
        category: Performance,
        severity: Warning,
        summary: "upstream keepalive limits so low the pool is useless",
        pass: &["events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; keepalive_requests 500; keepalive_timeout 30s; } }\n"],
        fail: &[
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; keepalive_timeout 0; } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive_requests 2; } }\n",
        ],
        options: &[
            crate::lint::RuleOption { name: "min-requests", kind: crate::lint::OptionKind::Number, default: "10", doc: "smaller keepalive_requests are reported" },
            crate::lint::RuleOption { name: "min-timeout", kind: crate::lint::OptionKind::Time, default: "2s", doc: "shorter keepalive_timeout values are reported" },
        ],
    }
}

impl Rule for UpstreamKeepaliveDefeated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let min_req = parse_number(cx.option(&Self::META, "min-requests")).unwrap_or(10);
        let min_ms = parse_time(cx.option(&Self::META, "min-timeout"), true).unwrap_or(2000);
        let modern = cx.opts.keepalive_by_default();
        for u in &m.upstreams {
            if u.stream {
                continue;
            }
            let keepalive = m.local(u.inst, "keepalive").last().copied();
            if keepalive.is_some_and(|k| m.arg(k, 0) == Some("0")) {
                continue; // pooling turned off on purpose
            }
            let label = |f: Finding| match keepalive {
                Some(k) => f.label(m.span(k), "connection pool declared here"),
                None if modern => f,
                None => f.help("this upstream has no `keepalive` either: add `keepalive 32;` with sane limits"),
            };
            for &id in m.local(u.inst, "keepalive_requests") {
                if let Some(n) = m.arg(id, 0).and_then(parse_number) {
                    if n < min_req {
                        let f = Finding::new(
                            m.span(id),
                            format!(
                                "keepalive_requests {n} closes pooled connections after {n} request{}",
                                if n == 1 { "" } else { "s" }
                            ),
                        )
                        .help("remove it (the default is 1000) or raise it to hundreds");
                        out.push(label(f));
                    }
                }
            }
            for &id in m.local(u.inst, "keepalive_timeout") {
                if let Some(ms) = m.arg(id, 0).and_then(|v| parse_time(v, true)) {
                    if ms < min_ms {
                        let f = Finding::new(
                            m.span(id),
                            format!(
                                "keepalive_timeout {} closes idle pooled connections at once",
                                m.arg(id, 0).unwrap_or("")
                            ),
                        )
                        .help("remove it (the default is 60s) or keep it just below the backend's own idle timeout");
                        out.push(label(f));
                    }
                }
            }
        }
    }
}

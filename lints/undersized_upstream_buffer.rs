use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;
use crate::model::values::{format_size as show, parse_number, parse_size};

declare_rule! {
    /// ## What it does
    /// Reports, on the effective (inherited) values of every location that
    /// passes requests on, a `proxy_buffer_size`, `fastcgi_buffer_size`,
    /// `uwsgi_buffer_size`, `scgi_buffer_size` or `grpc_buffer_size` set below
    /// `min-buffer-size`, and `*_buffers` with fewer than `min-buffers`
    /// buffers or buffers smaller than one memory page (4k), and `*_buffers`
    /// too few for an explicit `*_busy_buffers_size` that takes all of them
    /// but one (the most nginx accepts; more is `inconsistent-buffer-sizes`).
    /// The finding is on the directive that sets the small value (often in an
    /// included snippet) and labels the larger value it overrides, or the
    /// busy size.
    ///
    /// ## Why is this bad?
    /// The response header must fit in `*_buffer_size`. Session cookies,
    /// JWTs and Content-Security-Policy headers easily pass 4k, and nginx then
    /// answers 502 Bad Gateway ("upstream sent too big header while reading
    /// response header from upstream").
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     proxy_buffer_size 16k;
    ///     server {
    ///         location / {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_buffer_size 2k;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     proxy_buffer_size 16k;
    ///     server {
    ///         location / {
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `min-buffer-size` (size, default `8k`): explicit `*_buffer_size`
    ///   values below it are reported (nginx's default, one page, is not).
    /// - `min-buffers` (number, default `4`): `*_buffers` with fewer buffers
    ///   are reported.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffer_size>
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_buffer_size>
    pub struct UndersizedUpstreamBuffer {
        name: "undersized-upstream-buffer",
        category: Suspicious,
        severity: Warning,
        summary: "a proxy or FastCGI buffer too small for typical response headers",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { proxy_buffer_size 16k; proxy_buffers 8 16k; server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { proxy_buffer_size 1k; server { location / { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { proxy_buffers 4 32k; proxy_busy_buffers_size 64k; server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_buffer_size 1k; } } }\n",
            "events {}\nhttp { fastcgi_buffer_size 32k; server { location ~ \\.php$ { fastcgi_buffer_size 4k; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location / { grpc_pass grpc://127.0.0.1:50051; grpc_buffer_size 2k; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_buffers 2 1k; proxy_busy_buffers_size 1k; proxy_buffer_size 1k; } } }\n",
            "events {}\nhttp { fastcgi_buffers 5 16k; fastcgi_busy_buffers_size 64k; server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { proxy_buffers 8 16k; server { location / { proxy_busy_buffers_size 112k; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
        options: &[
            crate::lint::RuleOption {
                name: "min-buffer-size",
                kind: crate::lint::OptionKind::Size,
                default: "8k",
                doc: "explicit *_buffer_size values below this are reported",
            },
            crate::lint::RuleOption {
                name: "min-buffers",
                kind: crate::lint::OptionKind::Number,
                default: "4",
                doc: "*_buffers with fewer buffers are reported",
            },
        ],
    }
}

impl Rule for UndersizedUpstreamBuffer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let min_size = parse_size(cx.option(&Self::META, "min-buffer-size")).unwrap_or(8192);
        let min_bufs = parse_number(cx.option(&Self::META, "min-buffers")).unwrap_or(4);
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if matches!(p.kind, PassKind::Memcached | PassKind::StreamProxy) {
                continue;
            }
            let prefix = p.kind.prefix();
            let name = format!("{prefix}_buffer_size");
            if let Some((id, v)) = m.value(p.level, &name) {
                if parse_size(v).is_some_and(|s| s < min_size) && seen.insert(id) {
                    let mut f =
                        Finding::new(m.span(id), format!("{name} of {v} is too small for typical response headers"))
                            .help(format!(
                                "raise it to at least {} (16k suits most applications with session cookies or JWTs)",
                                cx.option(&Self::META, "min-buffer-size")
                            ));
                    let outer = m.parent(id).and_then(|l| m.parent(l)).and_then(|o| m.value(o, &name));
                    if let Some((oid, ov)) = outer {
                        if parse_size(ov).is_some_and(|s| s >= min_size) {
                            f = f.label(m.span(oid), format!("overrides {ov} set here"));
                        }
                    }
                    out.push(f.label(m.span(p.inst), "requests are passed here"));
                }
            }
            if p.kind == PassKind::Grpc {
                continue; // grpc has no *_buffers
            }
            let bufs = format!("{prefix}_buffers");
            if let Some(id) = m.effective(p.level, &bufs) {
                let (n, s) = (m.arg(id, 0).and_then(parse_number), m.arg(id, 1).and_then(parse_size));
                if let (Some(n), Some(s)) = (n, s) {
                    if n < min_bufs || s < 4096 {
                        if seen.insert(id) {
                            out.push(
                                Finding::new(m.span(id), format!("{bufs} of {n} × {} leaves too little room for responses", m.arg(id, 1).unwrap_or("")))
                                    .help(format!("give at least {min_bufs} buffers of one page (4k) or more, for example `{bufs} 8 16k;`"))
                                    .label(m.span(p.inst), "requests are passed here"),
                            );
                        }
                        continue;
                    }
                    // An explicit busy size that takes all buffers but one (the
                    // most nginx accepts; more is inconsistent-buffer-sizes):
                    // one buffer is left for reading, the rest of a response
                    // goes to a temporary file or waits for the client.
                    let busy_name = format!("{prefix}_busy_buffers_size");
                    if let Some((bid, bv)) = m.value(p.level, &busy_name) {
                        let busy = parse_size(bv).unwrap_or(0);
                        if busy > n.saturating_sub(2) * s && busy <= (n - 1) * s {
                            // The buffers are the directive to change, unless
                            // the busy size is set at a more specific level.
                            let depth = |i| m.parent(i).and_then(|l| m.chain(p.level).position(|c| c == l));
                            let (at, other, what) = if depth(bid) < depth(id) {
                                (bid, id, "buffers set here")
                            } else {
                                (id, bid, "busy size set here")
                            };
                            if seen.insert(at) {
                                out.push(
                                    Finding::new(
                                        m.span(at),
                                        format!("{bufs} of {n} × {} are too few for {busy_name} {bv}: one buffer is left for reading the response", m.arg(id, 1).unwrap_or("")),
                                    )
                                    .help(format!(
                                        "keep at least two buffers free: give {bufs} {} or more in total, or lower {busy_name} to {} or less",
                                        show(busy + 2 * s),
                                        show(n.saturating_sub(2) * s)
                                    ))
                                    .label(m.span(other), what)
                                    .label(m.span(p.inst), "requests are passed here"),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports an http `upstream` block that receives proxied (or gRPC)
    /// traffic but has no `keepalive` directive, also when the traffic comes
    /// through a variable (`proxy_pass http://$pool;` where a `map` or `set`
    /// names the upstream). An upstream that only receives WebSocket
    /// connections (locations for streams, such as `/ws/` or `/cable`, that
    /// pass `Upgrade` on with an upgrading `Connection`) is not reported:
    /// upgraded connections never return to a pool. From
    /// nginx 1.29.7 on (1.30
    /// stable) every upstream block keeps 32 idle connections by default:
    /// the rule is silent when `--nginx-version` (or `nginx-version` in the
    /// configuration file) names such a version. Without a version it
    /// assumes an older nginx, as most distributions ship; the fix it asks
    /// for is also right on newer ones.
    ///
    /// ## Why is this bad?
    /// Without a pool nginx opens a new TCP (and TLS) connection to the
    /// backend for every request. Under load the backend's accept queue and
    /// the machine's ephemeral ports run out, and requests fail with 502 Bad
    /// Gateway ("connect() failed (99: Cannot assign requested address)").
    ///
    /// ## Example
    /// ```nginx
    /// # with: --nginx-version 1.24
    /// events {}
    /// http {
    ///     upstream app { server 127.0.0.1:8080; }
    ///     server {
    ///         location / { proxy_pass http://app; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// # with: --nginx-version 1.24
    /// events {}
    /// http {
    ///     upstream app {
    ///         server 127.0.0.1:8080;
    ///         keepalive 32;
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
    /// None. The target version comes from `--nginx-version`.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive>
    pub struct UpstreamWithoutKeepalive {
        name: "upstream-without-keepalive",
        category: Performance,
        severity: Warning,
        summary: "an upstream receiving proxied traffic keeps no idle connections",
        pass: &[
            "# with: --nginx-version 1.30\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; } } }\n",
            "# with: --nginx-version 1.24\nevents {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 16; } server { location / { proxy_pass http://a; } } }\n",
            "# with: --nginx-version 1.24\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } }\n",
            "events {}\nhttp { map $http_upgrade $connection_upgrade { default upgrade; '' close; } upstream ws { server 127.0.0.1:1; } server { location /ws/ { proxy_pass http://ws; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { upstream ws { server 127.0.0.1:1; } server { location /ws/ { proxy_pass http://ws; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } location /api/ { proxy_pass http://ws; } } }\n",
            "# with: --nginx-version 1.26\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; } } }\n",
            "events {}\nhttp { map $cookie_canary $pool { default stable; 1 canary; } upstream stable { server 127.0.0.1:1; keepalive 8; } upstream canary { server 127.0.0.1:2; } server { location / { proxy_pass http://$pool; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n",
        ],
    }
}

impl Rule for UpstreamWithoutKeepalive {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        if cx.opts.keepalive_by_default() {
            return;
        }
        let m = cx.model();
        for u in &m.upstreams {
            if u.stream || !m.local(u.inst, "keepalive").is_empty() {
                continue;
            }
            let Some(p) = m.passes_to(u.inst).find(|p| matches!(p.kind, PassKind::Proxy | PassKind::Grpc)) else {
                continue;
            };
            // WebSocket connections are upgraded and never return to a pool:
            // an upstream that only receives them (locations for streams that
            // upgrade) has nothing to keep. A location that forwards Upgrade
            // for all its traffic is not one.
            let upgrades = |level| {
                super::keepalive_not_used::stream_only(m, level)
                    && m.pair(level, "proxy_set_header", "Upgrade").is_some()
                    && m.pair(level, "proxy_set_header", "Connection").is_some_and(|(_, v)| {
                        let v = v.to_ascii_lowercase();
                        v.contains("upgrade") || v == "$http_connection"
                    })
            };
            if m.passes_to(u.inst).filter(|p| p.kind == PassKind::Proxy).all(|p| upgrades(p.level))
                && m.passes_to(u.inst).all(|p| p.kind != PassKind::Grpc)
            {
                continue;
            }
            out.push(
                Finding::new(m.span(u.inst), format!("upstream \"{}\" keeps no idle connections to its servers", u.name))
                    .help("add `keepalive 32;` to the upstream, and `proxy_http_version 1.1;` with `proxy_set_header Connection \"\";` where it is proxied to")
                    .label(m.span(p.inst), "proxied to here"),
            );
        }
    }
}

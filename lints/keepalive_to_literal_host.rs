use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{is_loopback, PassKind, Upstream};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass` to a literal address (no `upstream` block) in
    /// a location that prepares connection reuse, with `proxy_http_version
    /// 1.1` and `proxy_set_header Connection ""` in effect, set at that
    /// location or at outer levels that proxy to no `upstream` block (an
    /// http-wide setting shared with pooled locations is left alone). The
    /// address of an `upstream` block's only server, when that block keeps a
    /// pool, is reported wherever the headers are set: that location
    /// bypasses the pool the others use. (Naming one server of several is
    /// pinning, left alone.)
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
            "events {}\nhttp { upstream app { server 10.0.0.21:4000; server 10.0.0.22:4000; keepalive 32; } server { proxy_http_version 1.1; proxy_set_header Connection \"\"; location / { proxy_pass http://app; } location /export/ { proxy_pass http://10.0.0.22:4000; } } }\n",
            "events {}\nhttp { upstream app { server 127.0.0.1:8000; } server { proxy_http_version 1.1; proxy_set_header Connection \"\"; location / { proxy_pass http://app; } location /admin/ { proxy_pass http://127.0.0.1:8000; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 2; } proxy_http_version 1.1; proxy_set_header Connection \"\"; server { location / { proxy_pass http://a; } location /b { proxy_pass http://127.0.0.1:2; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n",
            "events {}\nhttp { server { proxy_http_version 1.1; location / { proxy_set_header Connection \"\"; proxy_pass http://127.0.0.1:5000; } } }\n",
            "events {}\nhttp { upstream app { server 127.0.0.1:8000; keepalive 16; } server { proxy_http_version 1.1; proxy_set_header Connection \"\"; location / { proxy_pass http://app; } location /admin/ { proxy_pass http://localhost:8000; } } }\n",
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
        // The address of each http upstream block that keeps a pool for one
        // server: (host, port) -> (upstream, its server line).
        let mut members: rustc_hash::FxHashMap<(&str, u16), (&Upstream, InstId)> = Default::default();
        for u in m.upstreams.iter().filter(|u| !u.stream) {
            let keepalive = m.local(u.inst, "keepalive").last().copied();
            let pools = match keepalive {
                Some(k) => m.arg(k, 0) != Some("0"),
                None => cx.opts.keepalive_by_default(),
            };
            if !pools {
                continue;
            }
            // Only a pool of one server is the same thing as its address: a
            // location that names one member of several is pinned on purpose.
            let mut live = m.servers_of(u).iter().filter(|s| !s.backup && !s.down);
            if let (Some(s), None) = (live.next(), live.next()) {
                if s.unix.is_none() {
                    members.entry((host_key(&s.host), s.port.unwrap_or(80))).or_insert((u, s.inst));
                }
            }
        }
        for p in &m.passes {
            if p.kind != PassKind::Proxy || p.target.upstream.is_some() || p.target.dynamic {
                continue;
            }
            let Some(v) = m.effective(p.level, "proxy_http_version") else { continue };
            let Some((c, "")) = m.pair(p.level, "proxy_set_header", "Connection") else { continue };
            if m.arg(v, 0) != Some("1.1") {
                continue;
            }
            // The address is a server of a pooled upstream: this location
            // bypasses the pool the others use, whatever level the headers
            // are set at.
            let member = match (p.target.unix.is_none(), p.target.effective_port()) {
                (true, Some(port)) => members.get(&(host_key(&p.target.host), port)),
                _ => None,
            };
            if let Some(&(u, server)) = member {
                out.push(
                    Finding::new(
                        m.span(p.inst),
                        format!(
                            "proxy_pass to {} bypasses upstream \"{}\" and its connection pool: every request here opens a new connection",
                            p.target.address(),
                            u.name
                        ),
                    )
                    .help(format!("proxy to http://{} to reuse the pooled connections", u.name))
                    .label(m.span(server), format!("a server of upstream \"{}\", which keeps idle connections", u.name))
                    .label(m.span(c), "connection reuse prepared here"),
                );
                continue;
            }
            if [v, c].iter().any(|&d| m.parent(d).is_some_and(|l| pooled.contains(&l))) {
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

/// A host name as a pool lookup key: the loopback names are one host.
fn host_key(host: &str) -> &str {
    if is_loopback(host) {
        "127.0.0.1"
    } else {
        host
    }
}

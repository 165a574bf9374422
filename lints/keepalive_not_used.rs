use super::long_lived_default_timeout::{path_word, STREAM_WORDS};
use super::proxy_buffering_off::MORE_STREAM_WORDS;
use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{Model, PassKind};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports a location that proxies to an `upstream` with a connection
    /// pool (an explicit `keepalive`, or the default pool of nginx 1.29.7 and
    /// later) in a way that never reuses a connection:
    ///
    /// - HTTP/1.0 to the backend: `proxy_http_version 1.0`, or no
    ///   `proxy_http_version 1.1` before nginx 1.29.7;
    /// - a `Connection` header other than empty: `close`, or `upgrade` /
    ///   `$http_connection` / `$connection_upgrade` outside WebSocket
    ///   locations, or none at all before nginx 1.29.7 (nginx then sends
    ///   `Connection: close`), including the case where an inner
    ///   `proxy_set_header` silently drops an inherited `Connection ""`.
    ///
    /// Where `Upgrade` is passed on too, `Connection "upgrade"` is right
    /// for WebSocket requests only. A location that also serves plain
    /// requests (one whose path names no stream, such as `/`) should send it
    /// only with upgrade requests, through a `map` of `$http_upgrade` that
    /// gives the others an empty value; a literal `"upgrade"`, or a map that
    /// gives them `close`, is reported.
    ///
    /// The defaults of 1.29.7 count only when `--nginx-version` (or
    /// `nginx-version` in the configuration file) names 1.29.7 or later;
    /// without a version the rule assumes an older nginx, as most
    /// distributions ship, and the fixes it asks for hold on both.
    ///
    /// ## Why is this bad?
    /// The backend closes the connection after each response and the pool
    /// stays empty: every request pays a new TCP (and TLS) handshake, the
    /// very cost `keepalive` was added to avoid, and under load connections
    /// fail with 502 Bad Gateway.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         server 127.0.0.1:8080;
    ///         keepalive 32;
    ///     }
    ///     server {
    ///         location / {
    ///             proxy_pass http://app;
    ///             proxy_set_header Connection $http_connection;
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
    pub struct KeepaliveNotUsed {
        name: "keepalive-not-used",
        category: Performance,
        severity: Warning,
        summary: "an upstream connection pool that proxying never reuses",
        pass: &[
            "# with: --nginx-version 1.30\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; } } }\n",
            "# with: --nginx-version 1.24\nevents {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } proxy_http_version 1.1; proxy_set_header Connection \"\"; server { location / { proxy_pass http://a; } } }\n",
            "# with: --nginx-version 1.30\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } server { location /ws { proxy_pass http://a; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } } }\n",
            "# with: --nginx-version 1.24\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } server { proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; location /socket.io/ { proxy_pass http://a; } location /api/ws { proxy_pass http://a; } } }\n",
            "events {}\nhttp { map $http_upgrade $connection_upgrade { default upgrade; '' ''; } upstream a { server 127.0.0.1:1; keepalive 8; } server { location / { proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; proxy_pass http://a; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } server { location ~ ^/colibri-ws/(.*) { proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; proxy_pass http://a/$1; } } }\n",
            "events {}\nhttp { map $http_upgrade $connection_upgrade { default upgrade; '' close; } upstream a { server 127.0.0.1:1; keepalive 8; } server { location /api/live/ { proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; proxy_pass http://a; } } }\n",
        ],
        fail: &[
            "# with: --nginx-version 1.30\nevents {}\nhttp { upstream a { server 127.0.0.1:1; } server { location / { proxy_pass http://a; proxy_http_version 1.0; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 16; } server { location / { proxy_pass http://a; } } }\n",
            "# with: --nginx-version 1.24\nevents {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } server { location / { proxy_pass http://a; } } }\n",
            "# with: --nginx-version 1.24\nevents {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } proxy_http_version 1.1; proxy_set_header Connection \"\"; server { location / { proxy_set_header X-Real-IP $remote_addr; proxy_pass http://a; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } server { location / { proxy_set_header Connection \"close\"; proxy_pass http://a; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } server { proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; location / { proxy_pass http://a; } location /cart/ { proxy_pass http://a; } } }\n",
            "events {}\nhttp { map $http_upgrade $connection_upgrade { default upgrade; '' close; } upstream a { server 127.0.0.1:1; keepalive 8; } server { location / { proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; proxy_pass http://a; } } }\n",
        ],
    }
}

/// Where a Connection "" would have come from, had the level not dropped the list.
fn dropped_empty_connection(m: &Model<'_>, level: InstId) -> Option<(InstId, InstId)> {
    let (own, _) = m.effective_list(level, &["proxy_set_header"])?;
    let outer = m.parent(own)?;
    let (id, v) = m.pair(outer, "proxy_set_header", "Connection")?;
    (v.is_empty()).then_some((own, id))
}

/// True when the location proxying at `level` serves WebSocket (or other
/// stream) connections only: its path names one (`/ws`, `socket.io`,
/// `/colibri-ws/`, Grafana's `/api/live/`, ...).
pub(super) fn stream_only(m: &Model<'_>, level: InstId) -> bool {
    let Some(loc) = m.chain(level).find(|&l| m.directive(l).name() == "location") else { return false };
    let Some((path, _)) = m.location_pattern(loc) else { return false };
    let words = STREAM_WORDS.iter().chain(&MORE_STREAM_WORDS).chain(&["socket", "-ws", "_ws"]);
    path_word(&path.to_ascii_lowercase(), words).is_some()
}

/// For `Connection $var`: a value the variable gets on requests without
/// `Upgrade` that is neither empty nor an upgrade (`close`, from the
/// `map $http_upgrade $connection_upgrade { default upgrade; '' close; }`
/// of nginx's WebSocket example), and where.
fn closes_others(m: &Model<'_>, at: InstId, value: &str) -> Option<(InstId, String)> {
    let var = value.strip_prefix('$')?;
    let var = var.strip_prefix('{').and_then(|v| v.strip_suffix('}')).unwrap_or(var);
    m.var_sources_at(at, var).find_map(|s| {
        let v = s.value.to_ascii_lowercase();
        (!v.is_empty() && !v.contains("upgrade") && !v.contains('$')).then(|| (s.at, s.value.to_string()))
    })
}

impl Rule for KeepaliveNotUsed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let modern = cx.opts.keepalive_by_default();
        for p in m.passes.iter().chain(m.passes_via_variables()) {
            if p.kind != PassKind::Proxy {
                continue;
            }
            let Some(u) = p.target.upstream.and_then(|u| m.upstream(u)) else { continue };
            if m.has_unresolved_include(p.level) {
                continue; // its values may come from the file that could not be read
            }
            let keepalive = m.local(u.inst, "keepalive").last().copied();
            let pooled = match keepalive {
                Some(k) => m.arg(k, 0).is_some_and(|n| n != "0"),
                None => modern,
            };
            if !pooled {
                continue;
            }
            let pool_label = |f: Finding| match keepalive {
                Some(k) => f.label(m.span(k), "connection pool declared here"),
                None => f.label(m.span(u.inst), "this upstream keeps 32 idle connections by default"),
            };
            let version = m.value(p.level, "proxy_http_version");
            let old = match version {
                Some((_, v)) => v == "1.0",
                None => !modern,
            };
            if old {
                let (at, msg) = match version {
                    Some((id, _)) => (id, "proxy_http_version 1.0 never reuses pooled connections".to_string()),
                    None => (
                        p.inst,
                        format!("requests to upstream \"{}\" use HTTP/1.0 and never reuse pooled connections", u.name),
                    ),
                };
                let mut f = Finding::new(m.span(at), msg)
                    .help("set `proxy_http_version 1.1;` where requests are proxied to a keepalive upstream");
                if at != p.inst {
                    f = f.label(m.span(p.inst), "proxied here");
                }
                out.push(pool_label(f));
                if version.is_some() {
                    continue;
                }
            }
            let websocket = m.pair(p.level, "proxy_set_header", "Upgrade").is_some();
            match m.pair(p.level, "proxy_set_header", "Connection") {
                Some((_, "")) => {}
                Some((id, v)) => {
                    let lower = v.to_ascii_lowercase();
                    let upgrade = lower.contains("upgrade") || lower == "$http_connection";
                    if upgrade && websocket {
                        // Upgrade requests need it; what matters is what the others get.
                        if stream_only(m, p.level) {
                            continue;
                        }
                        let (msg, label) = if !lower.contains('$') {
                            (format!("Connection \"{v}\" goes with every request to \"{}\", not only with WebSocket upgrades, so the pool is not reused", u.name), None)
                        } else if let Some((at, other)) = closes_others(m, id, v) {
                            (format!("{v} is \"{other}\" on requests without Upgrade, so they never reuse pooled connections to \"{}\"", u.name), Some((at, other)))
                        } else {
                            continue;
                        };
                        let mut f = Finding::new(m.span(id), msg)
                            .help("send the upgrade only with upgrade requests: `map $http_upgrade $connection_upgrade { default upgrade; '' \"\"; }` and `proxy_set_header Connection $connection_upgrade;`")
                            .label(m.span(p.inst), "proxied here");
                        if let Some((at, other)) = label {
                            f = f.label(m.span(at), format!("{v} is \"{other}\" here"));
                        }
                        out.push(pool_label(f));
                        continue;
                    }
                    let f = Finding::new(m.span(id), format!("Connection \"{v}\" keeps requests from reusing pooled connections to \"{}\"", u.name))
                        .help("send `proxy_set_header Connection \"\";` here (keep the upgrade header for WebSocket locations only)")
                        .label(m.span(p.inst), "proxied here");
                    out.push(pool_label(f));
                }
                None if !modern && !old => {
                    let mut f = Finding::new(
                        m.span(p.inst),
                        format!(
                            "nginx sends \"Connection: close\" to upstream \"{}\", so its pool is never reused",
                            u.name
                        ),
                    )
                    .help("add `proxy_set_header Connection \"\";` to the level that proxies");
                    if let Some((own, outer)) = dropped_empty_connection(m, p.level) {
                        let first = m.effective_list(own, &["proxy_set_header"]).and_then(|(_, l)| l.first().copied());
                        if let Some(first) = first {
                            f = f.label(m.span(first), "this proxy_set_header replaces every inherited one");
                        }
                        f = f.label(m.span(outer), "Connection \"\" set here is not inherited");
                    }
                    out.push(pool_label(f));
                }
                None => {}
            }
        }
    }
}

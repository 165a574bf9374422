use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::InstId;
use crate::model::vars::{derived_from, variables};

declare_rule! {
    /// ## What it does
    /// Reports a proxied level that forwards the client's `Upgrade` header
    /// together with the client's own `Connection` header
    /// (`proxy_set_header Connection $http_connection;`), also through a
    /// variable that a `set` in scope or a `map` line gives that value.
    ///
    /// ## Why is this bad?
    /// The client can then ask the backend to switch to cleartext HTTP/2
    /// (`Upgrade: h2c` with `Connection: Upgrade, HTTP2-Settings`). Once the
    /// backend agrees, nginx only relays bytes: every later request on that
    /// connection skips nginx's locations, access rules and authentication
    /// (h2c smuggling). Send a fixed `Connection` value derived from the
    /// upgrade header instead, as the WebSocket examples do.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /ws/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_set_header Upgrade $http_upgrade;
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
    ///     map $http_upgrade $connection_upgrade {
    ///         default upgrade;
    ///         "" close;
    ///     }
    ///     server {
    ///         location /ws/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_set_header Upgrade $http_upgrade;
    ///             proxy_set_header Connection $connection_upgrade;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://bishopfox.com/blog/h2c-smuggling-request>
    /// - <https://nginx.org/en/docs/http/websocket.html>
    pub struct UpgradeHeaderSmuggling {
        name: "upgrade-header-smuggling",
        category: Security,
        severity: Warning,
        summary: "client Upgrade and Connection headers forwarded as sent (h2c smuggling)",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_set_header Connection $http_connection; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"keep-alive, $http_connection\"; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $http_connection; server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_set_header upgrade $http_upgrade; proxy_set_header connection \"${http_connection}\"; } } }\n",
            "events {}\nhttp { server { location / { set $conn_hdr $http_connection; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $conn_hdr; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
    }
}

impl Rule for UpgradeHeaderSmuggling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if p.kind.directive() != "proxy_pass" || p.kind.protocol() != "HTTP" {
                continue;
            }
            let Some((up, uv)) = m.pair(p.level, "proxy_set_header", "Upgrade") else { continue };
            let Some((conn, cv)) = m.pair(p.level, "proxy_set_header", "Connection") else { continue };
            // The request's own header, directly or through `set` / `map`.
            let is_var = |at: InstId, v: &str, name: &str| {
                let vars = variables(v);
                let from = |x: &str| x.eq_ignore_ascii_case(name);
                vars.iter().any(|x| derived_from(m, at, x, &from, 0).is_some())
                    && (name != "http_connection" || (vars.len() == 1 && v.trim().starts_with('$')))
            };
            if !is_var(up, uv, "http_upgrade") || !is_var(conn, cv, "http_connection") {
                continue;
            }
            if !seen.insert(conn) {
                continue;
            }
            out.push(
                Finding::new(m.span(conn), "the client's Connection header is forwarded with its Upgrade header: h2c upgrades bypass nginx")
                    .help("send `Connection $connection_upgrade` from a `map $http_upgrade` (or `Connection upgrade` in WebSocket locations)")
                    .label(m.span(up), "Upgrade forwarded here")
                    .label(m.span(p.inst), "proxied here"),
            );
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{is_loopback, Model, PassKind};
use crate::model::tree::InstId;
use rustc_hash::FxHashSet;

declare_rule! {
    /// ## What it does
    /// Reports `proxy_pass http://` (or `grpc://`) to a port that speaks TLS,
    /// and `https://` (or `grpcs://`) to a port that speaks plain HTTP. TLS
    /// ports are 443 and 8443, and the ports this configuration itself
    /// serves with `ssl` (only with `ssl`), on any host: a fleet tends to
    /// run the same ports everywhere. Plain ports are 80 and the defaults of
    /// application servers that speak plain HTTP (3000, 5000, 8000, 8080),
    /// unless this configuration serves them with `ssl`, and, on this
    /// machine or one of its server names, the ports it serves without
    /// `ssl`. Targets through an `upstream` block are checked on each of its
    /// servers. A target that is one variable (`proxy_pass http://$sso;`) is
    /// checked for each value a `set` in scope or a `map` line gives it.
    ///
    /// ## Why is this bad?
    /// nginx accepts it, and every request fails: a TLS server answers a
    /// plain request with 400 ("The plain HTTP request was sent to HTTPS
    /// port") or drops it, and a plain server cannot complete a handshake, so
    /// clients see 502 Bad Gateway.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         location / { proxy_pass http://10.0.0.5:443; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         location / { proxy_pass https://10.0.0.5:443; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass>
    pub struct PassSchemePortMismatch {
        name: "pass-scheme-port-mismatch",
        category: Suspicious,
        severity: Warning,
        summary: "plain HTTP sent to a TLS port, or TLS to a plain one",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass https://a.example:443; } location /b { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { listen 8443 ssl; location / { proxy_pass https://127.0.0.1:8443; } } }\n",
            "events {}\nhttp { server { listen 8080 ssl; location / { proxy_pass https://10.0.0.7:8080; } } }\n",
            "events {}\nhttp { server { listen 4443; location / { proxy_pass http://10.0.0.7:4443; proxy_pass_header Server; } } }\n",
            "events {}\nhttp { server { location /a { set $sso 127.0.0.1:8443; return 204; } location / { proxy_pass http://$sso; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://a.example:443; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass https://127.0.0.1:80; } } }\n",
            "events {}\nhttp { upstream up { server 10.0.0.1:8443; } server { location / { proxy_pass http://up; } } }\n",
            "events {}\nhttp { server { listen 127.0.0.1:9443 ssl; } server { location / { proxy_pass http://localhost:9443; } } }\n",
            "events {}\nhttp { server { listen 8081; } server { location / { proxy_pass https://localhost:8081; } } }\n",
            "events {}\nhttp { server { listen 4443 ssl; location / { proxy_pass http://10.0.0.30:4443/; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass https://10.1.1.20:8080; } } }\n",
            "events {}\nhttp { server { set $sso 127.0.0.1:8443; location / { proxy_pass http://$sso; } } }\n",
        ],
    }
}

/// Ports where application servers listen for plain HTTP by default
/// (Node and Grafana, Flask, Django and gunicorn, Tomcat and friends).
const PLAIN_BY_CONVENTION: [u16; 5] = [80, 3000, 5000, 8000, 8080];

/// Ports this configuration serves, split by TLS (a port served both ways is in neither).
pub(crate) fn own_ports(m: &Model<'_>) -> (FxHashSet<u16>, FxHashSet<u16>) {
    let (mut tls, mut plain) = (FxHashSet::default(), FxHashSet::default());
    for s in &m.servers {
        for (_, l) in &s.listens {
            if let Some(p) = l.port {
                if l.ssl || l.quic {
                    tls.insert(p);
                } else {
                    plain.insert(p);
                }
            }
        }
    }
    // A port served both ways says nothing.
    let both: Vec<u16> = tls.intersection(&plain).copied().collect();
    for p in both {
        tls.remove(&p);
        plain.remove(&p);
    }
    (tls, plain)
}

/// True when `host` is this machine or a name one of its servers answers to.
pub(crate) fn is_own_host(m: &Model<'_>, host: &str) -> bool {
    is_loopback(host) || m.servers.iter().any(|s| s.names.iter().any(|n| n == host))
}

impl Rule for PassSchemePortMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let (own_tls, own_plain) = own_ports(m);
        for p in m.passes.iter().chain(m.passes_via_variables()) {
            if !matches!(p.kind, PassKind::Proxy | PassKind::Grpc) || p.target.dynamic || p.target.unix.is_some() {
                continue;
            }
            let tls = p.target.tls();
            // (host, port, the upstream server line if any)
            let mut dests: Vec<(&str, u16, Option<InstId>)> = Vec::new();
            match p.target.upstream.and_then(|u| m.upstream(u)) {
                Some(u) => {
                    for s in m.servers_of(u) {
                        if s.unix.is_none() && !s.host.contains('$') {
                            dests.push((&s.host, s.port.unwrap_or(80), Some(s.inst)));
                        }
                    }
                }
                None => {
                    if let Some(port) = p.target.effective_port() {
                        dests.push((&p.target.host, port, None));
                    }
                }
            }
            for (host, port, line) in dests {
                let own = is_own_host(m, host);
                let tls_port = matches!(port, 443 | 8443) || own_tls.contains(&port);
                let plain_port = (PLAIN_BY_CONVENTION.contains(&port) && !own_tls.contains(&port))
                    || (own && own_plain.contains(&port));
                let scheme = p.target.scheme.as_deref().unwrap_or("http");
                let (msg, help) = if !tls && tls_port {
                    let s = if p.kind == PassKind::Grpc { "grpcs" } else { "https" };
                    (
                        format!("plain {scheme}:// to port {port}, which speaks TLS"),
                        format!("use `{s}://` to talk TLS to port {port}, or point at the backend's plain port"),
                    )
                } else if tls && plain_port {
                    let s = if p.kind == PassKind::Grpc { "grpc" } else { "http" };
                    (
                        format!("{scheme}:// to port {port}, which speaks plain HTTP"),
                        format!("use `{s}://` for port {port}, or point at the backend's TLS port"),
                    )
                } else {
                    continue;
                };
                let mut f = Finding::new(m.span(p.inst), msg).help(help);
                if let Some(l) = line {
                    f = f.label(m.span(l), "upstream server declared here");
                }
                if let Some(via) = p.via {
                    f = f.label(m.span(via), "the address comes from here");
                }
                out.push(f);
            }
        }
    }
}

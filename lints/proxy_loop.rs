use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{is_loopback, Model, PassKind, Server};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass` that sends the request back to the server
    /// block it comes from: the target is one of that server's own listen
    /// sockets (on this machine or under one of its names), the `Host` header
    /// selects the same server again, and the URI is passed unchanged (or
    /// replaced by one that the same prefix location matches again, with no
    /// other location of the server taking it first). Through an `upstream`
    /// block, the finding is on the `server` line that names this server.
    ///
    /// ## Why is this bad?
    /// nginx accepts it; each request proxies to itself until worker
    /// connections run out ("worker_connections are not enough"), then
    /// clients get 500 or 502 errors.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 8080;
    ///         server_name app.example.com;
    ///         location / { proxy_pass http://127.0.0.1:8080; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 8080;
    ///         server_name app.example.com;
    ///         location / { proxy_pass http://127.0.0.1:3000; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/request_processing.html>
    pub struct ProxyLoop {
        name: "proxy-loop",
        category: Suspicious,
        severity: Warning,
        summary: "proxy_pass sends requests back to the same server block",
        pass: &[
            "events {}\nhttp { server { listen 80; location / { proxy_pass http://127.0.0.1:8080; } } server { listen 8080; server_name localhost; } }\n",
            "events {}\nhttp { server { listen 8080; location / { proxy_pass http://127.0.0.1:8080/internal/; } location /internal/ { return 200; } } }\n",
            "events {}\nhttp { server { listen 80; location /api/ { proxy_pass http://127.0.0.1/; } location / { return 200; } } }\n",
            "events {}\nhttp { server { listen 80; location / { proxy_pass http://localhost:80; } } server { listen 80; server_name localhost; } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { listen 80 default_server; server_name a.example; location / { proxy_pass http://localhost; } } }\n",
            "events {}\nhttp { server { listen 443 ssl; server_name a.example; location / { proxy_set_header Host $host; proxy_pass https://127.0.0.1; } } }\n",
            "events {}\nhttp { upstream self { server a.example:8000; } server { listen 8000; server_name a.example; location / { proxy_pass http://self; } } }\n",
            "events {}\nhttp { server { listen 80; listen [::]:80; location /app/ { location /app/api/ { proxy_pass http://[::1]/app/api/; } } } }\n",
        ],
    }
}

/// True when the URI part of a `proxy_pass` keeps requests in the prefix
/// location that passes them (`location /api/ { proxy_pass http://self/api/; }`)
/// and no other location of the server takes the new URI first.
fn uri_returns(m: &Model<'_>, pass: InstId, level: InstId, server: InstId) -> bool {
    let Some(uri) = m.arg(pass, 0).and_then(|a| a.split_once("://")).and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
    else {
        return false;
    };
    let Some(loc) = m.chain(level).find(|&l| m.directive(l).name() == "location") else { return false };
    let exact = m.arg(loc, 0) == Some("=");
    let Some((prefix, false)) = m.location_pattern(loc) else { return false };
    if exact || prefix.starts_with('@') || !uri.starts_with(prefix) {
        return false;
    }
    // Another location that matches the new URI better, or a regex one.
    !m.locations.iter().any(|&other| {
        other != loc
            && m.directive(other).name() == "location"
            && m.server_of(other).is_some_and(|s| s.inst == server)
            && match m.location_pattern(other) {
                Some((pat, false)) => pat.len() > prefix.len() && uri.starts_with(pat),
                Some((_, true)) => {
                    m.location_regex(other).is_some_and(|re| re.is_match(uri.as_bytes()).unwrap_or(false))
                }
                None => false,
            }
    })
}

/// The server a request with the given Host header lands on, among the
/// servers listening on its port (in configuration order).
fn lands_on<'m>(on_port: &[&'m Server], port: u16, host_header: &str) -> Option<&'m Server> {
    on_port
        .iter()
        .find(|s| s.names.iter().any(|n| n == host_header))
        .or_else(|| on_port.iter().find(|s| s.listens.iter().any(|(_, l)| l.port == Some(port) && l.default_server)))
        .or_else(|| on_port.first())
        .copied()
}

impl Rule for ProxyLoop {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut by_port: rustc_hash::FxHashMap<u16, Vec<&Server>> = Default::default();
        for s in &m.servers {
            let mut ports: Vec<u16> = s.listens.iter().filter_map(|(_, l)| l.port).collect();
            ports.dedup();
            for p in ports {
                by_port.entry(p).or_default().push(s);
            }
        }
        for p in &m.passes {
            if p.kind != PassKind::Proxy || p.target.dynamic || p.target.unix.is_some() {
                continue;
            }
            let Some(server) = m.server_of(p.level) else { continue };
            let mut dests: Vec<(&str, u16, Option<InstId>)> = Vec::new();
            match p.target.upstream.and_then(|u| m.upstream(u)) {
                Some(u) => dests.extend(
                    m.servers_of(u)
                        .iter()
                        .filter(|s| s.unix.is_none())
                        .map(|s| (s.host.as_str(), s.port.unwrap_or(80), Some(s.inst))),
                ),
                None => dests.extend(p.target.effective_port().map(|port| (p.target.host.as_str(), port, None))),
            }
            let host_header = m.pair(p.level, "proxy_set_header", "Host").map(|(_, v)| v);
            for (host, port, line) in dests {
                let Some((listen, _)) = server.listens.iter().find(|(_, l)| l.port == Some(port)) else { continue };
                if !(is_loopback(host) || server.names.iter().any(|n| n == host)) {
                    continue;
                }
                let header = match host_header {
                    Some("$host" | "$http_host" | "$server_name") => None,
                    Some(v) if v.contains('$') => continue,
                    Some(v) => Some(v.to_ascii_lowercase()),
                    None => Some(host.to_string()),
                };
                let same = match &header {
                    None => true,
                    Some(h) => lands_on(by_port.get(&port).map(|v| v.as_slice()).unwrap_or(&[]), port, h)
                        .is_some_and(|s| s.inst == server.inst),
                };
                if !same || (p.target.has_uri && !uri_returns(m, p.inst, p.level, server.inst)) {
                    continue;
                }
                // Through an upstream block, the address that is wrong is
                // its `server` line: the finding is there, the pass labelled.
                let mut f = Finding::new(
                    m.span(line.unwrap_or(p.inst)),
                    format!("proxy_pass sends requests back to this server (port {port})"),
                )
                .help("point proxy_pass at the backend application's address, not at this nginx");
                if let Some(l) = listen {
                    f = f.label(m.span(*l), "this server listens here");
                }
                if line.is_some() {
                    f = f.label(m.span(p.inst), "proxied through this upstream here");
                }
                out.push(f);
                break;
            }
        }
    }
}

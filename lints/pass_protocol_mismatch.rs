use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{is_loopback, Model, PassKind};
use crate::model::tree::InstId;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a backend address spoken to in one protocol here and in
    /// another elsewhere in the configuration: `proxy_pass` (HTTP) to an
    /// address that `fastcgi_pass`, `uwsgi_pass`, `scgi_pass` or `grpc_pass`
    /// uses, and the reverse; a gRPC server refuses the HTTP/1.x that
    /// `proxy_pass` speaks, so `grpc_pass` and `proxy_pass` to one address
    /// conflict too. The protocol used less often is reported; on a tie,
    /// the one the port does not suggest (9000 FastCGI, 50051 gRPC, 3031
    /// uwsgi, 80, 3000, 5000 and 8080 HTTP), or both. Also HTTP to a PHP-FPM socket (a `unix:` path
    /// naming `php` or `fpm`), FastCGI, uwsgi or SCGI to this nginx's own
    /// HTTP ports, and HTTP to port 9000 (PHP-FPM's default) on a
    /// configuration that talks FastCGI to port 9000 elsewhere. Addresses
    /// on this machine (`localhost`, `127.0.0.1`, `::1`) count as one host.
    ///
    /// Also `fastcgi_pass`, `uwsgi_pass` or `scgi_pass` to a host without a
    /// port after an HTTP or gRPC pass to the same host: nginx keeps one
    /// implicit upstream per host, and a pass without a port joins the first
    /// one with that name whatever its port, so `fastcgi_pass 127.0.0.1;`
    /// after `proxy_pass http://127.0.0.1:8080;` talks FastCGI to port 8080.
    /// (`nginx -t` accepts it; without the earlier pass it would refuse the
    /// missing port.)
    ///
    /// ## Why is this bad?
    /// nginx accepts it, and every request fails with 502 Bad Gateway:
    /// PHP-FPM does not speak HTTP, and an HTTP server does not speak
    /// FastCGI ("upstream prematurely closed connection", "upstream sent
    /// unsupported FastCGI protocol version").
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / { proxy_pass http://127.0.0.1:9000; }
    ///         location ~ \.php$ { fastcgi_pass 127.0.0.1:9000; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / { proxy_pass http://127.0.0.1:8080; }
    ///         location ~ \.php$ { fastcgi_pass 127.0.0.1:9000; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_pass>
    pub struct PassProtocolMismatch {
        name: "pass-protocol-mismatch",
        category: Suspicious,
        severity: Warning,
        summary: "a backend address is spoken to in the wrong protocol",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass http://minio:9000; } location ~ \\.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; } } }\n",
            "events {}\nhttp { server { listen 8080; location / { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } location /x { fastcgi_pass 127.0.0.1; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://localhost:9000; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://unix:/run/php/php8.2-fpm.sock; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { include fastcgi_params; proxy_pass http://127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { listen 80; location ~ \\.php$ { fastcgi_pass 127.0.0.1:80; } } }\n",
            "events {}\nhttp { upstream app { server 127.0.0.1:8000; } server { location / { proxy_pass http://app; } location /u { uwsgi_pass 127.0.0.1:8000; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:8080; } location ~ \\.php$ { fastcgi_pass 127.0.0.1; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:50051; } } server { listen 443 ssl http2; location / { grpc_pass grpc://127.0.0.1:50051; } } }\n",
            "events {}\nhttp { upstream node { server 127.0.0.1:3000; } server { location / { proxy_pass http://node; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:3000; } } }\n",
        ],
    }
}

/// Normalised destination: (host, port or unix path).
pub(crate) fn dest_key(host: &str, port: Option<u16>, unix: Option<&str>) -> String {
    match unix {
        Some(p) => format!("unix:{p}"),
        None => {
            let h = if is_loopback(host) && !matches!(host, "0.0.0.0" | "::") { "localhost" } else { host };
            format!("{h}:{}", port.unwrap_or(0))
        }
    }
}

/// Every literal destination of every pass: (key, pass index, upstream server line).
pub(crate) fn destinations(m: &Model<'_>) -> Vec<(String, usize, Option<InstId>)> {
    let mut v = Vec::new();
    for (i, p) in m.passes.iter().enumerate() {
        if p.target.dynamic {
            continue;
        }
        match p.target.upstream.and_then(|u| m.upstream(u)) {
            Some(u) => {
                for s in m.servers_of(u) {
                    v.push((dest_key(&s.host, s.port.or(Some(80)), s.unix.as_deref()), i, Some(s.inst)));
                }
            }
            None => {
                if p.target.unix.is_none() && p.target.effective_port().is_none() {
                    continue;
                }
                v.push((dest_key(&p.target.host, p.target.effective_port(), p.target.unix.as_deref()), i, None));
            }
        }
    }
    v
}

/// The protocol a port's number suggests: PHP-FPM's 9000, gRPC's 50051,
/// uWSGI's 3031, and the usual plain HTTP ports of application servers.
fn conventional(key: &str) -> Option<&'static str> {
    match key.rsplit_once(':')?.1 {
        "9000" => Some("FastCGI"),
        "50051" => Some("gRPC"),
        "3031" => Some("uwsgi"),
        "80" | "3000" | "5000" | "8080" => Some("HTTP"),
        _ => None,
    }
}

/// The protocol a pass speaks to its backend.
fn family(k: PassKind) -> Option<&'static str> {
    match k {
        PassKind::Proxy => Some("HTTP"),
        PassKind::Fastcgi => Some("FastCGI"),
        PassKind::Uwsgi => Some("uwsgi"),
        PassKind::Scgi => Some("SCGI"),
        PassKind::Grpc => Some("gRPC"),
        PassKind::Memcached | PassKind::StreamProxy => None,
    }
}

impl Rule for PassProtocolMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let dests = destinations(m);
        // key -> (family, first pass using it, uses)
        let mut by_key: FxHashMap<&str, Vec<(&'static str, usize, usize)>> = FxHashMap::default();
        for (k, i, _) in &dests {
            let Some(fam) = family(m.passes[*i].kind) else { continue };
            let e = by_key.entry(k.as_str()).or_default();
            match e.iter_mut().find(|(f, _, _)| *f == fam) {
                Some(x) => x.2 += 1,
                None => e.push((fam, *i, 1)),
            }
        }
        let (_, own_plain) = super::pass_scheme_port_mismatch::own_ports(m);
        let fastcgi_9000 =
            by_key.iter().any(|(k, v)| k.ends_with(":9000") && v.iter().any(|(f, _, _)| *f == "FastCGI"));
        let mut reported = rustc_hash::FxHashSet::default();
        for (k, i, line) in &dests {
            let p = &m.passes[*i];
            let Some(fam) = family(p.kind) else { continue };
            let mut f = None;
            // Used in another protocol elsewhere (proxy_pass speaks HTTP/1.x,
            // which a gRPC server refuses, so gRPC conflicts with HTTP too).
            let uses = by_key.get(k.as_str()).map(|v| v.as_slice()).unwrap_or(&[]);
            let mine = uses.iter().find(|(g, _, _)| *g == fam).map(|x| x.2).unwrap_or(0);
            // The odd one out is the protocol used less often; on a tie, the
            // one the port's convention does not suggest, or both.
            let blamed_on_tie = conventional(k).is_none_or(|c| c != fam);
            let other = uses.iter().find(|(g, _, n)| *g != fam && (*n > mine || (*n == mine && blamed_on_tie)));
            if let Some(&(ofam, oi, _)) = other {
                let o = &m.passes[oi];
                f = Some(
                    Finding::new(
                        m.span(p.inst),
                        format!("{fam} to {}, an address this configuration talks {ofam} to", show(k)),
                    )
                    .help(format!("point {} at the backend's {fam} address, or speak {ofam} here", p.kind.directive()))
                    .label(m.span(o.inst), format!("{ofam} to the same address here")),
                );
            } else if fam == "HTTP" {
                if let Some(path) = k.strip_prefix("unix:") {
                    let lower = path.to_ascii_lowercase();
                    if lower.contains("php") || lower.contains("fpm") {
                        f = Some(
                            Finding::new(
                                m.span(p.inst),
                                format!("HTTP to {path}, which looks like a PHP-FPM (FastCGI) socket"),
                            )
                            .help(
                                "talk FastCGI to PHP-FPM: use `fastcgi_pass unix:...;` with `include fastcgi_params;`",
                            ),
                        );
                    }
                } else if k.ends_with(":9000") && (fastcgi_9000 || php_context(m, p)) {
                    f = Some(
                        Finding::new(m.span(p.inst), format!("HTTP to {}, PHP-FPM's default FastCGI port", show(k)))
                            .help("PHP-FPM speaks FastCGI: use `fastcgi_pass` with `include fastcgi.conf;`, or point proxy_pass at the backend's HTTP port"),
                    );
                }
            } else if matches!(fam, "FastCGI" | "uwsgi" | "SCGI") && k.starts_with("localhost:") {
                let port: u16 = k.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
                if own_plain.contains(&port) {
                    f = Some(
                        Finding::new(m.span(p.inst), format!("{fam} to {}, where this nginx serves HTTP", show(k)))
                            .help(format!(
                            "point {} at the application server (PHP-FPM listens on 9000 or a unix socket by default)",
                            p.kind.directive()
                        )),
                    );
                }
            }
            if let Some(mut f) = f {
                if let Some(l) = line {
                    f = f.label(m.span(*l), "upstream server declared here");
                }
                if reported.insert((p.inst, k.clone())) {
                    out.push(f);
                }
            }
        }
        port_reused(m, out);
    }
}

/// A FastCGI, uwsgi or SCGI pass to a host without a port joins the implicit
/// upstream of the first earlier pass to that host (nginx matches implicit
/// upstreams by host name; a missing port matches any port) and so talks its
/// protocol to that pass's port.
fn port_reused(m: &Model<'_>, out: &mut Findings<'_>) {
    // The first pass naming each host (per root) that makes an implicit upstream.
    let mut first: FxHashMap<(u32, &str), usize> = FxHashMap::default();
    for (i, q) in m.passes.iter().enumerate() {
        let t = &q.target;
        if q.kind != PassKind::StreamProxy && !t.dynamic && t.unix.is_none() && t.upstream.is_none() {
            first.entry((m.tree.insts[q.inst as usize].root, t.host.as_str())).or_insert(i);
        }
    }
    for p in &m.passes {
        let Some(fam @ ("FastCGI" | "uwsgi" | "SCGI")) = family(p.kind) else { continue };
        let t = &p.target;
        if t.port.is_some() || t.unix.is_some() || t.dynamic || t.upstream.is_some() {
            continue;
        }
        let root = m.tree.insts[p.inst as usize].root;
        let Some(q) = first.get(&(root, t.host.as_str())).map(|&i| &m.passes[i]).filter(|q| q.inst < p.inst) else {
            continue;
        };
        let (Some(port), Some(qfam)) = (q.target.effective_port(), family(q.kind)) else { continue };
        if qfam == fam {
            continue;
        }
        out.push(
            Finding::new(
                m.span(p.inst),
                format!(
                    "{} {} has no port: nginx reuses the upstream of the {} to {}:{port} and talks {fam} to that {qfam} port",
                    p.kind.directive(),
                    t.host,
                    q.kind.directive(),
                    t.host
                ),
            )
            .help(format!("give the {fam} server's own port (PHP-FPM listens on 9000 by default) or its unix socket"))
            .label(m.span(q.inst), format!("the upstream {}:{port} comes from here", t.host)),
        );
    }
}

/// The pass stands in a PHP location (its pattern names php) or sets FastCGI parameters.
fn php_context(m: &Model<'_>, p: &crate::model::graph::Pass) -> bool {
    let host = p.target.host.to_ascii_lowercase();
    host.contains("php")
        || host.contains("fpm")
        || m.chain(p.level).any(|l| {
            !m.local(l, "fastcgi_param").is_empty() && m.directive(l).name() == "location"
                || m.directive(l).name() == "location"
                    && m.location_pattern(l).is_some_and(|(pat, _)| pat.to_ascii_lowercase().contains("php"))
        })
}

fn show(k: &str) -> String {
    k.strip_prefix("unix:").map(|p| format!("unix:{p}")).unwrap_or_else(|| k.to_string())
}

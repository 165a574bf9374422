use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reads the address of `proxy_pass`, `fastcgi_pass`, `uwsgi_pass`,
    /// `scgi_pass`, `grpc_pass` and `memcached_pass` (http) the way nginx
    /// does and reports what it refuses:
    ///
    /// - `proxy_pass` without `http://` or `https://` (`proxy_pass
    ///   localhost:8080;`);
    /// - a port that is not a number from 1 to 65535 (`:0`, `:99999`, `:`);
    /// - no host (`http://:8080`), an unclosed IPv6 bracket;
    /// - a URI part (`/path` or `?args`) where only an address fits: every
    ///   directive but `proxy_pass` (`fastcgi_pass 127.0.0.1:9000/x`,
    ///   `fastcgi_pass http://127.0.0.1:9000`);
    /// - `unix:` without a path;
    /// - no port where there is no default (every directive but
    ///   `proxy_pass` and the schemes of `grpc_pass` and `uwsgi_pass`),
    ///   unless the name is an `upstream` block or an earlier pass reaches
    ///   the same host with a port (nginx then reuses that one's port):
    ///   judged only in complete configurations, where every upstream block
    ///   is known.
    ///
    /// Addresses with variables are resolved per request and left alone.
    /// Whether a host name resolves is not checked (no DNS).
    ///
    /// nginx error texts: `invalid URL prefix`, `invalid port in upstream
    /// "X"`, `invalid host in upstream "X"`, `no host in upstream "X"`,
    /// `no path in the unix domain socket in upstream "X"`, `no port in
    /// upstream "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / { proxy_pass 127.0.0.1:8080; }
    ///         location ~ \.php$ { fastcgi_pass http://127.0.0.1:9000; }
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
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass>
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_pass>
    pub struct InvalidPassAddress {
        name: "invalid-pass-address",
        category: Correctness,
        severity: Error,
        summary: "a proxy_pass or fastcgi_pass address nginx cannot read",
        pass: &["events {}\nhttp { upstream php { server 127.0.0.1:9000; } server { location / { proxy_pass HTTPS://a.test; } location /b { proxy_pass http://unix:/run/a.sock:/x; } location ~ \\.php$ { fastcgi_pass php; } location /g { grpc_pass grpc://127.0.0.1:50051; } location /v { proxy_pass $scheme://a$uri; } location /p { proxy_pass http://127.0.0.1:9001; } location /u { uwsgi_pass 127.0.0.1; } location /d { proxy_pass http://app.test; } location /s { scgi_pass app.test; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass localhost:8080; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:99999; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass http://127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass 127.0.0.1; } } }\n",
        ],
    }
}

/// What nginx says about an address (after any scheme), if anything.
/// `uri_part`: a URI may follow. The flag: the problem is a missing port.
pub fn refuse(addr: &str, uri_part: bool) -> Option<(String, &'static str, bool)> {
    if addr.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("unix:")) {
        let path = &addr[5..];
        let path = if uri_part { path.split_once(':').map_or(path, |(p, _)| p) } else { path };
        return path.is_empty().then(|| {
            (
                format!("no path in the unix domain socket in upstream \"{addr}\""),
                "write the socket's path: `unix:/run/app.sock`",
                false,
            )
        });
    }
    let invalid_host =
        || Some((format!("invalid host in upstream \"{addr}\""), "an IPv6 address is written `[::1]:8000`", false));
    let end = addr.find(['/', '?']);
    if end.is_some() && !uri_part {
        return Some((
            format!("invalid host in upstream \"{addr}\""),
            "this directive takes an address (`127.0.0.1:9000`, `unix:/path`, an upstream name), no scheme and no URI",
            false,
        ));
    }
    let hostport = &addr[..end.unwrap_or(addr.len())];
    let port = if let Some(rest) = hostport.strip_prefix('[') {
        let Some((_, after)) = rest.split_once(']') else { return invalid_host() };
        match after {
            "" => None,
            a => match a.strip_prefix(':') {
                Some(p) => Some(p),
                None => return invalid_host(),
            },
        }
    } else {
        hostport.split_once(':').map(|(_, p)| p)
    };
    if let Some(p) = port {
        let ok = !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Some((format!("invalid port in upstream \"{addr}\""), "write a port from 1 to 65535", false));
        }
    }
    let host = match hostport.split_once(':') {
        _ if hostport.starts_with('[') => hostport,
        Some((h, _)) => h,
        None => hostport,
    };
    if host.is_empty() {
        return Some((format!("no host in upstream \"{addr}\""), "write the host: `127.0.0.1:8000` or a name", false));
    }
    port.is_none().then(|| {
        (
            format!("no port in upstream \"{addr}\""),
            "add the port (`127.0.0.1:9000`): this directive has no default",
            true,
        )
    })
}

impl Rule for InvalidPassAddress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for p in &m.passes {
            if p.kind == PassKind::StreamProxy {
                continue;
            }
            let Some(arg) = m.args(p.inst).first() else { continue };
            let url = arg.as_str();
            if url.contains('$') {
                continue;
            }
            let lower = url.get(..9).unwrap_or(url).to_ascii_lowercase();
            let schemes: &[&str] = match p.kind {
                PassKind::Proxy => &["http://", "https://"],
                PassKind::Grpc => &["grpc://", "grpcs://"],
                PassKind::Uwsgi => &["uwsgi://", "suwsgi://"],
                _ => &[],
            };
            let scheme = schemes.iter().find(|s| lower.starts_with(**s));
            if p.kind == PassKind::Proxy && scheme.is_none() {
                out.push(
                    Finding::new(arg.span, "invalid URL prefix")
                        .help(format!("proxy_pass takes a URL: `proxy_pass http://{url};` (or https://)")),
                );
                continue;
            }
            let addr = &url[scheme.map_or(0, |s| s.len())..];
            let Some((msg, help, no_port)) = refuse(addr, p.kind == PassKind::Proxy) else { continue };
            if no_port {
                // A default port, an upstream block, or one we may not see.
                let root = m.tree.insts[p.inst as usize].root as usize;
                let complete = m.tree.root_ctx.get(root) == Some(&Context::Main) && !m.has_unresolved_include(p.level);
                let default_port = p.kind == PassKind::Proxy || scheme.is_some();
                // nginx reuses the implicit upstream of an earlier pass to the
                // same host that has a port, written or the scheme's default
                // (`proxy_pass http://127.0.0.1;` is port 80), and the request
                // goes to that port.
                // (Looked for last: most passes without a port name an upstream.)
                let earlier_with_port = || {
                    m.passes.iter().filter(|q| q.inst < p.inst).any(|q| {
                        q.kind != PassKind::StreamProxy
                            && q.target.effective_port().is_some()
                            && q.target.unix.is_none()
                            && q.target.host.eq_ignore_ascii_case(&p.target.host)
                            && m.tree.insts[q.inst as usize].root as usize == root
                    })
                };
                if default_port || p.target.upstream.is_some() || !complete || earlier_with_port() {
                    continue;
                }
            }
            out.push(Finding::new(arg.span, msg).help(help));
        }
    }
}

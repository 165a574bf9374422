use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::Model;
use crate::model::tree::InstId;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports TLS that nginx cannot set up for lack of a certificate, in
    /// complete configurations (an entry file that is a main config):
    ///
    /// - an http socket with `ssl` whose default server (the one marked
    ///   `default_server`, else the first listening on that address and port)
    ///   has no `ssl_certificate`, its own or inherited from http, and no
    ///   `ssl_reject_handshake on`; the socket is TLS when any server lists
    ///   it with `ssl`, so a plain `listen 443;` first on a port another
    ///   server lists with `ssl` needs a certificate too;
    /// - a stream `listen ... ssl` whose server has no `ssl_certificate`;
    /// - the deprecated `ssl on;` in effect for a server with no certificate;
    /// - more `ssl_certificate` than `ssl_certificate_key` in effect for a
    ///   server (each certificate needs its key; the two lists are inherited
    ///   independently).
    ///
    /// Snippets are not judged: the certificate may be set in the main
    /// configuration that includes them. Whether the files exist is not
    /// checked (CI machines rarely have the production certificates).
    ///
    /// nginx error texts: `no "ssl_certificate" is defined for the "listen
    /// ... ssl" directive` (nginx names the default server's line),
    /// `no "ssl_certificate" is defined for the "ssl" directive`,
    /// `no "ssl_certificate_key" is defined for certificate "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 443 ssl;
    ///         server_name example.com;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 443 ssl;
    ///         server_name example.com;
    ///         ssl_certificate /etc/ssl/example.com.crt;
    ///         ssl_certificate_key /etc/ssl/example.com.key;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_certificate>
    /// - <https://nginx.org/en/docs/http/configuring_https_servers.html>
    pub struct MissingSslCertificate {
        name: "missing-ssl-certificate",
        category: Correctness,
        severity: Error,
        summary: "TLS without a certificate or key",
        pass: &[
            "events {}\nhttp { ssl_certificate a.crt; ssl_certificate_key a.key; server { listen 443 ssl; } }\n",
            "events {}\nhttp { server { listen 443 ssl default_server; ssl_reject_handshake on; } server { listen 443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; } }\n",
            "server { listen 443 ssl; server_name a; }\n",
        ],
        fail: &[
            "events {}\nhttp { server { listen 8443 ssl; } }\n",
            "events {}\nhttp { server { listen 443; } server { listen 443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; } }\n",
            "events {}\nhttp { server { listen 443 ssl; ssl_certificate a.crt; } }\n",
            "events {}\nstream { server { listen 8443 ssl; proxy_pass 127.0.0.1:1; } }\n",
        ],
    }
}

/// The `ssl_certificate` list in effect at a level (nearest level that sets any).
fn effective_all<'m>(m: &'m Model<'_>, level: InstId, name: &str) -> &'m [InstId] {
    m.chain(level).map(|l| m.local(l, name)).find(|l| !l.is_empty()).unwrap_or(&[])
}

fn is_on(m: &Model<'_>, level: InstId, name: &str) -> Option<InstId> {
    m.effective(level, name).filter(|&id| m.arg(id, 0).is_some_and(|v| v.eq_ignore_ascii_case("on")))
}

impl Rule for MissingSslCertificate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let complete = |level: InstId| {
            let root = m.tree.insts[level as usize].root as usize;
            m.tree.root_ctx.get(root) == Some(&Context::Main) && !m.has_unresolved_include(level)
        };
        let has_cert = |level: InstId| !effective_all(m, level, "ssl_certificate").is_empty();

        // http: per socket, whether any listen sets ssl, its explicit default,
        // its first server, and one `listen ... ssl` to point at.
        struct Socket {
            ssl: Option<InstId>,
            default: Option<InstId>,
            first: InstId,
        }
        let mut sockets: FxHashMap<(u32, String), Socket> = FxHashMap::default();
        let mut order = Vec::new();
        for s in &m.servers {
            if !complete(s.inst) {
                continue;
            }
            let root = m.tree.insts[s.inst as usize].root;
            for (at, l) in &s.listens {
                if l.quic {
                    continue;
                }
                let key = (root, l.key());
                let e = sockets.entry(key.clone()).or_insert_with(|| {
                    order.push(key);
                    Socket { ssl: None, default: None, first: s.inst }
                });
                if l.ssl && e.ssl.is_none() {
                    e.ssl = *at;
                }
                if l.default_server && e.default.is_none() {
                    e.default = Some(s.inst);
                }
            }
        }
        for key in &order {
            let sock = &sockets[key];
            let Some(ssl_at) = sock.ssl else { continue };
            let server = sock.default.unwrap_or(sock.first);
            if has_cert(server) || is_on(m, server, "ssl_reject_handshake").is_some() {
                continue;
            }
            let mut f = Finding::new(
                m.span(server),
                "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive",
            )
            .help(format!(
                "this server is the default for {}, which is TLS: give it `ssl_certificate` and `ssl_certificate_key` (or set them at http level), or `ssl_reject_handshake on;` for a catch-all",
                key.1
            ));
            f = f.label(m.span(ssl_at), "TLS enabled here");
            out.push(f);
        }

        // http: the deprecated `ssl on;` (one finding per directive).
        let mut seen = rustc_hash::FxHashSet::default();
        for s in &m.servers {
            if !complete(s.inst) || has_cert(s.inst) {
                continue;
            }
            if let Some(on) = is_on(m, s.inst, "ssl").filter(|&on| seen.insert(on)) {
                out.push(
                    Finding::new(m.span(on), "no \"ssl_certificate\" is defined for the \"ssl\" directive")
                        .help("add `ssl_certificate` and `ssl_certificate_key`; better, drop `ssl on;` and write `listen 443 ssl;`")
                        .label(m.span(s.inst), "in effect for this server"),
                );
            }
        }

        // stream: every `listen ... ssl`.
        for &l in m.named("listen") {
            let Some(server) = m.parent(l).filter(|&p| m.inner(p) == Some(Context::StreamServer)) else { continue };
            if !complete(server) || !m.args(l).iter().skip(1).any(|a| a.as_str() == "ssl") || has_cert(server) {
                continue;
            }
            out.push(
                Finding::new(m.span(l), "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive")
                    .help("give this stream server `ssl_certificate` and `ssl_certificate_key`, or set them in stream"),
            );
        }

        // Each certificate needs a key: http and stream servers.
        let servers = m
            .servers
            .iter()
            .map(|s| s.inst)
            .chain(m.named("server").iter().copied().filter(|&s| m.inner(s) == Some(Context::StreamServer)));
        for s in servers {
            if !complete(s) {
                continue;
            }
            let certs = effective_all(m, s, "ssl_certificate");
            let keys = effective_all(m, s, "ssl_certificate_key");
            if certs.len() <= keys.len() {
                continue;
            }
            let cert = certs[keys.len()];
            if !seen.insert(cert) {
                continue;
            }
            let name = m.arg(cert, 0).unwrap_or("");
            out.push(
                Finding::new(m.span(cert), format!("no \"ssl_certificate_key\" is defined for certificate \"{name}\""))
                    .help("add an `ssl_certificate_key` for each `ssl_certificate`, at the same level")
                    .label(m.span(s), "in effect for this server"),
            );
        }
    }
}

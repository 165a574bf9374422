use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass` (or `fastcgi_pass`, `grpc_pass`, ...) whose
    /// host names an `upstream` block but also carries a port, as in
    /// `proxy_pass http://backend:8080` with `upstream backend { ... }`.
    ///
    /// nginx error text: `upstream "NAME" may not have port PORT`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration: the ports belong to the
    /// upstream's `server` lines, not to the reference.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream backend { server 127.0.0.1:8080; }
    ///     server {
    ///         location / { proxy_pass http://backend:8080; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream backend { server 127.0.0.1:8080; }
    ///     server {
    ///         location / { proxy_pass http://backend; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#upstream>
    pub struct UpstreamWithPort {
        name: "upstream-with-port",
        category: Correctness,
        severity: Error,
        summary: "a reference to an upstream block carries a port",
        pass: &["events {}\nhttp { upstream b { server 127.0.0.1:1; } server { location / { proxy_pass http://b/x; } } }\n"],
        fail: &[
            "events {}\nhttp { upstream b { server 127.0.0.1:1; } server { location / { proxy_pass http://B:80; } } }\n",
            "events {}\nhttp { upstream php { server 127.0.0.1:9000; } server { location / { fastcgi_pass php:9000; } } }\n",
        ],
    }
}

impl Rule for UpstreamWithPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for p in &m.passes {
            let (Some(port), Some(up)) = (p.target.port, p.target.upstream) else { continue };
            let name = m.arg(up, 0).unwrap_or("");
            out.push(
                Finding::new(m.span(p.inst), format!("upstream \"{name}\" may not have port {port}"))
                    .help(format!(
                        "drop the port: the upstream's `server` lines give it; write `{}`",
                        without_port(m.arg(p.inst, 0).unwrap_or(""), port)
                    ))
                    .label(m.span(up), "upstream declared here"),
            );
        }
    }
}

fn without_port(raw: &str, port: u16) -> String {
    raw.replacen(&format!(":{port}"), "", 1)
}

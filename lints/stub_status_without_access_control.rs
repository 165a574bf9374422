use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `stub_status` in a location that no `deny`, `auth_basic` or
    /// `auth_request` protects.
    ///
    /// ## Why is this bad?
    /// The status page tells anyone how busy the server is, how many
    /// connections it holds, and that it runs nginx: useful to plan a
    /// denial of service or to fingerprint the host.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location = /nginx_status {
    ///             stub_status;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location = /nginx_status {
    ///             stub_status;
    ///             allow 127.0.0.1;
    ///             deny all;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_stub_status_module.html>
    pub struct StubStatusWithoutAccessControl {
        name: "stub-status-without-access-control",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "the stub_status page is open to everyone",
        pass: &[
            "events {}\nhttp { server { listen 127.0.0.1:8080; location / { stub_status; } } }\n",
            "events {}\nhttp { server { allow 10.0.0.1; deny all; location /s { stub_status on; } } }\n",
        ],
        fail: &["events {}\nhttp { server { location /s { stub_status on; } } }\n"],
    }
}

impl Rule for StubStatusWithoutAccessControl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("stub_status") {
            let Some(level) = m.parent(id) else { continue };
            if m.has_unresolved_include(level) {
                continue;
            }
            // A server that listens on loopback only is not reachable from outside.
            if !(m.restricts_access(level) || m.listens_locally(level)) {
                out.push(
                    Finding::new(m.span(id), "the status page is open to every client")
                        .help("restrict it: `allow 127.0.0.1; deny all;`"),
                );
            }
        }
    }
}

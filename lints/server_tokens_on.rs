use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `server_tokens on;` (or `build`) written in the configuration.
    ///
    /// ## Why is this bad?
    /// nginx then names its exact version in the `Server` header and on its
    /// error pages. Scanners use it to pick the exploits that match, and an
    /// explicit `on` often undoes a `server_tokens off;` set at an outer level.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server_tokens on;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server_tokens off;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens>
    pub struct ServerTokensOn {
        name: "server-tokens-on",
        category: Security,
        severity: Warning,
        summary: "server_tokens on discloses the nginx version",
        pass: &["events {}\nhttp { server_tokens off; }\n"],
        fail: &["events {}\nhttp { server { location / { server_tokens build; } } }\n"],
    }
}

impl Rule for ServerTokensOn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let m = cx.model();
        for &id in m.named("server_tokens") {
            if let Some(v @ ("on" | "build")) = m.arg(id, 0) {
                out.push(
                    Finding::new(
                        m.span(id),
                        format!("server_tokens {v} shows the nginx version in headers and error pages"),
                    )
                    .help("set `server_tokens off;` (in http, once)"),
                );
            }
        }
    }
}

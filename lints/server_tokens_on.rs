use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `server_tokens on;` (or `build`) written in the configuration.
    /// With the option `report-default`, also reports an `http` block of a
    /// complete configuration where some server gets nginx's default, `on`.
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
    /// - `report-default` (bool, default `false`): also report the default
    ///   `on` when no `server_tokens` applies to a server.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens>
    pub struct ServerTokensOn {
        name: "server-tokens-on",
        category: Security,
        severity: Warning,
        summary: "server_tokens on discloses the nginx version",
        pass: &[
            "events {}\nhttp { server_tokens off; }\n",
            "events {}\nhttp { server { } }\n",
            "# with: --option server-tokens-on:report-default=true\nevents {}\nhttp { server { server_tokens off; } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { server_tokens build; } } }\n",
            "# with: --option server-tokens-on:report-default=true\nevents {}\nhttp { server { listen 80; } }\n",
        ],
        options: &[crate::lint::RuleOption {
            name: "report-default",
            kind: crate::lint::OptionKind::Bool,
            default: "false",
            doc: "also report http blocks where a server gets the default server_tokens on",
        }],
    }
}

impl Rule for ServerTokensOn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
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
        if cx.option(&Self::META, "report-default") != "true" {
            return;
        }
        for &http in m.named("http") {
            let root = m.tree.insts[http as usize].root;
            if m.tree.root_ctx.get(root as usize) != Some(&crate::model::context::Context::Main)
                || !m.local(http, "server_tokens").is_empty()
            {
                continue;
            }
            let open = m
                .local(http, "server")
                .iter()
                .find(|&&s| m.effective(s, "server_tokens").is_none() && !m.has_unresolved_include(s));
            if let Some(&s) = open {
                out.push(
                    Finding::new(
                        m.span(http),
                        "server_tokens is on by default: the nginx version is shown in headers and error pages",
                    )
                    .help("add `server_tokens off;` to the http block")
                    .label(m.span(s), "this server uses the default"),
                );
            }
        }
    }
}

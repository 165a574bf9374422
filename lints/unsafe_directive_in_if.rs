use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::{InstId, Status};

declare_rule! {
    /// ## What it does
    /// Reports directives other than `return`, `rewrite`, `set` and `break`
    /// inside an `if` in a location, when the `if` does not end the request
    /// itself (with `return`, or `rewrite ... last` / `break`).
    ///
    /// ## Why is this bad?
    /// An `if` in a location is a nested location of its own: when the
    /// condition holds, the request is served with the `if`'s configuration,
    /// which replaces lists such as `add_header` and `proxy_set_header`,
    /// loses `try_files`, and has crashed nginx in the past ("if is evil").
    /// Access rules, headers and proxying written inside an `if` rarely do
    /// what the reader expects.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             if ($http_user_agent ~ curl) {
    ///                 add_header X-Client curl;
    ///             }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     map $http_user_agent $client_kind {
    ///         default "";
    ///         ~curl curl;
    ///     }
    ///     server {
    ///         location / {
    ///             add_header X-Client $client_kind;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#if>
    /// - <https://github.com/nginxinc/nginx-wiki/blob/master/source/start/topics/depth/ifisevil.rst>
    pub struct UnsafeDirectiveInIf {
        name: "unsafe-directive-in-if",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "a directive other than return/rewrite/set inside if in a location",
        pass: &[
            "events {}\nhttp { server { location / { if ($request_method = OPTIONS) { add_header Allow GET; return 204; } } } }\n",
            "events {}\nhttp { server { location / { if ($arg_v) { set $v 1; rewrite ^ /v last; } } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { if ($arg_debug) { proxy_pass http://127.0.0.1:1; } } } }\n",
            "events {}\nhttp { server { location / { if (-f $request_filename) { expires 30d; break; } } } }\n",
        ],
    }
}

const SAFE: &[&str] = &["return", "rewrite", "set", "break", "if", "rewrite_log", "uninitialized_variable_warn"];

impl Rule for UnsafeDirectiveInIf {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let ends = |level: InstId| {
            !m.local(level, "return").is_empty()
                || m.local(level, "rewrite").iter().any(|&r| m.arg(r, 2) == Some("last"))
        };
        for (i, inst) in m.tree.insts.iter().enumerate() {
            if inst.ctx != Context::IfInLocation || matches!(inst.status, Status::Skipped) {
                continue;
            }
            let Some(level) = inst.parent else { continue };
            let d = m.directive(i as InstId);
            let name = d.name();
            if SAFE.contains(&name) || name == "include" || ends(level) {
                continue;
            }
            out.push(
                Finding::new(
                    m.span(i as InstId),
                    format!("{name} inside if in a location applies to a configuration of its own"),
                )
                .help("move the condition into a `map` and use its variable here, or end the if with `return`")
                .label(m.span(level), "this if acts as a nested location"),
            );
        }
    }
}

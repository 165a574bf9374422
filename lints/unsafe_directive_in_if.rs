use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::{InstId, Status};

declare_rule! {
    /// ## What it does
    /// Reports directives other than `return`, `rewrite`, `set` and `break`
    /// inside an `if` in a location, when the `if` does not send the request
    /// elsewhere itself (with `return`, or a `rewrite` that is not `break`),
    /// and a `rewrite ... break` (or a lone `break`) there: only `return` and
    /// `rewrite ... last` are safe inside such an `if`.
    ///
    /// ## Why is this bad?
    /// An `if` in a location is a nested location of its own: when the
    /// condition holds, the request is served with the `if`'s configuration,
    /// which replaces lists such as `add_header` and `proxy_set_header`,
    /// loses `try_files`, and has crashed nginx in the past ("if is evil").
    /// Access rules, headers and proxying written inside an `if` rarely do
    /// what the reader expects. After `rewrite ... break` the rewritten URI is
    /// served by the `if` itself: without the location's `try_files`, and by
    /// its `proxy_pass` or `fastcgi_pass` when it has one.
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
            "events {}\nhttp { server { location / { if ($http_user_agent ~ MSIE) { rewrite ^ /unsupported.html; } try_files $uri /index.html; } location = /unsupported.html { } } }\n",
            "events {}\nhttp { server { if ($host = old.example.com) { rewrite ^ /moved.html break; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { if ($arg_debug) { proxy_pass http://127.0.0.1:1; } } } }\n",
            "events {}\nhttp { server { location / { if (-f $request_filename) { expires 30d; break; } } } }\n",
            "events {}\nhttp { server { location / { if ($http_user_agent ~ MSIE) { rewrite ^ /unsupported.html break; } try_files $uri /index.html; } } }\n",
            "events {}\nhttp { server { location / { if (-f /srv/MAINTENANCE) { rewrite ^ /maintenance.html break; } proxy_pass http://127.0.0.1:8000; } } }\n",
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
        // An if whose request leaves it: `return`, or a rewrite that starts
        // a new location search (`last`, or no flag) or redirects.
        let ends = |level: InstId| {
            !m.local(level, "return").is_empty()
                || m.local(level, "rewrite").iter().any(|&r| !matches!(m.arg(r, 2), Some("break")))
        };
        for (i, inst) in m.tree.insts.iter().enumerate() {
            if inst.ctx != Context::IfInLocation || matches!(inst.status, Status::Skipped) {
                continue;
            }
            let Some(level) = inst.parent else { continue };
            let d = m.directive(i as InstId);
            let name = d.name();
            if name == "include" || ends(level) {
                continue;
            }
            // `rewrite ... break` (and `break`) stop the rewrite module inside
            // the if: the request is then served with the if's configuration,
            // with the location's content handler (proxy_pass, fastcgi_pass)
            // and without its try_files. Only `return` and `rewrite ... last`
            // are safe there.
            let stops = match name {
                "rewrite" => m.arg(i as InstId, 2) == Some("break"),
                // A bare `break` next to a directive reported below is that
                // directive's finding already.
                "break" => {
                    m.local(level, "rewrite").is_empty()
                        && m.block_lines(level).all(|c| {
                            let n = m.directive(c).name();
                            SAFE.contains(&n) || n == "include"
                        })
                }
                _ => false,
            };
            if stops {
                let outer = m.parent(level);
                let content = outer.and_then(|o| {
                    ["try_files", "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass"]
                        .iter()
                        .find_map(|n| m.local(o, n).first().copied())
                });
                let what = if name == "break" { "break" } else { "rewrite ... break" };
                let mut f = Finding::new(
                    m.span(i as InstId),
                    format!("{what} inside if in a location serves the request with the if's own configuration"),
                )
                .help("use `rewrite ... last` (a new location search) or `return`, or move the condition into a `map`")
                .label(m.span(level), "this if acts as a nested location");
                if let Some(c) = content {
                    let n = m.directive(c).name();
                    f = f.label(
                        m.span(c),
                        if n == "try_files" {
                            "try_files is not applied when the if matches".to_string()
                        } else {
                            format!("{n} still handles the rewritten request")
                        },
                    );
                }
                out.push(f);
                continue;
            }
            if SAFE.contains(&name) {
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

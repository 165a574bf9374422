use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::directives::table;
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a directive used in a context where nginx does not allow it,
    /// such as `proxy_pass` at server level, `listen` in a location or
    /// `server_name` inside `http`. Contexts follow includes: a snippet's
    /// directives are checked where the snippet is included.
    ///
    /// nginx error text: `"NAME" directive is not allowed here`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         proxy_pass http://127.0.0.1:8080;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         location / {
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/dirindex.html> (each directive's "Context:" line)
    pub struct DirectiveNotAllowed {
        name: "directive-not-allowed",
        category: Syntax,
        severity: Error,
        summary: "a directive stands in a context nginx does not allow it in",
        pass: &["events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:8080; } } }\n"],
        fail: &[
            "events {}\nhttp { server { proxy_pass http://127.0.0.1:8080; } }\n",
            "events {}\nhttp { listen 80; }\n",
        ],
    }
}

impl Rule for DirectiveNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let t = table();
        for (_, inst, d) in cx.tree.refused(cx.loaded) {
            if let Status::NotAllowed = inst.status {
                if cx.is_extra_directive(d.name()) {
                    continue;
                }
                let specs = t.get(d.name());
                let mut allowed: Vec<&str> = Vec::new();
                for s in specs {
                    for c in s.contexts.iter() {
                        if !allowed.contains(&c.name()) {
                            allowed.push(c.name());
                        }
                    }
                }
                let name = d.name();
                let mut f =
                    Finding::new(d.head_span(), format!("\"{name}\" directive is not allowed here")).help(format!(
                        "\"{name}\" cannot stand in {}; it belongs in: {}",
                        inst.ctx.describe(),
                        allowed.join(", ")
                    ));
                if let Some(via) = inst.via {
                    let inc = &cx.tree.insts[via as usize];
                    let id = cx.loaded.file(inc.file).ast.node(inc.node);
                    f = f.label(id.head_span(), format!("included here, in {}", inc.ctx.describe()));
                }
                out.push(f);
            }
        }
    }
}

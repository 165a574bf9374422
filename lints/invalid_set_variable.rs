use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a `set` whose first argument is not a variable: `set x 1;`,
    /// `set $ 1;`. The name must start with `$` and have at least one
    /// character after it.
    ///
    /// nginx error text: `invalid variable name "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         set backend 127.0.0.1:8000;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         set $backend 127.0.0.1:8000;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#set>
    pub struct InvalidSetVariable {
        name: "invalid-set-variable",
        category: Correctness,
        severity: Error,
        summary: "set with a name that is not a variable",
        pass: &["events {}\nhttp { server { set $a 1; set \"$b\" 2; } }\n"],
        fail: &["events {}\nhttp { server { set a 1; } }\n", "events {}\nhttp { server { set $ 1; } }\n"],
    }
}

impl Rule for InvalidSetVariable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("set") {
            let Status::Found(spec) = cx.tree.insts[id as usize].status else { continue };
            if spec.module != "ngx_http_rewrite_module" {
                continue;
            }
            let Some(a) = m.args(id).first() else { continue };
            let v = a.as_str();
            if v.len() < 2 || !v.starts_with('$') {
                out.push(
                    Finding::new(a.span, format!("invalid variable name \"{v}\""))
                        .help("the first argument of `set` is the variable to set: `set $name value;`"),
                );
            }
        }
    }
}

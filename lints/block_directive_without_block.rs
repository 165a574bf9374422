use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;
use crate::syntax::ast::Terminator;

declare_rule! {
    /// ## What it does
    /// Reports a block directive (`server`, `location`, `upstream`, `if`, ...)
    /// written without its `{ ... }` body.
    ///
    /// nginx error text: `directive "NAME" has no opening "{"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream backend;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream backend {
    ///         server 127.0.0.1:8080;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - nginx source: `ngx_conf_handler` in `src/core/ngx_conf_file.c`
    pub struct BlockDirectiveWithoutBlock {
        name: "block-directive-without-block",
        category: Syntax,
        severity: Error,
        summary: "a block directive is written without its { } body",
        pass: &["events {}\nhttp { upstream b { server 127.0.0.1:8080; } }\n"],
        fail: &["events {}\nhttp { upstream backend; }\n", "events;\n"],
    }
}

impl Rule for BlockDirectiveWithoutBlock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, |s| s.is_block()) {
            if d.terminator != Terminator::Semicolon {
                continue;
            }
            if let Status::Found(spec) = inst.status {
                if cx.is_extra_directive(d.name()) {
                    continue;
                }
                if spec.is_block() {
                    let name = d.name();
                    out.push(
                        Finding::new(d.head_span(), format!("directive \"{name}\" has no opening \"{{\""))
                            .help(format!("\"{name}\" is a block: write `{name} ... {{ ... }}`")),
                    );
                }
            }
        }
    }
}

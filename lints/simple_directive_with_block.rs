use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;
use crate::syntax::ast::Terminator;

declare_rule! {
    /// ## What it does
    /// Reports a simple directive followed by `{` instead of `;`. The usual
    /// cause is an unquoted regular expression with a `{`, such as
    /// `rewrite ^/a{2}$ /b;`: nginx ends the word at `{`. Quote such values.
    ///
    /// nginx error text: `directive "NAME" is not terminated by ";"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         rewrite ^/x{2}$ /y;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         rewrite "^/x{2}$" /y;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - nginx source: `ngx_conf_handler` in `src/core/ngx_conf_file.c`
    pub struct SimpleDirectiveWithBlock {
        name: "simple-directive-with-block",
        category: Syntax,
        severity: Error,
        summary: "a simple directive is followed by { instead of ;",
        pass: &["events {}\nhttp { server { rewrite \"^/x{2}$\" /y; } }\n"],
        fail: &["events {}\nhttp { server { listen 80 { } } }\n"],
    }
}

impl Rule for SimpleDirectiveWithBlock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.dispatched(cx.loaded) {
            if d.terminator != Terminator::Block || d.block.as_ref().is_some_and(|b| b.raw.is_some()) {
                continue;
            }
            if let Status::Found(spec) = inst.status {
                if cx.is_extra_directive(d.name()) {
                    continue;
                }
                if !spec.is_block() {
                    let name = d.name();
                    let open = d.block.as_ref().map_or(d.head_end, |b| b.open);
                    out.push(
                        Finding::new(d.head_span(), format!("directive \"{name}\" is not terminated by \";\""))
                            .help(format!(
                                "end \"{name}\" with \";\"; if a value contains \"{{\" (a regex), put it in quotes"
                            ))
                            .label(crate::span::Span::new(d.file(), open, open + 1), "nginx ends the directive here"),
                    );
                }
            }
        }
    }
}

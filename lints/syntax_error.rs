use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports what nginx's configuration lexer refuses: a missing `;`, an
    /// unbalanced `{` or `}`, a quote that is never closed, a character glued
    /// to a closing quote, a word longer than nginx's 4 KiB buffer, an
    /// unterminated Lua block. The line given is the one `nginx -t` names.
    ///
    /// nginx error texts: `unexpected "}"`, `unexpected ";"`, `unexpected "{"`,
    /// `unexpected "X"`, `unexpected end of file, expecting ";" or "}"`,
    /// `unexpected end of file, expecting "}"`, `too long parameter "..." started`,
    /// `too long parameter, probably missing terminating """ character`,
    /// `unexpected end of file, expecting terminating characters for lua code block`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the whole configuration: `nginx -t` fails and a
    /// reload keeps the old configuration running.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80
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
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - nginx source: `ngx_conf_read_token` in `src/core/ngx_conf_file.c`
    pub struct SyntaxError {
        name: "syntax-error",
        category: Syntax,
        severity: Error,
        summary: "nginx's lexer refuses the file",
        pass: &["events {}\nhttp { server { listen 80; return 200 \"a;b{c}\"; } }\n"],
        fail: &[
            "events {}\nhttp { server { listen 80 } }\n",
            "events {}\nhttp {\n",
            "events {}\n}\n",
            "events {}\nhttp { return 200 \"x\"y; }\n",
            "events {}\nhttp { map $a $b { x { } } }\n",
        ],
    }
}

impl Rule for SyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for f in &cx.loaded.files {
            for e in &f.syntax_errors {
                let mut finding = Finding::new(e.span, e.message.clone());
                finding.help = e.help.clone().map(Into::into);
                for (sp, msg) in &e.labels {
                    finding = finding.label(*sp, msg.clone());
                }
                out.push(finding);
            }
        }
        // Inside map, types, geo... nginx hands lines to the block's own
        // parser, which refuses a nested block.
        for inst in &cx.tree.insts {
            if !inst.ctx.is_handler_block() {
                continue;
            }
            let d = cx.loaded.file(inst.file).ast.node(inst.node);
            if let Some(b) = &d.block {
                let at = crate::span::Span::new(inst.file, b.open, b.open + 1);
                out.push(Finding::new(at, "unexpected \"{\"").help(format!(
                    "{} holds key/value lines only; a file included here must not open its own block",
                    inst.ctx.describe()
                )));
            }
        }
    }
}

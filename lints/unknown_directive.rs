use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::directives::table;
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a directive name that neither nginx nor any module Debian's
    /// nginx packages ship defines, with a "did you mean" suggestion. Typos
    /// (`proxy_passs`), directives of NGINX Plus or of modules that are not
    /// installed, and stray words (a byte-order mark, a form feed) show up here.
    ///
    /// nginx error text: `unknown directive "NAME"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             proxy_passs http://127.0.0.1:8080;
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
    ///         location / {
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None. Directives of in-house modules are declared with
    /// `--extra-directive NAME` (repeatable, comma separated) or
    /// `extra-directives = [...]` in the configuration file: they are
    /// accepted anywhere, with any arguments, by this rule and by the context,
    /// block and argument-count rules.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/dirindex.html>
    pub struct UnknownDirective {
        name: "unknown-directive",
        category: Correctness,
        severity: Error,
        summary: "a directive no known nginx module defines",
        pass: &["events {}\nhttp { more_set_headers \"X: y\"; }\n"],
        fail: &["events {}\nhttp { server { location / { proxy_passs http://127.0.0.1:8080; } } }\n"],
    }
}

impl Rule for UnknownDirective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let t = table();
        // A misspelling repeated many times is looked up once per context.
        let mut suggestions: rustc_hash::FxHashMap<(&str, Context), Option<&'static str>> = Default::default();
        for (_, inst, d) in cx.tree.refused(cx.loaded) {
            if let Status::Unknown = inst.status {
                if cx.is_extra_directive(d.name()) {
                    continue;
                }
                let name = d.name();
                // Directives of in-house modules the configuration declares.
                if cx.opts.extra_directives.iter().any(|e| e == name) {
                    continue;
                }
                let shown: String = name.chars().flat_map(char::escape_default).collect();
                let mut f = Finding::new(d.head_span(), format!("unknown directive \"{shown}\""));
                let suggestion =
                    *suggestions.entry((name, inst.ctx)).or_insert_with(|| t.suggest(name, Some(inst.ctx)));
                f = match suggestion {
                    Some(s) => f.help(format!("did you mean \"{s}\"?")),
                    None => f.help("check the spelling, or load the module that defines it"),
                };
                out.push(f);
            }
        }
    }
}

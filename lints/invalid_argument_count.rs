use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a directive with a number of arguments nginx does not accept,
    /// for example `user;`, `listen;`, `proxy_pass a b;` or `set $x;`.
    ///
    /// nginx error text: `invalid number of arguments in "NAME" directive`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration. A missing `;` that merges two
    /// lines into one directive often shows up this way.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         set $backend;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         set $backend "127.0.0.1:8080";
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/dirindex.html> (each directive's "Syntax:" line)
    pub struct InvalidArgumentCount {
        name: "invalid-argument-count",
        category: Syntax,
        severity: Error,
        summary: "a directive has a number of arguments nginx does not accept",
        pass: &["user www-data;\nevents {}\nhttp { server { set $b 1; } }\n"],
        fail: &["user;\nevents {}\n", "events {}\nhttp { server { set $b; } }\n", "events {}\nhttp { gzip on off; }\n"],
    }
}

impl Rule for InvalidArgumentCount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.dispatched(cx.loaded) {
            if let Status::Found(spec) = inst.status {
                if cx.is_extra_directive(d.name()) {
                    continue;
                }
                // Block-ness is checked first by nginx (and by other rules).
                if spec.is_block() != d.has_block() {
                    continue;
                }
                let n = (d.args_end - d.args_start) as usize;
                if !spec.arity.accepts(n) {
                    let name = d.name();
                    out.push(
                        Finding::new(d.head_span(), format!("invalid number of arguments in \"{name}\" directive"))
                            .help({
                                let most = (0..8).rev().find(|k| spec.arity.mask & (1 << k) != 0).unwrap_or(0);
                                let hint = if !spec.arity.unbounded && n > most {
                                    "; a missing \";\" that runs two lines together can cause this"
                                } else {
                                    ""
                                };
                                format!("\"{name}\" takes {}, found {n}{hint}", spec.arity.describe())
                            }),
                    );
                }
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `error_log off;`.
    ///
    /// ## Why is this bad?
    /// `error_log` has no `off` value: nginx writes the error log to a file
    /// named `off` in its prefix directory. Errors keep being logged where
    /// nobody looks, and the file grows without rotation.
    ///
    /// ## Example
    /// ```nginx
    /// error_log off;
    /// events {}
    /// http {}
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// error_log /dev/null crit;
    /// events {}
    /// http {}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#error_log>
    pub struct ErrorLogOff {
        name: "error-log-off",
        category: Security,
        severity: Warning,
        summary: "error_log off writes the log to a file named off",
        pass: &["error_log /var/log/nginx/error.log warn;\nevents {}\n"],
        fail: &["events {}\nhttp { server { error_log off; } }\n"],
    }
}

impl Rule for ErrorLogOff {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("error_log") {
            if m.arg(id, 0) == Some("off") {
                out.push(
                    Finding::new(m.span(id), "error_log off writes errors to a file named \"off\"")
                        .help("to discard errors, write `error_log /dev/null crit;`; better, keep a real log"),
                );
            }
        }
    }
}

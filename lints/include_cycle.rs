use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::load::LoadIssue;

declare_rule! {
    /// ## What it does
    /// Reports an `include` that leads back to a file that is already being
    /// included, directly or through other files, and shows the chain.
    ///
    /// nginx has no message for this: it recurses until it crashes
    /// (segmentation fault) and `nginx -t` dies without a diagnostic.
    ///
    /// ## Why is this bad?
    /// nginx crashes while reading the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     include nginx.conf;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     include conf.d/*.conf;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#include>
    pub struct IncludeCycle {
        name: "include-cycle",
        category: Correctness,
        severity: Error,
        summary: "includes form a cycle (nginx crashes on it)",
        pass: &["events {}\nhttp { include conf.d/*.conf; }\n"],
        fail: &[],
    }
}

impl Rule for IncludeCycle {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for issue in &cx.loaded.issues {
            if let LoadIssue::IncludeCycle { at, chain } = issue {
                let names: Vec<&str> = chain.iter().map(|f| cx.loaded.file(*f).display.as_str()).collect();
                out.push(
                    Finding::new(*at, format!("include cycle: {}", names.join(" -> ")))
                        .help("remove the include that leads back; nginx would recurse until it crashes"),
                );
            }
        }
    }
}

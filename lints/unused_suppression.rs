use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `# ngxlint: ignore[NAME]` and `# ngxlint: ignore-file[NAME]`
    /// comments that name no rule or category, and names that suppress
    /// nothing (checked only for rules that ran).
    ///
    /// A suppression on its own line covers the next directive and its
    /// block; at the end of a directive's line (or after its `{`) it covers
    /// that directive and its block; `ignore-file` covers the whole file.
    /// Text after the `]` is the reason, for the reader.
    ///
    /// ## Why is this bad?
    /// A misspelled rule name silences nothing, and a stale suppression
    /// will silently hide the next real problem at that place.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     # ngxlint: ignore[duplicate-listen] legacy twin
    ///     server { listen 8080; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server { listen 8080; }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - `ngxlint rules` lists the rule and category names.
    pub struct UnusedSuppression {
        name: "unused-suppression",
        category: Style,
        severity: Warning,
        summary: "a suppression comment that names no rule or suppresses nothing",
        pass: &[
            "events {}\nhttp {\n    # ngxlint: ignore[duplicate-listen] migrating\n    server { listen 80; listen 80; }\n}\n",
            "events {}\nhttp {\n    server { listen 80; listen 80; } # ngxlint: ignore[correctness]\n}\n",
            "# ngxlint: ignore-file[unknown-directive] in-house module\nevents {}\nhttp { foo_bar on; }\n",
        ],
        fail: &[
            "events {}\nhttp {\n    # ngxlint: ignore[duplicate-lisen]\n    server { listen 80; listen 80; }\n}\n",
            "events {}\nhttp {\n    server { listen 80; } # ngxlint: ignore[duplicate-listen]\n}\n",
        ],
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// The engine checks suppressions once every other rule has run.
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Vec<Finding>) {}
}

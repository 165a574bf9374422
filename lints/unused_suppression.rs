use crate::declare_rule;
use crate::lint::suppress::Named;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a rule named in a suppression comment (`# ngxlint:
    /// ignore[RULE]` or `ignore-file[RULE]`) that has nothing to suppress:
    /// the rule ran and found nothing in the range the comment covers.
    /// Rules that did not run (turned off by `--select`, `--ignore` or the
    /// configuration) are never reported here.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides nothing today but will silently hide the
    /// next real problem of that kind at that place.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     # ngxlint: ignore[duplicate-listen] legacy
    ///     server {
    ///         listen 80;
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
    /// - [Suppressions](../suppressions.md)
    pub struct UnusedSuppression {
        name: "unused-suppression",
        category: Style,
        severity: Warning,
        summary: "a suppression comment that suppresses nothing",
        pass: &[
            "events {}\n# ngxlint: ignore[unknown-directive] in-house module\nacme_sso on;\n",
            "events {}\nacme_sso on; # ngxlint: ignore[unknown-directive]\n",
            "# ngxlint: ignore-file[unknown-directive]\nevents {}\nacme_sso on;\nhttp { acme_sso off; }\n",
        ],
        fail: &[
            "events {}\n# ngxlint: ignore[duplicate-listen] legacy\nhttp { server { listen 80; } }\n",
            "events {}\n# ngxlint: ignore[unknown-directive, duplicate-listen]\nacme_sso on;\n",
            "# ngxlint: ignore-file[unknown-directive]\nevents {}\n",
        ],
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// The lint engine reports these once every other rule has run (see
    /// `lint::run`): only then is it known what each suppression silenced.
    fn check(&self, _cx: &LintContext<'_>, _out: &mut Findings<'_>) {}
}

/// The finding for a rule name that suppressed nothing.
pub fn finding(named: &Named) -> Finding {
    Finding::new(named.span, format!("unused suppression: \"{}\" reports nothing here", named.rule))
        .help(format!("remove \"{}\" from the comment", named.rule))
}

use crate::declare_rule;
use crate::lint::suppress;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::load::Origin;

declare_rule! {
    /// ## What it does
    /// Reports `# ngxlint:` comments that are not valid suppressions: an
    /// unknown rule name (with a "did you mean"), a missing or empty rule
    /// list, or a word other than `ignore` and `ignore-file`.
    ///
    /// ## Why is this bad?
    /// A suppression that names no real rule suppresses nothing: the finding
    /// it was meant to silence keeps being reported, or a typo hides that the
    /// comment is stale.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// # ngxlint: ignore[unknown-directiv] provided by our in-house module
    /// acme_sso on;
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// # ngxlint: ignore[unknown-directive] provided by our in-house module
    /// acme_sso on;
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Suppressions](../suppressions.md)
    pub struct InvalidSuppression {
        name: "invalid-suppression",
        category: Suspicious,
        severity: Warning,
        summary: "a suppression comment that names no rule ngxlint knows",
        pass: &[
            "events {}\n# ngxlint: ignore[unknown-directive] in-house module\nacme_sso on;\n",
            "events {}\n# ngxlint is great, ignore this\n",
        ],
        fail: &[
            "events {}\n# ngxlint: ignore[unknown-directiv] in-house module\nacme_sso on;\n",
            "events {}\nacme_sso on; # ngxlint: ignore\n",
            "# ngxlint: ignore-file[]\nevents {}\n",
            "# ngxlint: skip[unknown-directive]\nevents {}\n",
        ],
    }
}

impl Rule for InvalidSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for f in &cx.loaded.files {
            if matches!(f.origin, Origin::Stock(_)) || !suppress::may_have(f) {
                continue;
            }
            for p in suppress::parse(f).problems {
                let mut finding = Finding::new(p.span, p.message);
                finding.help = p.help.map(Into::into);
                out.push(finding);
            }
        }
    }
}

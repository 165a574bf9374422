use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `valid_referers` with the `none` parameter.
    ///
    /// ## Why is this bad?
    /// `none` accepts requests without a `Referer` header. Browsers leave it
    /// out whenever a page asks them to (`Referrer-Policy: no-referrer`,
    /// `<meta name="referrer">`, `rel="noreferrer"`), so a hostile page can
    /// always pass a referer check that allows `none`: hotlink protection
    /// and referer-based CSRF checks stop nothing.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /images/ {
    ///             valid_referers none server_names *.example.com;
    ///             if ($invalid_referer) { return 403; }
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
    ///         location /images/ {
    ///             valid_referers server_names *.example.com;
    ///             if ($invalid_referer) { return 403; }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_referer_module.html#valid_referers>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/validreferers.md>
    pub struct ValidReferersNone {
        name: "valid-referers-none",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "valid_referers accepts requests without a Referer (none)",
        pass: &["events {}\nhttp { server { valid_referers blocked server_names; } }\n"],
        fail: &["events {}\nhttp { server { valid_referers none blocked server_names; } }\n"],
    }
}

impl Rule for ValidReferersNone {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("valid_referers") {
            if let Some(a) = m.args(id).iter().find(|a| a.as_str() == "none") {
                // From the directive's name to `none`: on the directive's
                // first line when its values run over several lines.
                let head = m.span(id);
                let span = crate::span::Span { end: a.span.end, ..head };
                out.push(
                    Finding::new(span, "\"none\" lets every request without a Referer header pass this check")
                        .help("remove `none` from valid_referers"),
                );
            }
        }
    }
}

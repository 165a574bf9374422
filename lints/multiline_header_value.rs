use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `add_header` (or `more_set_headers`, `proxy_set_header`)
    /// whose quoted value spans several lines, as long
    /// `Content-Security-Policy` values often are written.
    ///
    /// ## Why is this bad?
    /// nginx sends the value as written, line breaks included: the header
    /// continues on a folded line, a form RFC 9112 deprecates. Many
    /// browsers and proxies reject the response or drop the header, so the
    /// policy silently does not apply.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     add_header Content-Security-Policy "default-src 'self';
    ///         script-src 'self' cdn.example.com";
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     add_header Content-Security-Policy "default-src 'self'; script-src 'self' cdn.example.com";
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://www.rfc-editor.org/rfc/rfc9112#name-obsolete-line-folding>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/addheadermultiline.md>
    pub struct MultilineHeaderValue {
        name: "multiline-header-value",
        category: Security,
        severity: Warning,
        summary: "a header value that spans several lines",
        pass: &[
            "events {}\nhttp { add_header X-A \"a; b\"; }\n",
            "more_set_headers -t 'text/html\n    text/plain' 'X-Foo: some';\n",
        ],
        fail: &["events {}\nhttp { server { add_header X-A \"a;\n  b\"; } }\n"],
    }
}

impl Rule for MultilineHeaderValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for name in ["add_header", "add_trailer", "proxy_set_header", "more_set_headers"] {
            for &id in m.named(name) {
                // more_set_headers -t TYPES / -s STATUSES take lists, not header values.
                let args = m.args(id);
                let value = |i: usize| {
                    let a = args[i].as_str();
                    !a.starts_with('-') && (i == 0 || !matches!(args[i - 1].as_str(), "-t" | "-s"))
                };
                if let Some(a) =
                    (0..args.len()).filter(|&i| value(i)).map(|i| &args[i]).find(|a| a.as_str().contains('\n'))
                {
                    out.push(
                        Finding::new(
                            a.span,
                            format!("this {name} value spans several lines; the header is sent folded"),
                        )
                        .help("write the value on one line"),
                    );
                }
            }
        }
    }
}

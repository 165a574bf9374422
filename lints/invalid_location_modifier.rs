use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a `location` whose modifier is not one of `=`, `~`, `~*` and
    /// `^~`, such as `location ~~ /a` or `location == /a`.
    ///
    /// nginx error text: `invalid location modifier "M"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~~ \.php$ { }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ \.php$ { }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#location>
    pub struct InvalidLocationModifier {
        name: "invalid-location-modifier",
        category: Correctness,
        severity: Error,
        summary: "a location modifier other than = ~ ~* ^~",
        pass: &["events {}\nhttp { server { location = /a { } location ~* b { } location ^~ /c { } location ~ d { } } }\n"],
        fail: &["events {}\nhttp { server { location ~~ /a { } } }\n"],
    }
}

impl Rule for InvalidLocationModifier {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["location"]) {
            if d.name() != "location" || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            if let [m, _] = cx.loaded.file(inst.file).ast.args(d) {
                if !matches!(m.as_str(), "=" | "~" | "~*" | "^~") {
                    out.push(
                        Finding::new(m.span, format!("invalid location modifier \"{}\"", m.as_str())).help(
                            "use = (exact), ^~ (prefix, no regex check), ~ (regex) or ~* (case-insensitive regex)",
                        ),
                    );
                }
            }
        }
    }
}

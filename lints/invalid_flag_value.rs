use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::directives::ValueKind;
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports an on/off directive (`sendfile`, `gzip`, `tcp_nopush`, ...)
    /// given another value, such as `yes`, `true` or `1`.
    ///
    /// nginx error text: `invalid value "X" in "NAME" directive, it must be "on" or "off"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     sendfile yes;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     sendfile on;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - nginx source: `ngx_conf_set_flag_slot` in `src/core/ngx_conf_file.c`
    pub struct InvalidFlagValue {
        name: "invalid-flag-value",
        category: Correctness,
        severity: Error,
        summary: "an on/off directive has another value",
        pass: &["events {}\nhttp { sendfile on; gzip OFF; server { ssl_ocsp leaf; location / { fancyindex_css_href /x.css; } } }\n"],
        fail: &["events {}\nhttp { sendfile maybe; }\n", "events {}\nhttp { server { gzip 1; } }\n"],
    }
}

impl Rule for InvalidFlagValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // A flag arity whose module reads the value itself (ssl_ocsp's
        // `leaf`, fancyindex_css_href's path) is not an on/off slot.
        let flag = |s: &crate::model::directives::DirectiveSpec| s.arity.flag && s.kind == ValueKind::Flag;
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, flag) {
            let Status::Found(spec) = inst.status else { continue };
            if !flag(spec) || d.has_block() {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let [value] = args else { continue };
            let v = value.as_str();
            if !v.eq_ignore_ascii_case("on") && !v.eq_ignore_ascii_case("off") {
                let name = d.name();
                out.push(
                    Finding::new(
                        value.span,
                        format!("invalid value \"{v}\" in \"{name}\" directive, it must be \"on\" or \"off\""),
                    )
                    .help(format!("write `{name} on;` or `{name} off;`")),
                );
            }
        }
    }
}

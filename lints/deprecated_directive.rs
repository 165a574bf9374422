use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::directives::Version;
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports what the target nginx version still accepts but has
    /// deprecated: directives such as `http2_idle_timeout` (deprecated in
    /// 1.19.7), and the `http2` parameter of `listen` (deprecated in 1.25.1 in
    /// favour of the `http2` directive). Set the target with
    /// `--nginx-version`. Without one, only deprecations that nginx 1.22
    /// (Debian 12's) already had are reported: the advice for newer ones
    /// names what older nginx lacks, such as the `http2` directive.
    ///
    /// nginx warning text: `the "NAME" directive is deprecated, use the "OTHER"
    /// directive instead`, `the "listen ... http2" directive is deprecated, use
    /// the "http2" directive instead`.
    ///
    /// ## Why is this bad?
    /// nginx warns on every reload, and a later version removes it.
    ///
    /// ## Example
    /// ```nginx
    /// # with: --nginx-version 1.26
    /// events {}
    /// http {
    ///     server {
    ///         listen 443 ssl http2;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// # with: --nginx-version 1.26
    /// events {}
    /// http {
    ///     server {
    ///         listen 443 ssl;
    ///         http2 on;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// `--nginx-version X.Y[.Z]`: the version to check against.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_v2_module.html#http2>
    pub struct DeprecatedDirective {
        name: "deprecated-directive",
        category: Suspicious,
        severity: Warning,
        summary: "a directive or parameter the target nginx version deprecates",
        pass: &[
            "events {}\nhttp { server { listen 443 ssl; http2 on; } }\n",
            "events {}\nhttp { server { listen 443 ssl http2; } }\n",
        ],
        fail: &["# with: --nginx-version 1.26\nevents {}\nhttp { server { listen 443 ssl http2; } }\n"],
    }
}

const LISTEN_HTTP2_DEPRECATED: Version = Version { major: 1, minor: 25, patch: 1 };

impl Rule for DeprecatedDirective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let target = cx.opts.nginx_version;
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, |s| s.deprecated.is_some() || s.name == "listen") {
            let Status::Found(spec) = inst.status else { continue };
            let name = d.name();
            if let Some(dep) = spec.deprecated.filter(|&v| cx.opts.deprecations_of(v)) {
                if spec.removed.is_none_or(|r| r > target) {
                    out.push(
                        Finding::new(
                            d.head_span(),
                            format!("the \"{name}\" directive is deprecated since nginx {dep}"),
                        )
                        .help(super::unsupported_directive::replacement(name)),
                    );
                }
            }
            if name == "listen"
                && spec.module == "ngx_http_core_module"
                && cx.opts.deprecations_of(LISTEN_HTTP2_DEPRECATED)
            {
                for a in cx.loaded.file(inst.file).ast.args(d).iter().skip(1) {
                    if a.as_str() == "http2" {
                        out.push(
                            Finding::new(
                                a.span,
                                "the \"listen ... http2\" directive is deprecated, use the \"http2\" directive instead",
                            )
                            .help("remove `http2` from `listen` and add `http2 on;` to the server"),
                        );
                    }
                }
            }
        }
    }
}

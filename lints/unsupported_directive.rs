use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a directive the target nginx version does not have: added in
    /// a later version (`http2` needs 1.25.1) or removed by then (`ssl on` was
    /// removed in 1.25.1, the `spdy_*` directives in 1.9.5). Set the target
    /// with `--nginx-version` (default: 1.30, the current stable branch).
    ///
    /// nginx error text: `unknown directive "NAME"` (in that version).
    ///
    /// ## Why is this bad?
    /// The target nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 443 ssl;
    ///         ssl on;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 443 ssl;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// `--nginx-version X.Y[.Z]`: the version to check against.
    ///
    /// ## References
    /// - <https://nginx.org/en/CHANGES>
    pub struct UnsupportedDirective {
        name: "unsupported-directive",
        category: Correctness,
        severity: Error,
        summary: "a directive the target nginx version does not have",
        pass: &["events {}\nhttp { server { listen 443 ssl; http2 on; } }\n"],
        fail: &["events {}\nhttp { server { listen 443 ssl; ssl on; } }\n"],
    }
}

impl Rule for UnsupportedDirective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let target = cx.opts.nginx_version;
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, |s| {
            s.since.is_some_and(|v| v > target) || s.removed.is_some_and(|r| r <= target)
        }) {
            let Status::Found(spec) = inst.status else { continue };
            let name = d.name();
            if let Some(since) = spec.since.filter(|s| *s > target) {
                out.push(
                    Finding::new(
                        d.head_span(),
                        format!("\"{name}\" directive needs nginx {since}; the target is {target}"),
                    )
                    .help(format!(
                        "upgrade to nginx {since} or later, or check with --nginx-version matching your nginx"
                    )),
                );
            } else if let Some(removed) = spec.removed.filter(|r| *r <= target) {
                out.push(
                    Finding::new(
                        d.head_span(),
                        format!("\"{name}\" directive was removed in nginx {removed}; the target is {target}"),
                    )
                    .help(replacement(name)),
                );
            }
        }
    }
}

/// What to write instead of a removed or deprecated directive.
pub(crate) fn replacement(name: &str) -> String {
    match name {
        "ssl" => "remove it and add the `ssl` parameter to the `listen` directive".into(),
        n if n.starts_with("http2_push") => {
            "remove it: HTTP/2 server push is gone; consider `early_hints` or preload links".into()
        }
        "http2_idle_timeout" | "http2_recv_timeout" => {
            "use `keepalive_timeout` and `client_header_timeout` instead".into()
        }
        "http2_max_requests" => "use `keepalive_requests` instead".into(),
        "http2_max_field_size" | "http2_max_header_size" => "use `large_client_header_buffers` instead".into(),
        _ => "remove it, or check the nginx CHANGES for its replacement".into(),
    }
}

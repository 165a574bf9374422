use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `root /;` and `alias /;`.
    ///
    /// ## Why is this bad?
    /// The whole file system becomes the document root: `/etc/passwd`,
    /// `/proc/self/environ` (with its secrets) and private keys readable
    /// by the worker user are served to anyone who asks.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/www;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#root>
    pub struct RootAtFilesystemRoot {
        name: "root-at-filesystem-root",
        category: Security,
        severity: Warning,
        summary: "root or alias is the file system root",
        pass: &["events {}\nhttp { server { root /srv/www/; location /a/ { alias /srv/a/; } } }\n"],
        fail: &[
            "events {}\nhttp { server { root /; } }\n",
            "events {}\nhttp { server { location /x/ { alias \"/\"; } } }\n",
        ],
    }
}

impl Rule for RootAtFilesystemRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for name in ["root", "alias"] {
            for &id in m.named(name) {
                if m.arg(id, 0).is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c == b'/')) {
                    out.push(
                        Finding::new(m.span(id), format!("{name} / serves the whole file system"))
                            .help(format!("point {name} at the site's own directory, e.g. `{name} /srv/www;`")),
                    );
                }
            }
        }
    }
}

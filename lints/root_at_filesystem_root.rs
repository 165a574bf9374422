use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `root /;` and `alias /;`, and a `root` or `alias` that starts
    /// with a variable right after the first slash (`alias /$1;`), where the
    /// request picks the path from the file system root down.
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
            "events {}\nhttp { server { location ~ ^/host-files/(.+)$ { alias /$1; } } }\n",
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
                let Some(path) = m.arg(id, 0) else { continue };
                if !path.is_empty() && path.bytes().all(|c| c == b'/') {
                    out.push(
                        Finding::new(m.span(id), format!("{name} / serves the whole file system"))
                            .help(format!("point {name} at the site's own directory, e.g. `{name} /srv/www;`")),
                    );
                } else if path.trim_start_matches('/').starts_with('$') && path.starts_with('/') {
                    // `alias /$1;`: the request picks the directory, from the root down.
                    out.push(
                        Finding::new(
                            m.span(id),
                            format!("{name} {path} lets the request choose any path on the file system"),
                        )
                        .help(format!("start {name} at the site's own directory, e.g. `{name} /srv/www/$1;`")),
                    );
                }
            }
        }
    }
}

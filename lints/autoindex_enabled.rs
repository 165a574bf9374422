use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `autoindex on;`.
    ///
    /// ## Why is this bad?
    /// Every directory without an index file is listed to anyone who asks:
    /// backups, `.git` folders, uploaded files and configuration left next
    /// to the site become one click away. Keep listings to locations made
    /// for them, and keep those behind access control.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/www;
    ///         autoindex on;
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
    /// - <https://nginx.org/en/docs/http/ngx_http_autoindex_module.html>
    pub struct AutoindexEnabled {
        name: "autoindex-enabled",
        category: Security,
        severity: Warning,
        confidence: Low,
        summary: "autoindex on lists directory contents",
        pass: &["events {}\nhttp { server { location /pub/ { autoindex off; } } }\n"],
        fail: &["events {}\nhttp { server { location /pub/ { autoindex on; } } }\n"],
    }
}

impl Rule for AutoindexEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("autoindex") {
            if m.arg(id, 0) == Some("on") {
                let guarded = m.parent(id).is_some_and(|l| m.restricts_access(l));
                if !guarded {
                    out.push(
                        Finding::new(m.span(id), "directory listings are public here").help(
                            "remove `autoindex on;`, or restrict the location with `allow`/`deny` or `auth_basic`",
                        ),
                    );
                }
            }
        }
    }
}

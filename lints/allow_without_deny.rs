use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports a level whose `allow` rules are not followed by any `deny`,
    /// at that level, such as `location /admin/ { allow 10.0.0.0/8; }`.
    ///
    /// ## Why is this bad?
    /// Access rules are checked in order and a request that matches none is
    /// allowed. Without a closing `deny all;` the `allow` lines restrict
    /// nothing. Rules of outer levels do not help: a level with its own
    /// `allow` inherits no `deny` from above.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /admin/ {
    ///             allow 10.0.0.0/8;
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
    ///         location /admin/ {
    ///             allow 10.0.0.0/8;
    ///             deny all;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_access_module.html>
    pub struct AllowWithoutDeny {
        name: "allow-without-deny",
        category: Security,
        severity: Warning,
        summary: "allow rules without a deny restrict nothing",
        pass: &[
            "events {}\nhttp { server { location / { allow 127.0.0.1; deny all; } } }\n",
            "events {}\nhttp { server { deny all; location /pub/ { allow all; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location /admin/ { allow 10.0.0.0/8; allow 127.0.0.1; } } }\n",
            "events {}\nhttp { server { deny all; location /x/ { allow 10.1.1.1; } } }\n",
        ],
    }
}

impl Rule for AllowWithoutDeny {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for &id in m.named("allow") {
            let Some(level) = m.parent(id) else { continue };
            if !seen.insert(level) || !m.local(level, "deny").is_empty() {
                continue;
            }
            let allows: &[InstId] = m.local(level, "allow");
            if allows.iter().all(|&a| m.arg(a, 0) == Some("all")) {
                continue;
            }
            out.push(
                Finding::new(m.span(allows[0]), "allow without deny lets every client in")
                    .help("end the access rules with `deny all;`"),
            );
        }
    }
}

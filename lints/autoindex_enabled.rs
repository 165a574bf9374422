use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::Model;
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports `autoindex on;` outside the paths made for listings and not
    /// behind access control (`allow`/`deny`, `auth_basic`,
    /// `auth_request`). A listing in a location for a download area
    /// (`location /downloads/`, `location ^~ /pub/`; see `allowed-paths`) is
    /// not reported; one at server or http level, or in `location /`, is.
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
    /// - `allowed-paths` (list): location paths whose listings are
    ///   intended; a location at or under one of them may list.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_autoindex_module.html>
    pub struct AutoindexEnabled {
        name: "autoindex-enabled",
        category: Security,
        severity: Warning,
        confidence: Low,
        summary: "autoindex on lists directory contents",
        pass: &[
            "events {}\nhttp { server { location / { autoindex off; } } }\n",
            "events {}\nhttp { server { location /pub/ { autoindex on; } location ^~ /downloads { autoindex on; } location ~ ^/mirror/debian/ { autoindex on; } } }\n",
            "events {}\nhttp { server { location / { allow 10.0.0.0/8; deny all; autoindex on; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { autoindex on; } } }\n",
            "events {}\nhttp { server { autoindex on; location /pub/ { } } }\n",
            "events {}\nhttp { server { location /publications/ { autoindex on; } } }\n",
            "# with: --option autoindex-enabled:allowed-paths=/srv-files/\nevents {}\nhttp { server { location /pub/ { autoindex on; } } }\n",
        ],
        options: &[crate::lint::RuleOption {
            name: "allowed-paths",
            kind: crate::lint::OptionKind::List,
            default: "/pub/,/public/,/download/,/downloads/,/files/,/mirror/,/mirrors/,/dist/,/releases/,/packages/,/repo/,/repos/,/archive/",
            doc: "location paths where directory listings are intended",
        }],
    }
}

impl Rule for AutoindexEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let allowed: Vec<&str> = cx
            .option(&Self::META, "allowed-paths")
            .split(',')
            .map(|p| p.trim().trim_end_matches('/'))
            .filter(|p| !p.is_empty())
            .collect();
        for &id in m.named("autoindex") {
            if m.arg(id, 0) == Some("on") {
                let guarded = m.parent(id).is_some_and(|l| m.restricts_access(l));
                let intended =
                    m.enclosing(id, Context::Location).and_then(|loc| location_path(m, loc)).is_some_and(|path| {
                        let path = path.trim_end_matches('/');
                        allowed
                            .iter()
                            .any(|a| path.strip_prefix(a).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
                    });
                if !guarded && !intended {
                    out.push(
                        Finding::new(m.span(id), "directory listings are public here").help(
                            "remove `autoindex on;`, restrict the location with `allow`/`deny` or `auth_basic`, or keep listings to a download area (option `allowed-paths`)",
                        ),
                    );
                }
            }
        }
    }
}

/// The literal path a location stands for: its prefix (or exact) path, or
/// the literal start of a regex anchored with `^/` (`^/mirror/debian/`).
fn location_path<'a>(m: &Model<'a>, loc: InstId) -> Option<&'a str> {
    let (pattern, regex) = m.location_pattern(loc)?;
    if !regex {
        return Some(pattern);
    }
    let body = pattern.strip_prefix('^')?;
    let end = body.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))).unwrap_or(body.len());
    // A path cut at a metacharacter counts only up to its last `/`.
    let lit = &body[..end];
    if end < body.len() {
        lit.rfind('/').map(|i| &lit[..=i])
    } else {
        Some(lit)
    }
}

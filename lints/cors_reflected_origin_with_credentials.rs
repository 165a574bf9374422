use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports `add_header Access-Control-Allow-Origin $http_origin` at a
    /// level that also sends `Access-Control-Allow-Credentials: true`, when
    /// no enclosing `if` checks `$http_origin` first.
    ///
    /// ## Why is this bad?
    /// Echoing the request's `Origin` with credentials allowed tells the
    /// browser that every site may read authenticated responses: any page
    /// the user visits can call the API with the user's cookies and read
    /// the answer (account data, CSRF tokens).
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ {
    ///             add_header Access-Control-Allow-Origin $http_origin;
    ///             add_header Access-Control-Allow-Credentials true;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     map $http_origin $cors_origin {
    ///         default "";
    ///         https://app.example.com $http_origin;
    ///     }
    ///     server {
    ///         location /api/ {
    ///             add_header Access-Control-Allow-Origin $cors_origin;
    ///             add_header Access-Control-Allow-Credentials true;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Access-Control-Allow-Credentials>
    /// - <https://portswigger.net/web-security/cors>
    pub struct CorsReflectedOriginWithCredentials {
        name: "cors-reflected-origin-with-credentials",
        category: Security,
        severity: Warning,
        summary: "CORS echoes any Origin and allows credentials",
        pass: &[
            "events {}\nhttp { server { location / { add_header Access-Control-Allow-Origin $http_origin; } } }\n",
            "events {}\nhttp { server { location / { if ($http_origin ~ ^https://a\\.example$) { add_header Access-Control-Allow-Origin $http_origin; add_header Access-Control-Allow-Credentials true; } } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { add_header 'Access-Control-Allow-Origin' \"$http_origin\" always; add_header 'Access-Control-Allow-Credentials' 'true' always; } } }\n",
        ],
    }
}

impl Rule for CorsReflectedOriginWithCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("add_header") {
            let header = |i: InstId| m.arg(i, 0).unwrap_or("");
            if !header(id).eq_ignore_ascii_case("access-control-allow-origin") {
                continue;
            }
            if !m.arg(id, 1).is_some_and(|v| v.to_ascii_lowercase().contains("$http_origin")) {
                continue;
            }
            let Some(level) = m.parent(id) else { continue };
            // An enclosing `if` on $http_origin is a (separately checked) allow-list.
            let checked = m.chain(level).any(|l| {
                m.directive(l).name() == "if"
                    && m.if_condition(l)
                        .is_some_and(|(v, op, _)| v.eq_ignore_ascii_case("$http_origin") && op.is_some())
            });
            if checked {
                continue;
            }
            let creds = m.local(level, "add_header").iter().copied().find(|&i| {
                header(i).eq_ignore_ascii_case("access-control-allow-credentials")
                    && m.arg(i, 1).is_some_and(|v| v.eq_ignore_ascii_case("true"))
            });
            if let Some(c) = creds {
                out.push(
                    Finding::new(m.span(id), "every site may read authenticated responses: the Origin is echoed with credentials allowed")
                        .help("echo only allowed origins: `map $http_origin $cors_origin { default \"\"; https://app.example.com $http_origin; }` and send `$cors_origin`")
                        .label(m.span(c), "credentials allowed here"),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::Model;
use crate::model::tree::InstId;
use crate::model::vars::variables;

declare_rule! {
    /// ## What it does
    /// Reports `add_header Access-Control-Allow-Origin $http_origin` at a
    /// level that also sends `Access-Control-Allow-Credentials: true`, when
    /// no enclosing `if` checks `$http_origin` first. The origin may also
    /// come through a variable: `set $cors $http_origin;` (unless an `if`
    /// around it checks the origin), or a `map $http_origin $cors` that
    /// returns `$http_origin` for its `default` or for a regex that accepts
    /// any origin (`~.+`, `~^https?://`). An `if` or map regex that accepts
    /// any origin (`~ .`, `~*^https?://`) is no check.
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
            "events {}\nhttp { map $http_origin $cors { default \"\"; https://app.example.com $http_origin; ~^https://[a-z]+\\.example\\.com$ $http_origin; } server { location / { add_header Access-Control-Allow-Origin $cors; add_header Access-Control-Allow-Credentials true; } } }\n",
            "events {}\nhttp { server { location / { if ($http_origin ~* ^https://(www\\.)?example\\.com$) { set $cors $http_origin; } add_header Access-Control-Allow-Origin $cors always; add_header Access-Control-Allow-Credentials true always; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { add_header 'Access-Control-Allow-Origin' \"$http_origin\" always; add_header 'Access-Control-Allow-Credentials' 'true' always; } } }\n",
            "events {}\nhttp { map $http_origin $cors_origin { default \"\"; ~.+ $http_origin; } server { location /api/ { add_header Access-Control-Allow-Origin $cors_origin always; add_header Access-Control-Allow-Credentials true always; } } }\n",
            "events {}\nhttp { server { location / { if ($http_origin ~ .) { set $cors_origin $http_origin; } add_header Access-Control-Allow-Origin $cors_origin always; add_header Access-Control-Allow-Credentials \"true\" always; } } }\n",
            "events {}\nhttp { server { location / { if ($http_origin ~* \"^https?://\") { add_header Access-Control-Allow-Origin $http_origin; add_header Access-Control-Allow-Credentials true; } } } }\n",
            "events {}\nhttp { server { location / { add_header access-control-allow-origin ${http_origin}; add_header access-control-allow-credentials true; } } }\n",
        ],
    }
}

impl Rule for CorsReflectedOriginWithCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // Variables that carry the Origin: looked up once, when some
        // Access-Control-Allow-Origin sends a variable other than $http_origin.
        let mut sources = None;
        for &id in m.named("add_header") {
            let header = |i: InstId| m.arg(i, 0).unwrap_or("");
            if !header(id).eq_ignore_ascii_case("access-control-allow-origin") {
                continue;
            }
            let Some(value) = m.arg(id, 1) else { continue };
            let Some(level) = m.parent(id) else { continue };
            let via = if names_origin(value) {
                None
            } else {
                let sources = sources.get_or_insert_with(|| origin_sources(m));
                match variables(value).into_iter().find_map(|v| sources.get(&v.to_ascii_lowercase()).copied()) {
                    Some(src) => Some(src),
                    None => continue,
                }
            };
            if origin_checked(m, level) {
                continue;
            }
            let creds = m.local(level, "add_header").iter().copied().find(|&i| {
                header(i).eq_ignore_ascii_case("access-control-allow-credentials")
                    && m.arg(i, 1).is_some_and(|v| v.eq_ignore_ascii_case("true"))
            });
            if let Some(c) = creds {
                let mut f = Finding::new(m.span(id), "every site may read authenticated responses: the Origin is echoed with credentials allowed")
                    .help("echo only allowed origins: `map $http_origin $cors_origin { default \"\"; https://app.example.com $http_origin; }` and send `$cors_origin`")
                    .label(m.span(c), "credentials allowed here");
                if let Some(src) = via {
                    f = f.label(m.span(src), "any Origin is copied into the variable here");
                }
                out.push(f);
            }
        }
    }
}

/// True for an origin regex that accepts any origin: `.`, `.+`, `^https?://`
/// and the like (anchors, a scheme prefix and wildcards only).
fn any_origin(re: &str) -> bool {
    let r = re.trim_matches('"').trim_matches('\'').trim_start_matches('^').trim_end_matches('$');
    let r = ["(https?)://", "https?://", "https://", "http://"].iter().find_map(|p| r.strip_prefix(p)).unwrap_or(r);
    r.chars().all(|c| matches!(c, '.' | '*' | '+' | '?' | '(' | ')'))
}

/// True when an enclosing `if` tests `$http_origin` against a regex (or a
/// value) that not every origin passes: a (separately checked) allow list.
fn origin_checked(m: &Model<'_>, level: InstId) -> bool {
    m.chain(level).any(|l| {
        m.directive(l).name() == "if"
            && m.if_condition(l).is_some_and(|(v, op, rhs)| {
                v.eq_ignore_ascii_case("$http_origin")
                    && match (op, rhs) {
                        (Some("~" | "~*"), Some(re)) => !any_origin(re),
                        (Some(_), _) => true,
                        _ => false,
                    }
            })
    })
}

/// The variables that get any request's Origin, by lowercase name, and
/// where: a `set` from `$http_origin` that no `if` guards, or a
/// `map $http_origin` entry that returns `$http_origin` for every origin
/// (`default`, or a regex that accepts all). Built once per run.
fn origin_sources(m: &Model<'_>) -> rustc_hash::FxHashMap<String, InstId> {
    let mut out = rustc_hash::FxHashMap::default();
    for &id in m.named("set") {
        let (Some(var), Some(value)) = (m.arg(id, 0), m.arg(id, 1)) else { continue };
        if let Some(name) = var.strip_prefix('$') {
            if names_origin(value) && !m.parent(id).is_some_and(|l| origin_checked(m, l)) {
                out.entry(name.to_ascii_lowercase()).or_insert(id);
            }
        }
    }
    for &id in m.named("map") {
        let a = m.args(id);
        if a.len() != 2 || !a[0].as_str().eq_ignore_ascii_case("$http_origin") {
            continue;
        }
        let Some(name) = a[1].as_str().strip_prefix('$') else { continue };
        let every = m.block_lines(id).find(|&line| {
            let key = m.directive(line).name();
            let all =
                key == "default" || key.strip_prefix('~').is_some_and(|re| any_origin(re.trim_start_matches('*')));
            all && matches!(m.args(line), [value] if names_origin(value.as_str()))
        });
        if let Some(line) = every {
            out.entry(name.to_ascii_lowercase()).or_insert(line);
        }
    }
    out
}

/// True when a value reads `$http_origin` (or `${http_origin}`).
fn names_origin(value: &str) -> bool {
    variables(value).iter().any(|v| v.eq_ignore_ascii_case("http_origin"))
}

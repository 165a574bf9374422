use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass` whose URL has a URI part (anything from the
    /// first `/` or `?` after the address, a lone `/` included) where nginx
    /// has no location prefix to replace: in a regex location (`~`, `~*`),
    /// in a named location (`@name`), inside `if` and inside `limit_except`.
    /// A URL with variables is left alone: nginx skips the check for it.
    ///
    /// nginx error text: `"proxy_pass" cannot have URI part in location
    /// given by regular expression, or inside named location, or inside "if"
    /// statement, or inside "limit_except" block`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ ^/api/ {
    ///             proxy_pass http://127.0.0.1:8000/;
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
    ///         location ~ ^/api/ {
    ///             proxy_pass http://127.0.0.1:8000;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// The request URI is then passed unchanged; rewrite it first (`rewrite
    /// ^/api(/.*)$ $1 break;`) if the backend needs another one.
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass>
    pub struct ProxyPassUriNotAllowed {
        name: "proxy-pass-uri-not-allowed",
        category: Correctness,
        severity: Error,
        summary: "proxy_pass with a URI part where nginx refuses one",
        pass: &["events {}\nhttp { server { location /a/ { proxy_pass http://127.0.0.1:1/b/; } location ~ \\.x$ { proxy_pass http://127.0.0.1:1; } location @n { proxy_pass http://127.0.0.1:1$request_uri; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location ~ /x { proxy_pass http://127.0.0.1:9000/y; } } }\n",
            "events {}\nhttp { server { location @app { proxy_pass http://127.0.0.1:9000/; } } }\n",
            "events {}\nhttp { server { location / { if ($a) { proxy_pass http://127.0.0.1:9000/x; } } } }\n",
        ],
    }
}

/// True when nginx sees a URI part in a variable-free `proxy_pass` URL.
fn has_uri(url: &str) -> bool {
    let lower = url.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return false; // an invalid URL prefix is another error
    };
    if let Some(path) = rest.strip_prefix("unix:") {
        // unix:/path/to.sock:/uri
        return path.split_once(':').is_some_and(|(_, uri)| !uri.is_empty());
    }
    rest.contains(['/', '?'])
}

impl Rule for ProxyPassUriNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for p in &m.passes {
            if p.kind != PassKind::Proxy {
                continue;
            }
            let Some(url) = m.arg(p.inst, 0) else { continue };
            if url.contains('$') || !has_uri(url) {
                continue;
            }
            let (why, label) = match m.inner(p.level) {
                Some(Context::IfInLocation) => ("inside \"if\"", "this `if` block"),
                Some(Context::LimitExcept) => ("inside \"limit_except\"", "this `limit_except` block"),
                Some(Context::Location) => match m.args(p.level) {
                    [n] if n.as_str().starts_with('@') => ("in a named location", "this named location"),
                    _ if m.location_pattern(p.level).is_some_and(|(_, regex)| regex) => {
                        ("in a regex location", "this location matches by regular expression")
                    }
                    _ => continue,
                },
                _ => continue,
            };
            out.push(
                Finding::new(
                    m.args(p.inst)[0].span,
                    "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block",
                )
                .help(format!(
                    "{why} nginx has no matched prefix to replace, so the URI is passed as the client sent it: remove the path after the address (use `rewrite ... break;` first to change the URI)"
                ))
                .label(m.span(p.level), label),
            );
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a location that passes PHP to FastCGI but never sees a
    /// request, because of a location of the same server checked before it:
    ///
    /// - an earlier regex location that matches every sample PHP path the
    ///   PHP location matches (`/index.php`, `/test.php`, `/wp-login.php`,
    ///   `/app/v1/api.php`); nginx uses the first regex that matches;
    /// - a `^~` prefix location for `/`, which stops the regex search for
    ///   every request.
    ///
    /// ## Why is this bad?
    /// PHP files are served by the other location: downloaded as source
    /// code (leaking credentials in `wp-config.php`), answered 403/404, or
    /// proxied elsewhere, while the FastCGI setup looks right.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~* \.(css|js|php|png)$ { expires 30d; }
    ///         location ~ \.php$ { fastcgi_pass 127.0.0.1:9000; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~* \.(css|js|png)$ { expires 30d; }
    ///         location ~ \.php$ { fastcgi_pass 127.0.0.1:9000; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#location>
    pub struct ShadowedPhpLocation {
        name: "shadowed-php-location",
        category: Suspicious,
        severity: Warning,
        summary: "a PHP location that an earlier location always wins over",
        pass: &[
            "events {}\nhttp { server { location ~ ^/uploads/.*\\.php$ { deny all; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } location ~ \\.(php|html)$ { } } }\n",
            "events {}\nhttp { server { location ^~ /static/ { } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ ^/index\\.php(/|$) { fastcgi_pass unix:/run/php/php8.2-fpm.sock; include fastcgi.conf; internal; } location ~ \\.php$ { return 404; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location ~ \\.(html|php)$ { try_files $uri =404; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ^~ / { try_files $uri /index.html; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php(/|$) { return 404; } location ~ ^/index\\.php(/|$) { fastcgi_pass unix:/run/php/php8.2-fpm.sock; include fastcgi.conf; } } }\n",
        ],
    }
}

const SAMPLES: [&[u8]; 6] =
    [b"/index.php", b"/test.php", b"/wp-login.php", b"/app/v1/api.php", b"/index.php/path/info", b"/app.php"];

impl Rule for ShadowedPhpLocation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if p.kind != PassKind::Fastcgi || m.inner(p.level) != Some(Context::Location) {
                continue;
            }
            let php = p.level;
            let Some(parent) = m.parent(php) else { continue };
            if m.inner(parent) != Some(Context::Server) || !seen.insert(php) {
                continue;
            }
            let Some(re) = m.location_regex(php) else { continue };
            let mine: Vec<&[u8]> = SAMPLES.iter().copied().filter(|s| re.is_match(s).unwrap_or(false)).collect();
            if mine.len() < 2 {
                continue;
            }
            for &other in m.local(parent, "location") {
                let a = m.args(other);
                if a.first().is_some_and(|x| x.as_str() == "^~") && a.get(1).is_some_and(|x| x.as_str() == "/") {
                    out.push(
                        Finding::new(
                            m.span(php),
                            "this PHP location never matches: `location ^~ /` stops the regex search",
                        )
                        .help("use `location /` (without ^~) so regex locations are checked")
                        .label(m.span(other), "every request ends here"),
                    );
                    break;
                }
                if other >= php {
                    continue;
                }
                let Some(ore) = m.location_regex(other) else { continue };
                if mine.iter().all(|s| ore.is_match(s).unwrap_or(false)) {
                    out.push(
                        Finding::new(
                            m.span(php),
                            "this PHP location never matches: an earlier regex location takes every .php request",
                        )
                        .help("move the PHP location above it, or remove `php` from the earlier pattern")
                        .label(m.span(other), "matches first"),
                    );
                    break;
                }
            }
        }
    }
}

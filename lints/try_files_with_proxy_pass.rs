use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;
use crate::span::Span;

declare_rule! {
    /// ## What it does
    /// Reports a location that has both `try_files` and `proxy_pass`. The
    /// finding starts at `try_files` and, when the `proxy_pass` follows it in
    /// the same file, runs to it: dropping either one is a fix.
    ///
    /// ## Why is this bad?
    /// `try_files` runs first and looks for the URI under `root`: when a
    /// file exists nginx rewrites the request to it, and proxying sees the
    /// changed URI; when none does, its last parameter answers or
    /// redirects. Either way the location no longer simply proxies: files
    /// that happen to exist under the (often default) root, such as
    /// `/index.html` or stray backups, change what reaches the backend or
    /// are served directly. Use a named location as the fallback instead.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             try_files $uri $uri/ =404;
    ///             proxy_pass http://127.0.0.1:8080;
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
    ///         location / {
    ///             try_files $uri @app;
    ///         }
    ///         location @app {
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#try_files>
    pub struct TryFilesWithProxyPass {
        name: "try-files-with-proxy-pass",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "try_files and proxy_pass in one location",
        pass: &["events {}\nhttp { server { location / { try_files $uri @a; } location @a { proxy_pass http://127.0.0.1:1; } } }\n"],
        fail: &["events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; try_files $uri /index.html; } } }\n"],
    }
}

impl Rule for TryFilesWithProxyPass {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for p in &m.passes {
            if p.kind != PassKind::Proxy || m.directive(p.level).name() != "location" {
                continue;
            }
            if let Some(&t) = m.local(p.level, "try_files").first() {
                // The fix may go on either line: the finding runs from
                // try_files to a proxy_pass after it in the same file.
                let (a, b) = (m.span(t), m.span(p.inst));
                let span = if a.file == b.file && a.start < b.start { Span::new(a.file, a.start, b.end) } else { a };
                out.push(
                    Finding::new(span, "try_files looks for local files before proxying every request of this location")
                        .help("serve files in one location and proxy in a named one: `try_files $uri @app;` and `location @app { proxy_pass ...; }`")
                        .label(m.span(p.inst), "proxied here"),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;
use crate::model::values::parse_time;

declare_rule! {
    /// ## What it does
    /// Reports `proxy_connect_timeout`, `fastcgi_connect_timeout`,
    /// `uwsgi_connect_timeout`, `scgi_connect_timeout`, `grpc_connect_timeout`
    /// and `memcached_connect_timeout` above 75 seconds.
    ///
    /// ## Why is this bad?
    /// nginx documents that the connect timeout "usually cannot exceed 75
    /// seconds": the operating system gives up on the TCP handshake first.
    /// A larger value does not wait longer; it only hides that the backend is
    /// unreachable, and usually stands where a read timeout was meant.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_connect_timeout 300s;
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
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_connect_timeout 10s;
    ///             proxy_read_timeout 300s;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_connect_timeout>
    pub struct ExcessiveConnectTimeout {
        name: "excessive-connect-timeout",
        category: Suspicious,
        severity: Warning,
        summary: "a connect timeout longer than the 75 s nginx can honour",
        pass: &["events {}\nhttp { proxy_connect_timeout 75s; fastcgi_connect_timeout 1m; server { } }\n"],
        fail: &[
            "events {}\nhttp { server { location / { proxy_connect_timeout 600; } } }\n",
            "events {}\nhttp { server { location / { fastcgi_connect_timeout 2m; } } }\n",
        ],
    }
}

impl Rule for ExcessiveConnectTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences(
            cx.loaded,
            &[
                "proxy_connect_timeout",
                "fastcgi_connect_timeout",
                "uwsgi_connect_timeout",
                "scgi_connect_timeout",
                "grpc_connect_timeout",
                "memcached_connect_timeout",
            ],
        ) {
            let name = d.name();
            if !name.ends_with("_connect_timeout") || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            if !matches!(
                name,
                "proxy_connect_timeout"
                    | "fastcgi_connect_timeout"
                    | "uwsgi_connect_timeout"
                    | "scgi_connect_timeout"
                    | "grpc_connect_timeout"
                    | "memcached_connect_timeout"
            ) {
                continue;
            }
            let Some(v) = cx.loaded.file(inst.file).ast.args(d).first() else { continue };
            let Some(ms) = parse_time(v.as_str(), true) else { continue };
            if ms > 75_000 {
                let family = name.trim_end_matches("_connect_timeout");
                out.push(
                    Finding::new(d.head_span(), format!("{name} of {}s is above the 75s a connect can take", ms / 1000))
                        .help(format!("lower it to 75s or less (a few seconds is usual); to wait longer for responses, raise {family}_read_timeout")),
                );
            }
        }
    }
}

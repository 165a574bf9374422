use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::vars::{client_controlled, variables};

declare_rule! {
    /// ## What it does
    /// Reports `proxy_set_header Host` (or `grpc_set_header Host`) set from
    /// the raw `Host` header, `$http_host`, or from another value the client
    /// chooses (`$http_x_forwarded_host`, `$arg_host`, ...).
    ///
    /// ## Why is this bad?
    /// nginx chooses the server block by the host of the request line when
    /// the request has an absolute URI, and only then by the `Host` header;
    /// `$host` holds the name nginx used. `$http_host` is the header as the
    /// client sent it, so the backend may see a different host than the one
    /// nginx routed on: password-reset links, cache keys and virtual-host
    /// checks in the application then trust a name the attacker chose.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             proxy_set_header Host $http_host;
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
    ///             proxy_set_header Host $host;
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
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#var_host>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/hostspoofing.md>
    pub struct HostHeaderSpoofing {
        name: "host-header-spoofing",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "the backend gets the client's raw Host header instead of the name nginx routed on",
        pass: &[
            "events {}\nhttp { server { location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { server { location / { proxy_set_header X-Original-Host $http_host; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_set_header Host $http_host; proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { proxy_set_header HOST \"$http_x_forwarded_host\"; }\n",
            "events {}\nhttp { server { location / { proxy_set_header host $arg_host; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
    }
}

impl Rule for HostHeaderSpoofing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for (directive, key) in [("proxy_set_header", "host"), ("grpc_set_header", "host")] {
            for &id in m.named(directive) {
                if !m.arg(id, 0).is_some_and(|k| k.eq_ignore_ascii_case(key)) {
                    continue;
                }
                let Some(value) = m.arg(id, 1) else { continue };
                let Some(raw) =
                    variables(value).into_iter().find(|v| client_controlled(v) && !v.eq_ignore_ascii_case("host"))
                else {
                    continue;
                };
                out.push(
                    Finding::new(
                        m.span(id),
                        format!("the Host sent to the backend is ${raw}, which the client chooses unchecked"),
                    )
                    .help(format!("use `{directive} {} $host;`", m.arg(id, 0).unwrap_or("Host"))),
                );
            }
        }
    }
}

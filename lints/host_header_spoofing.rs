use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::vars::{client_controlled, derived_from, variables};

declare_rule! {
    /// ## What it does
    /// Reports `proxy_set_header Host` (or `grpc_set_header Host`) set from
    /// the raw `Host` header, `$http_host`, or from another value the client
    /// chooses (`$http_x_forwarded_host`, `$arg_host`, ...), also through a
    /// variable that a `set` in scope or a `map` line gives such a value
    /// (`set $fwd $http_host;`).
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
            "events {}\nhttp { map $host $be_host { default $host; api.example.com api.internal; } server { location / { proxy_set_header Host $be_host; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_set_header Host $http_host; proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { proxy_set_header HOST \"$http_x_forwarded_host\"; }\n",
            "events {}\nhttp { server { location / { proxy_set_header host $arg_host; proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { server { set $fwd $http_host; location / { proxy_set_header Host $fwd; proxy_pass http://127.0.0.1:1; } } }\n",
            "events {}\nhttp { map $http_x_forwarded_host $be_host { default $http_x_forwarded_host; '' $host; } server { location / { proxy_set_header Host $be_host; proxy_pass http://127.0.0.1:1; } } }\n",
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
                // `$host` is the name nginx routed on (checked against server_name).
                let chosen = |v: &str| client_controlled(v) && !v.eq_ignore_ascii_case("host");
                let found = variables(value).into_iter().find_map(|v| Some((v, derived_from(m, id, v, &chosen, 0)?)));
                let Some((raw, (why, via))) = found else { continue };
                let msg = if chosen(raw) {
                    format!("the Host sent to the backend is ${raw}, which the client chooses unchecked")
                } else {
                    format!("the Host sent to the backend is ${raw}, which the client chooses unchecked ({why})")
                };
                let mut f = Finding::new(m.span(id), msg)
                    .help(format!("use `{directive} {} $host;`", m.arg(id, 0).unwrap_or("Host")));
                if let Some(v) = via {
                    f = f.label(m.span(v), format!("${raw} gets the client's value here"));
                }
                out.push(f);
            }
        }
    }
}

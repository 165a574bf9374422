use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{address_part, Model, PassKind};
use crate::model::tree::InstId;
use crate::model::vars::{capture_groups, client_controlled, is_literal_alternation, variables};

declare_rule! {
    /// ## What it does
    /// Reports a `proxy_pass`, `fastcgi_pass`, `uwsgi_pass`, `scgi_pass` or
    /// `grpc_pass` whose scheme or host comes from the request: a request
    /// header (`$host`, `$http_*`), an argument or cookie (`$arg_*`,
    /// `$cookie_*`), the URI (`$request_uri`, `$uri`), a regex capture that
    /// is not a fixed list of words, or a variable that a `set` in scope or
    /// a `map` line gives one of these (`map ... $origin { default
    /// $http_x_forwarded_host; }`).
    /// `proxy_pass http://$host$request_uri;` is reported too.
    ///
    /// ## Why is this bad?
    /// Whoever sends the request chooses where nginx connects: internal
    /// services, cloud metadata endpoints (`169.254.169.254`), the admin
    /// port of the backend. This is server-side request forgery (SSRF), and
    /// the response comes back to the attacker.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ ^/fetch/(.+)$ {
    ///             proxy_pass http://$1;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream images { server 10.0.0.5:8080; }
    ///     server {
    ///         location ~ ^/fetch/(.+)$ {
    ///             proxy_pass http://images/$1;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/ssrf.md>
    pub struct SsrfInPass {
        name: "ssrf-in-pass",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "the request chooses the host or scheme nginx connects to (SSRF)",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:8080$request_uri; } } }\n",
            "events {}\nhttp { server { location ~ ^/(a|b)/ { proxy_pass http://$1.internal; } } }\n",
            "events {}\nhttp { map $uri $be { default 127.0.0.1:1; } server { location / { proxy_pass http://$be; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass http://backend$route$is_args$args; } } }\n",
            "events {}\nhttp { server { location / { set $upstream \"http://some$request_uri\"; proxy_pass $upstream; } } }\n",
            "events {}\nhttp { server { location /p/ { internal; proxy_pass $arg_some; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://$host$request_uri; } } }\n",
            "events {}\nhttp { server { location / { proxy_pass $arg_scheme://backend; } } }\n",
            "events {}\nhttp { server { location / { set $target $http_x_backend; proxy_pass http://$target; } } }\n",
            "events {}\nhttp { server { location ~ /proxy/(.*)/(.*)$ { proxy_pass http://$1/$2; } } }\n",
            "events {}\nhttp { server { location / { fastcgi_pass $cookie_pool:9000; } } }\n",
            "events {}\nhttp { map $http_x_forwarded_host $origin_host { default $http_x_forwarded_host; cdn.example.com origin.internal; } server { location / { proxy_pass https://$origin_host$request_uri; } } }\n",
        ],
    }
}

/// Why a variable seen at `at` carries a value the client chooses, if it
/// does, and the `set` or `map` line that gives it that value.
fn tainted(m: &Model<'_>, at: InstId, var: &str, depth: u8) -> Option<(String, Option<InstId>)> {
    if client_controlled(var) {
        return Some((format!("${var} comes from the request"), None));
    }
    if let Some((_, pattern)) = m.capture_regex(at) {
        let groups = capture_groups(pattern);
        let g = match var.parse::<usize>() {
            Ok(n) => groups.iter().find(|g| g.number == n),
            Err(_) => groups.iter().find(|g| g.name == Some(var)),
        };
        if let Some(g) = g {
            return (!is_literal_alternation(g.body))
                .then(|| (format!("${var} is captured from the request by \"({})\"", g.body), None));
        }
    }
    // A variable given a client-controlled value by a `set` in scope or a `map`.
    if depth < 3 {
        return m.var_sources_at(at, var).find_map(|s| {
            let (why, _) = variables(address_part(PassKind::Proxy, s.value))
                .into_iter()
                .find_map(|v| tainted(m, s.at, v, depth + 1))?;
            let why = match s.map {
                Some(_) => format!("${var} is mapped to a value the client chooses ({why})"),
                None => format!("${var} is set from a value the client chooses ({why})"),
            };
            Some((why, Some(s.at)))
        });
    }
    None
}

impl Rule for SsrfInPass {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for p in &m.passes {
            if !p.target.dynamic || matches!(p.kind, PassKind::Memcached | PassKind::StreamProxy) {
                continue;
            }
            // An internal location is reached only by the configuration's own redirects.
            if m.chain(p.level).any(|l| !m.local(l, "internal").is_empty()) {
                continue;
            }
            let Some(raw) = m.arg(p.inst, 0) else { continue };
            let head = address_part(p.kind, raw);
            let found = variables(head).into_iter().find_map(|v| Some((v, tainted(m, p.inst, v, 0)?)));
            let Some((var, (why, via))) = found else { continue };
            let mut f =
                Finding::new(m.span(p.inst), format!("the request chooses where {} connects: {why}", p.kind.directive()))
                    .help("pass to a fixed host or an `upstream`, and put request data only in the URI part (or choose among fixed backends with a `map`)");
            if let Some(v) = via {
                f = f.label(m.span(v), format!("${var} gets the client's value here"));
            }
            out.push(f);
        }
    }
}

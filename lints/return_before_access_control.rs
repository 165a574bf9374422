use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `return` (or a redirecting `rewrite`) that answers
    /// requests at a level protected by `deny`, `auth_basic` or
    /// `auth_request`, unless it returns an error status or redirects to a
    /// path of the same site (`return 302 /grafana/;`), whose own access
    /// rules apply when the client follows it.
    ///
    /// ## Why is this bad?
    /// `return` and `rewrite` run in the rewrite phase, before the access
    /// phase checks `allow`/`deny` and authentication. The response is sent
    /// to everyone, whatever the access rules say.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /internal/ {
    ///             allow 10.0.0.0/8;
    ///             deny all;
    ///             return 302 https://intranet.example.com/;
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
    ///         location /internal/ {
    ///             allow 10.0.0.0/8;
    ///             deny all;
    ///             try_files /nonexistent @intranet;
    ///         }
    ///         location @intranet {
    ///             return 302 https://intranet.example.com/;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/dev/development_guide.html#http_phases>
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return>
    pub struct ReturnBeforeAccessControl {
        name: "return-before-access-control",
        category: Security,
        severity: Warning,
        summary: "return answers before allow/deny or auth_basic are checked",
        pass: &[
            "events {}\nhttp { server { location / { deny all; return 403; } } }\n",
            "events {}\nhttp { server { location / { return 200 ok; } location /a/ { deny all; } } }\n",
            "events {}\nhttp { server { allow 10.0.0.0/8; deny all; location = / { return 302 /grafana/; } location /grafana/ { proxy_pass http://127.0.0.1:3000; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { allow 127.0.0.1; deny all; location /status { return 200 \"up\"; } } }\n",
            "events {}\nhttp { server { location /priv/ { auth_basic \"x\"; auth_basic_user_file /etc/htpasswd; rewrite ^ https://example.com/ permanent; } } }\n",
            "events {}\nhttp { server { allow 10.0.0.0/8; deny all; location /kibana { return 301 http://10.20.0.5:5601/app/kibana; } } }\n",
        ],
    }
}

impl Rule for ReturnBeforeAccessControl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // A redirect to a path of this site gives nothing away: the client
        // asks for that path next, and its own access rules apply.
        let local = |t: &str| t.starts_with('/') && !t.starts_with("//");
        let answers = |id| match m.directive(id).name() {
            "return" => {
                let code = m.arg(id, 0).and_then(|c| c.parse::<u16>().ok());
                match code {
                    Some(301 | 302 | 303 | 307 | 308) => !m.arg(id, 1).is_some_and(local),
                    Some(c) => c < 400,
                    None => !m.arg(id, 0).is_some_and(local),
                }
            }
            _ => {
                let target = m.arg(id, 1).unwrap_or("");
                let redirect = m.args(id).get(2).is_some_and(|f| matches!(f.as_str(), "redirect" | "permanent"));
                (redirect && !local(target)) || target.starts_with("http://") || target.starts_with("https://")
            }
        };
        for &id in m.named("return").iter().chain(m.named("rewrite")) {
            if !answers(id) {
                continue;
            }
            let Some(level) = m.parent(id) else { continue };
            let deny = m
                .effective_list(level, &["allow", "deny"])
                .and_then(|(_, list)| list.into_iter().find(|&d| m.directive(d).name() == "deny"));
            let auth = m
                .effective(level, "auth_basic")
                .filter(|&a| m.arg(a, 0) != Some("off"))
                .or_else(|| m.effective(level, "auth_request").filter(|&a| m.arg(a, 0) != Some("off")));
            let Some(guard) = deny.or(auth) else { continue };
            out.push(
                Finding::new(m.span(id), format!("{} runs before access control: everyone gets this response", m.directive(id).name()))
                    .help("move the return into a location reached after the access phase (e.g. a named location via `try_files`), or drop the access rules if the response is public")
                    .label(m.span(guard), "this access control is checked later"),
            );
        }
    }
}

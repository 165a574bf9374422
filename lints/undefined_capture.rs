use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::vars::{capture_groups, is_numbered_capture, variables};

declare_rule! {
    /// ## What it does
    /// Reports `$1` to `$9` in the replacement of a `rewrite` whose own
    /// regex has fewer groups, such as `rewrite ^ /avatars/$1.jpg;`.
    ///
    /// ## Why is this bad?
    /// When a `rewrite` regex matches, its own captures replace those of
    /// the location regex and of every `if` before it. A regex without
    /// groups (`^`, `^/old/.*`) leaves no `$1`: the replacement gets an
    /// empty string (nginx 1.22 turns `/d/42` into `/avatars/.jpg` here),
    /// although the location's `(\d+)` looks as if it were still in
    /// reach.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ ^/users/(\d+)/avatar$ {
    ///             rewrite ^ /avatars/$1.jpg break;
    ///             root /srv/www;
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
    ///         location ~ ^/users/(\d+)/avatar$ {
    ///             rewrite ^/users/(\d+)/avatar$ /avatars/$1.jpg break;
    ///             root /srv/www;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#rewrite>
    pub struct UndefinedCapture {
        name: "undefined-capture",
        category: Suspicious,
        severity: Warning,
        summary: "a rewrite refers to a capture group its regex does not have",
        pass: &[
            "events {}\nhttp { server { location / { rewrite ^/a/(.*)$ /b/$1 last; rewrite ^/(?<x>c)/(d)$ /$2/$1 last; } } }\n",
            "events {}\nhttp { server { location / { rewrite ^/a$ /b?x=$arg_x last; rewrite ^ $scheme://$host$request_uri permanent; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location ~ ^/users/(\\d+)/avatar$ { rewrite ^ /avatars/$1.jpg break; } } }\n",
            "events {}\nhttp { server { rewrite ^/old/(.*)$ /new/$1/$2 permanent; } }\n",
        ],
    }
}

impl Rule for UndefinedCapture {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("rewrite") {
            let (Some(regex), Some(replacement)) = (m.arg(id, 0), m.arg(id, 1)) else { continue };
            let missing = variables(replacement).into_iter().find(|v| {
                is_numbered_capture(v) && v.parse::<usize>().is_ok_and(|n| n > 0 && n > capture_groups(regex).len())
            });
            let Some(n) = missing else { continue };
            let groups = capture_groups(regex).len();
            let have = match groups {
                0 => "no groups".to_string(),
                1 => "one group".to_string(),
                g => format!("{g} groups"),
            };
            out.push(
                Finding::new(m.span(id), format!("${n} is always empty here: the rewrite regex \"{regex}\" has {have}"))
                    .help(format!(
                        "capture what ${n} should hold in this rewrite's own regex (a rewrite's match replaces the location's captures)"
                    )),
            );
        }
    }
}

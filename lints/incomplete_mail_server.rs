use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `server` in `mail` that nginx cannot start, for one of:
    ///
    /// - no `listen`;
    /// - no `protocol`, and no `listen` on a port that tells it (25, 465 and
    ///   587 mean smtp; 110 and 995 pop3; 143 and 993 imap);
    /// - no `auth_http`, its own or set in `mail` (nginx's mail proxy asks
    ///   that service where to send each session).
    ///
    /// nginx error texts: `no "listen" is defined for server`,
    /// `unknown mail protocol for server`, `no "auth_http" is defined for
    /// server` (nginx names the server's line).
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// mail {
    ///     server {
    ///         listen 2525;
    ///         protocol smtp;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// mail {
    ///     auth_http 127.0.0.1:9000/auth;
    ///     server {
    ///         listen 2525;
    ///         protocol smtp;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/mail/ngx_mail_core_module.html#protocol>
    /// - <https://nginx.org/en/docs/mail/ngx_mail_auth_http_module.html#auth_http>
    pub struct IncompleteMailServer {
        name: "incomplete-mail-server",
        category: Correctness,
        severity: Error,
        summary: "a mail server without listen, protocol or auth_http",
        pass: &["events {}\nmail { auth_http 127.0.0.1:1/a; server { listen 25; } server { listen 2525; protocol smtp; } }\n"],
        fail: &[
            "events {}\nmail { server { listen 9025; protocol smtp; } }\n",
            "events {}\nmail { auth_http 127.0.0.1:1/a; server { listen 9025; } }\n",
            "events {}\nmail { auth_http 127.0.0.1:1/a; server { protocol imap; } }\n",
        ],
    }
}

/// The protocol nginx infers from a well-known port.
fn port_protocol(listen: &str) -> bool {
    let port = listen.rsplit(':').next().unwrap_or(listen);
    matches!(port, "25" | "465" | "587" | "110" | "995" | "143" | "993")
}

impl Rule for IncompleteMailServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &s in m.named("server") {
            if m.inner(s) != Some(Context::MailServer) || m.has_unresolved_include(s) {
                continue;
            }
            let listens = m.local(s, "listen");
            let problem = if listens.is_empty() {
                Some(("no \"listen\" is defined for server", "add `listen PORT;`"))
            } else if m.effective(s, "protocol").is_none()
                && !listens.iter().any(|&l| m.arg(l, 0).is_some_and(port_protocol))
            {
                Some((
                    "unknown mail protocol for server",
                    "add `protocol smtp;` (or imap, pop3): only ports 25, 465, 587, 110, 995, 143 and 993 tell it",
                ))
            } else if m.effective(s, "auth_http").is_none() {
                Some((
                    "no \"auth_http\" is defined for server",
                    "add `auth_http` (here or in mail): the URL of the service that authenticates each session",
                ))
            } else {
                None
            };
            if let Some((msg, help)) = problem {
                out.push(Finding::new(m.span(s), msg).help(help));
            }
        }
    }
}

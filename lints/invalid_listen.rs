use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::listen::{parse, ListenError};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports an http `listen` nginx cannot parse: a port outside 1-65535
    /// or an unknown parameter (`listen 443 ssl http3x`, `listen 80
    /// defualt_server`).
    ///
    /// nginx error texts: `invalid port in "X" of the "listen" directive`,
    /// `invalid parameter "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80 defualt_server;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80 default_server;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#listen>
    pub struct InvalidListen {
        name: "invalid-listen",
        category: Correctness,
        severity: Error,
        summary: "a listen with a bad port or an unknown parameter",
        pass: &["events {}\nhttp { server { listen 8080 default_server; listen [::]:443 ssl ipv6only=on; listen unix:/run/a.sock; listen 127.0.0.1:81 backlog=100; } }\n"],
        fail: &["events {}\nhttp { server { listen 99999; } }\n", "events {}\nhttp { server { listen 80 defualt_server; } }\n"],
    }
}

impl Rule for InvalidListen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["listen"]) {
            if d.name() != "listen" || inst.ctx != Context::Server || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            // `listen;` is invalid-argument-count's business.
            if args.is_empty() || args.iter().any(|a| a.has_variables()) {
                continue;
            }
            let words: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
            match parse(&words) {
                Ok(_) => {}
                Err(ListenError::InvalidPort(i)) => out.push(
                    Finding::new(args[i].span, format!("invalid port in \"{}\" of the \"listen\" directive", words[i]))
                        .help("use a port from 1 to 65535, as `listen 8080;` or `listen 127.0.0.1:8080;`"),
                ),
                Err(ListenError::InvalidParameter(i)) => out.push(
                    Finding::new(args[i].span, format!("invalid parameter \"{}\"", words[i])).help(
                        "listen takes default_server, ssl, http2, quic, proxy_protocol, bind, backlog=, rcvbuf=, sndbuf=, reuseport, ipv6only=, fastopen=, deferred, so_keepalive=",
                    ),
                ),
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `ssl_protocols` (and `proxy_ssl_protocols`,
    /// `grpc_ssl_protocols`, `uwsgi_ssl_protocols`, in http, stream and
    /// mail) that enable SSLv2, SSLv3, TLSv1 or TLSv1.1.
    ///
    /// ## Why is this bad?
    /// These protocol versions have known attacks (POODLE, BEAST, weak
    /// MD5/SHA-1 handshakes), are forbidden by PCI DSS, and every current
    /// browser has dropped them: enabling them only helps a downgrade
    /// attacker. nginx's own default since 1.23.4 is `TLSv1.2 TLSv1.3`.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     ssl_protocols TLSv1.2 TLSv1.3;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_protocols>
    /// - <https://datatracker.ietf.org/doc/html/rfc8996>
    pub struct WeakSslProtocols {
        name: "weak-ssl-protocols",
        category: Security,
        severity: Warning,
        summary: "SSLv3, TLSv1 or TLSv1.1 is enabled",
        pass: &["events {}\nhttp { ssl_protocols TLSv1.2 TLSv1.3; proxy_ssl_protocols TLSv1.3; }\n"],
        fail: &[
            "events {}\nhttp { ssl_protocols SSLv3 TLSv1 TLSv1.1 TLSv1.2; }\n",
            "events {}\nstream { server { listen 1 ssl; ssl_protocols TLSv1.1 TLSv1.2; } }\n",
        ],
    }
}

impl Rule for WeakSslProtocols {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for directive in ["ssl_protocols", "proxy_ssl_protocols", "grpc_ssl_protocols", "uwsgi_ssl_protocols"] {
            for &id in m.named(directive) {
                let weak: Vec<&str> = m
                    .args(id)
                    .iter()
                    .map(|a| a.as_str())
                    .filter(|p| matches!(*p, "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1"))
                    .collect();
                if weak.is_empty() {
                    continue;
                }
                out.push(
                    Finding::new(m.span(id), format!("{directive} enables obsolete {}", weak.join(", ")))
                        .help(format!("use `{directive} TLSv1.2 TLSv1.3;`")),
                );
            }
        }
    }
}

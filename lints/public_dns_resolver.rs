use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `resolver` that names a public DNS service (Google
    /// 8.8.8.8, Cloudflare 1.1.1.1, Quad9 9.9.9.9, OpenDNS, ...).
    ///
    /// ## Why is this bad?
    /// nginx's resolver sends plain UDP queries across the internet and
    /// checks little more than the query id: an attacker on the path, or
    /// one who races the answers, can point your upstream names at their own
    /// hosts. Public resolvers also cannot see internal names. Use a resolver
    /// on the host or in the local network.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     resolver 8.8.8.8 1.1.1.1;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     resolver 127.0.0.53;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver>
    /// - <https://github.com/dvershinin/gixy/blob/master/docs/en/plugins/resolver_external.md>
    pub struct PublicDnsResolver {
        name: "public-dns-resolver",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "resolver sends queries to a public DNS service",
        pass: &["events {}\nhttp { resolver 127.0.0.53 [::1]:5353 valid=30s; }\n"],
        fail: &["events {}\nhttp { resolver 8.8.8.8:53 ipv6=off; }\n", "events {}\nstream { resolver [2606:4700:4700::1111]; }\n"],
    }
}

const PUBLIC: &[&str] = &[
    "8.8.8.8",
    "8.8.4.4",
    "1.1.1.1",
    "1.0.0.1",
    "9.9.9.9",
    "149.112.112.112",
    "208.67.222.222",
    "208.67.220.220",
    "64.6.64.6",
    "64.6.65.6",
    "94.140.14.14",
    "94.140.15.15",
    "8.26.56.26",
    "8.20.247.20",
    "77.88.8.8",
    "77.88.8.1",
    "4.2.2.1",
    "4.2.2.2",
    "2001:4860:4860::8888",
    "2001:4860:4860::8844",
    "2606:4700:4700::1111",
    "2606:4700:4700::1001",
    "2620:fe::fe",
    "2620:fe::9",
    "2620:119:35::35",
];

/// The address of a resolver argument without port or brackets.
fn address(arg: &str) -> &str {
    if let Some(v6) = arg.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    if arg.matches(':').count() == 1 {
        return arg.split(':').next().unwrap_or(arg);
    }
    arg
}

impl Rule for PublicDnsResolver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("resolver") {
            for a in m.args(id) {
                let addr = address(a.as_str());
                if PUBLIC.contains(&addr.to_ascii_lowercase().as_str()) {
                    out.push(
                        Finding::new(
                            a.span,
                            format!("{addr} is a public DNS resolver: answers can be spoofed on the way"),
                        )
                        .help("use a resolver on this host or in the local network (e.g. `resolver 127.0.0.53;`)")
                        .label(m.span(id), "resolver"),
                    );
                }
            }
        }
    }
}

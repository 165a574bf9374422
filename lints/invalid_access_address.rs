use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports an `allow` or `deny` (http and stream) whose address nginx
    /// cannot read. It takes `all` (lower case), `unix:`, an IPv4 or IPv6
    /// address, or a network in CIDR form (`10.0.0.0/8`, `2001:db8::/32`,
    /// mask at most 32 or 128). Host names are not accepted.
    ///
    /// nginx error text: `invalid parameter "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         allow localhost;
    ///         deny all;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         allow 127.0.0.1;
    ///         allow ::1;
    ///         deny all;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_access_module.html#allow>
    pub struct InvalidAccessAddress {
        name: "invalid-access-address",
        category: Correctness,
        severity: Error,
        summary: "allow or deny with an address nginx cannot read",
        pass: &["events {}\nhttp { server { allow 10.0.0.0/8; allow 2001:db8::/32; allow ::1; allow unix:; deny all; } }\n"],
        fail: &[
            "events {}\nhttp { server { allow localhost; deny all; } }\n",
            "events {}\nhttp { server { allow 10.0.0.0/33; deny all; } }\n",
            "events {}\nhttp { server { deny ALL; } }\n",
        ],
    }
}

/// True for what nginx's `ngx_ptocidr` reads.
pub fn is_cidr(v: &str) -> bool {
    let (addr, mask) = match v.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (v, None),
    };
    let max = if is_ipv4(addr) {
        32
    } else if addr.contains(':') && addr.parse::<std::net::Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    match mask {
        None => true,
        Some(m) => !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) && m.parse::<u32>().is_ok_and(|n| n <= max),
    }
}

/// nginx's `ngx_inet_addr`: four decimal octets.
pub fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 255))
}

impl Rule for InvalidAccessAddress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for name in ["allow", "deny"] {
            for &id in m.named(name) {
                let Status::Found(spec) = cx.tree.insts[id as usize].status else { continue };
                if !matches!(spec.module, "ngx_http_access_module" | "ngx_stream_access_module") {
                    continue;
                }
                let args = m.args(id);
                let [a] = args else { continue };
                let v = a.as_str();
                if v == "all" || v == "unix:" || is_cidr(v) {
                    continue;
                }
                out.push(Finding::new(a.span, format!("invalid parameter \"{v}\"")).help(
                    "write `all`, an IP address or a CIDR network such as 10.0.0.0/8; host names are not accepted",
                ));
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::InstId;

use super::invalid_access_address::{is_cidr, is_ipv4};

declare_rule! {
    /// ## What it does
    /// Checks the lines of `map` and `geo` blocks (http and stream) the way
    /// nginx reads them: a line is a key and a value, except `hostnames` and
    /// `volatile` in a map and `ranges` and `proxy_recursive` in a geo,
    /// which stand alone. The keys of a geo block are networks (`10.0.0.0/8`,
    /// `::1`), and after `ranges` they are IPv4 ranges whose start is not
    /// above their end (`10.0.0.1-10.0.0.9`); `delete` and `proxy` take a
    /// network too.
    ///
    /// nginx error texts: `invalid number of the map parameters`, `invalid
    /// number of the geo parameters`, `invalid network "X"`, `invalid range "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration. A map line that lost its
    /// value (`/old;`) is an easy slip when a table is edited by hand.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     map $uri $new {
    ///         /old;
    ///         default "";
    ///     }
    ///     geo $office {
    ///         default 0;
    ///         10.0.0.0/33 1;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     map $uri $new {
    ///         /old /new;
    ///         default "";
    ///     }
    ///     geo $office {
    ///         default 0;
    ///         10.0.0.0/8 1;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_map_module.html#map>
    /// - <https://nginx.org/en/docs/http/ngx_http_geo_module.html#geo>
    pub struct InvalidMapEntry {
        name: "invalid-map-entry",
        category: Correctness,
        severity: Error,
        summary: "a map or geo line nginx cannot read",
        pass: &[
            "events {}\nhttp { map $uri $x { hostnames; volatile; default 1; include /dev/null; /a 2; } geo $g { default 0; 10.0.0.0/8 1; 127.0.0.1 2; ::1 3; delete 10.1.0.0/16; proxy 10.0.0.1; proxy_recursive; } geo $r { ranges; default 0; 10.0.0.1-10.0.0.9 1; } }\n",
        ],
        fail: &[
            "events {}\nhttp { map $uri $x { /old; default 1; } }\n",
            "events {}\nhttp { map $uri $x { a b c; } }\n",
            "events {}\nhttp { geo $g { 10.0.0.0/8; } }\n",
            "events {}\nhttp { geo $g { 10.0.0.256 1; } }\n",
            "events {}\nhttp { geo $g { ranges; 10.0.0.9-10.0.0.1 1; } }\n",
            "events {}\nstream { geo $g { delete bogus; } }\n",
        ],
    }
}

impl Rule for InvalidMapEntry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // geo blocks whose `ranges` line has been read.
        let mut ranges: Vec<InstId> = Vec::new();
        for inst in &cx.tree.insts {
            let geo = match inst.ctx {
                Context::Map | Context::StreamMap => false,
                Context::Geo | Context::StreamGeo => true,
                _ => continue,
            };
            let Some(parent) = inst.parent else { continue };
            let d = cx.loaded.file(inst.file).ast.node(inst.node);
            if d.has_block() {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let key = d.name();
            let alone: &[&str] = if geo { &["ranges", "proxy_recursive"] } else { &["hostnames", "volatile"] };
            if args.is_empty() && alone.contains(&key) {
                if key == "ranges" {
                    ranges.push(parent);
                }
                continue;
            }
            if args.len() != 1 {
                let which = if geo { "geo" } else { "map" };
                let help = if geo {
                    "write a network and a value (`10.0.0.0/8 1;`); only `ranges` and `proxy_recursive` stand alone"
                } else {
                    "write a key and a value (`/old /new;`); only `hostnames` and `volatile` stand alone; quote a value with spaces"
                };
                out.push(Finding::new(d.head_span(), format!("invalid number of the {which} parameters")).help(help));
                continue;
            }
            if !geo || matches!(key, "include" | "default") {
                continue;
            }
            let in_ranges = ranges.contains(&parent);
            let (net, span) =
                if matches!(key, "delete" | "proxy") { (args[0].as_str(), args[0].span) } else { (key, d.name.span) };
            if in_ranges && key != "proxy" {
                if !is_range(net) {
                    out.push(
                        Finding::new(span, format!("invalid range \"{net}\"")).help(
                            "after `ranges`, keys are IPv4 ranges such as 10.0.0.1-10.0.0.9, start not above end",
                        ),
                    );
                }
            } else if !is_cidr(net) {
                out.push(
                    Finding::new(span, format!("invalid network \"{net}\""))
                        .help("write an address or a network such as 10.0.0.0/8 or 2001:db8::/32"),
                );
            }
        }
    }
}

/// `A-B`: two IPv4 addresses, A not above B (`ngx_inet_addr` refuses
/// 255.255.255.255).
fn is_range(s: &str) -> bool {
    let Some((a, b)) = s.split_once('-') else { return false };
    let ip = |x: &str| {
        (is_ipv4(x) && x != "255.255.255.255").then(|| x.parse::<std::net::Ipv4Addr>().ok()).flatten().map(u32::from)
    };
    matches!((ip(a), ip(b)), (Some(a), Some(b)) if a <= b)
}

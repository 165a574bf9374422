use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::InstId;
use crate::span::Span;
use rustc_hash::FxHashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

declare_rule! {
    /// ## What it does
    /// Reports a network listed twice in one `geo` block (http or stream),
    /// also across included files: the same address and prefix length after
    /// nginx masks the low bits (`10.0.0.1/8` is `10.0.0.0/8`), and
    /// `default` next to `0.0.0.0/0`. The later line wins. Blocks in
    /// `ranges` mode are not checked.
    ///
    /// nginx warning text: `duplicate network "NET", value: "V", old value:
    /// "OLD"`.
    ///
    /// ## Why is this bad?
    /// nginx starts, but one of the two lines is dead: usually a copy-paste
    /// slip that gives a network the wrong value.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     geo $internal {
    ///         default 0;
    ///         10.0.0.0/8 1;
    ///         10.0.0.0/8 0;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     geo $internal {
    ///         default 0;
    ///         10.0.0.0/8 1;
    ///         10.1.0.0/16 0;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_geo_module.html#geo>
    pub struct DuplicateGeoNetwork {
        name: "duplicate-geo-network",
        category: Suspicious,
        severity: Warning,
        summary: "a geo block lists the same network twice",
        pass: &[
            "events {}\nhttp { geo $g { default 0; 10.0.0.0/8 1; 10.0.0.0/16 2; ::1 3; 127.0.0.1 4; delete 127.0.0.1; 127.0.0.1 5; } geo $h { default 0; 10.0.0.0/8 1; } geo $r { ranges; default 0; 10.0.0.1-10.0.0.9 1; 10.0.0.1-10.0.0.9 2; } }\n",
        ],
        fail: &[
            "events {}\nhttp { geo $g { 10.0.0.0/8 1;\n 10.0.0.0/8 2; } }\n",
            "events {}\nhttp { geo $g { default 1;\n 0.0.0.0/0 2; } }\n",
            "events {}\nhttp { geo $g { 192.168.1.1/24 1;\n 192.168.1.0/24 2; } }\n",
            "events {}\nstream { geo $g { 2001:db8::/32 1;\n 2001:db8::1/32 2; } }\n",
        ],
    }
}

/// A network as nginx stores it: family, masked address, prefix length.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

/// `ngx_http_geo_cidr_value` (`255.255.255.255` is one host, like any address
/// without a prefix).
fn parse_net(s: &str) -> Option<Net> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (s, None),
    };
    if let Ok(a) = addr.parse::<Ipv4Addr>() {
        let n = len.unwrap_or(32);
        if n > 32 {
            return None;
        }
        let mask = if n == 0 { 0 } else { u32::MAX << (32 - n) };
        return Some(Net::V4(u32::from(a) & mask, n));
    }
    if let Ok(a) = addr.parse::<Ipv6Addr>() {
        let n = len.unwrap_or(128);
        if n > 128 {
            return None;
        }
        let mask = if n == 0 { 0 } else { u128::MAX << (128 - n) };
        return Some(Net::V6(u128::from(a) & mask, n));
    }
    None
}

impl Rule for DuplicateGeoNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let mut seen: FxHashMap<(InstId, Net), (Span, &str)> = FxHashMap::default();
        let mut ranges: Vec<InstId> = Vec::new();
        for inst in &cx.tree.insts {
            if !matches!(inst.ctx, Context::Geo | Context::StreamGeo) {
                continue;
            }
            let Some(parent) = inst.parent else { continue };
            let file = cx.loaded.file(inst.file);
            let d = file.ast.node(inst.node);
            let args = file.ast.args(d);
            let key = d.name();
            if key == "ranges" {
                ranges.push(parent);
                continue;
            }
            if d.has_block() || args.len() != 1 || ranges.contains(&parent) {
                continue;
            }
            let value = args[0].as_str();
            if key == "delete" {
                if let Some(net) = parse_net(value) {
                    seen.remove(&(parent, net));
                }
                continue;
            }
            if matches!(key, "include" | "proxy" | "proxy_recursive") {
                continue;
            }
            // `default` is 0.0.0.0/0 and ::/0.
            let (nets, count) = if key == "default" {
                ([Net::V4(0, 0), Net::V6(0, 0)], 2)
            } else {
                match parse_net(key) {
                    Some(n) => ([n, n], 1),
                    None => continue,
                }
            };
            let mut reported = false;
            for &net in &nets[..count] {
                if let Some((first, old)) = seen.insert((parent, net), (d.head_span(), value)) {
                    if !reported {
                        reported = true;
                        out.push(
                            Finding::new(
                                d.head_span(),
                                format!("duplicate network \"{key}\", value: \"{value}\", old value: \"{old}\""),
                            )
                            .help("keep one line per network; nginx uses this later one")
                            .label(first, "first given here"),
                        );
                    }
                }
            }
        }
    }
}

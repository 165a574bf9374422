use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::listen::parse_address;
use crate::model::values::parse_number;
use rustc_hash::{FxHashMap, FxHashSet};

declare_rule! {
    /// ## What it does
    /// Counts the listening sockets a main configuration opens and reports a
    /// `worker_connections` (512 when unset) that cannot hold them: nginx
    /// wants one connection per listening socket plus one. The count is a
    /// lower bound, so the rule never guesses high: on one port, addresses
    /// without `bind` (or another option that binds) share the wildcard
    /// socket; IPv4, IPv6, UDP (`quic`, stream `udp`) and each unix socket
    /// are their own; host names count only as "this port has a socket";
    /// `reuseport` copies per worker are not counted.
    ///
    /// nginx error text: `N worker_connections are not enough for M
    /// listening sockets` (no file or line).
    ///
    /// ## Why is this bad?
    /// nginx refuses to start. A tiny `worker_connections` left from a test
    /// also caps the whole server at that many clients.
    ///
    /// ## Example
    /// ```nginx
    /// events { worker_connections 2; }
    /// http {
    ///     server { listen 80; }
    ///     server { listen 443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events { worker_connections 1024; }
    /// http {
    ///     server { listen 80; }
    ///     server { listen 443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#worker_connections>
    pub struct WorkerConnectionsTooFew {
        name: "worker-connections-too-few",
        category: Correctness,
        severity: Error,
        summary: "worker_connections no larger than the number of listening sockets",
        pass: &[
            "events { worker_connections 4; }\nhttp { server { listen 80; listen 127.0.0.1:80; listen 10.0.0.1:80; } server { listen 81; } }\n",
            "events { worker_connections 2; }\nhttp { server { listen 80; } }\n",
        ],
        fail: &[
            "events { worker_connections 1; }\nhttp { server { listen 8080; } }\n",
            "events { worker_connections 3; }\nhttp { server { listen 80; listen [::]:80; listen 127.0.0.1:80 bind; } }\n",
            "events { worker_connections 2; }\nstream { server { listen 53 udp; proxy_pass 127.0.0.1:5353; } server { listen 53; proxy_pass 127.0.0.1:5353; } }\n",
        ],
    }
}

/// The addresses of one (family, port, transport).
#[derive(Default)]
struct Port {
    wildcard: bool,
    addrs: FxHashSet<String>,
    /// Those with `bind` or another option that binds.
    bound: FxHashSet<String>,
}

/// The sockets of one root.
#[derive(Default)]
struct Sockets {
    /// (family: 4, 6, or 0 for host names; port; udp)
    ports: FxHashMap<(u8, u16, bool), Port>,
    unix: FxHashSet<String>,
}

impl Sockets {
    fn add(&mut self, socket: &str, port: Option<u16>, udp: bool, binds: bool) {
        let Some(port) = port else { return };
        let (family, host) = match socket.strip_prefix('[') {
            Some(rest) => (6, rest.split(']').next().unwrap_or("")),
            None => (4, socket.rsplit_once(':').map_or(socket, |(h, _)| h)),
        };
        let literal = family == 6 || host.parse::<std::net::Ipv4Addr>().is_ok();
        // A host name: its addresses are unknown; the port has a socket.
        let family = if literal { family } else { 0 };
        let e = self.ports.entry((family, port, udp)).or_default();
        if !literal {
            return;
        }
        if host == "0.0.0.0" || host == "::" {
            e.wildcard = true;
        } else {
            e.addrs.insert(host.to_string());
            if binds {
                e.bound.insert(host.to_string());
            }
        }
    }

    /// At least this many listening sockets.
    fn count(&self) -> usize {
        let mut ports: FxHashMap<(u16, bool), usize> = FxHashMap::default();
        for (&(family, port, udp), p) in &self.ports {
            let n = match (family, p.wildcard) {
                (0, _) => 0,
                (_, true) => 1 + p.bound.len(),
                (_, false) => p.addrs.len(),
            };
            *ports.entry((port, udp)).or_default() += n;
        }
        ports.values().map(|&n| n.max(1)).sum::<usize>() + self.unix.len()
    }
}

impl Rule for WorkerConnectionsTooFew {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut roots: FxHashMap<u32, Sockets> = FxHashMap::default();
        for s in &m.servers {
            let sockets = roots.entry(m.tree.insts[s.inst as usize].root).or_default();
            for (_, l) in &s.listens {
                match l.socket.strip_prefix("unix:") {
                    Some(path) => _ = sockets.unix.insert(path.to_string()),
                    None => sockets.add(&l.socket, l.port, l.quic, l.bind_options),
                }
            }
        }
        // stream and mail: each port (and unix socket) has at least one.
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["listen"]) {
            if !matches!(inst.ctx, Context::StreamServer | Context::MailServer) {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let Some((socket, port)) = args.first().and_then(|a| parse_address(a.as_str())) else { continue };
            let udp = args.iter().any(|a| a.as_str() == "udp");
            let sockets = roots.entry(inst.root).or_default();
            match socket.strip_prefix("unix:") {
                Some(path) => _ = sockets.unix.insert(path.to_string()),
                None => sockets.add(&socket, port, udp, false),
            }
        }
        for (root, sockets) in &roots {
            let r = *root;
            let main = m.tree.root_ctx.get(r as usize) == Some(&Context::Main);
            let Some(&events) = m.top(r, "events").first() else { continue };
            if !main {
                continue;
            }
            let wc = cx
                .tree
                .occurrences(cx.loaded, &["worker_connections"])
                .filter(|(_, inst, _)| inst.root == r && inst.parent == Some(events))
                .last()
                .map(|(_, inst, d)| (cx.loaded.file(inst.file).ast.args(d), d.head_span()));
            let (value, span) = match wc {
                Some((args, span)) => match args.first().and_then(|a| parse_number(a.as_str())) {
                    Some(n) => (n as usize, span),
                    None => continue, // invalid-directive-value's
                },
                None => (512, cx.tree.directive(cx.loaded, events).head_span()),
            };
            let n = sockets.count();
            if value <= n {
                out.push(
                    Finding::new(span, format!("{value} worker_connections are not enough for {n} listening sockets"))
                        .help(format!(
                            "nginx needs one connection per listening socket plus one; this configuration opens at least {n}: raise worker_connections (1024 is usual)"
                        )),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::Model;
use crate::model::tree::InstId;
use rustc_hash::FxHashMap;

/// The servers bound to one socket (with the listen that binds each), and
/// whether one of them is the default.
type Socket = (Vec<(InstId, Option<InstId>)>, bool);

declare_rule! {
    /// ## What it does
    /// Reports a listen socket shared by several `server` blocks none of
    /// which is marked `default_server`. The finding is at the first
    /// server's `listen`: that server answers implicitly. When a later
    /// server on the socket is a catch-all (`server_name _;` or `""`, or
    /// `return 444`), the finding is at its `listen`, where
    /// `default_server` belongs.
    ///
    /// ## Why is this bad?
    /// Requests whose `Host` matches no `server_name` (scanners, requests by
    /// IP address, forged hosts) go to whichever server comes first in the
    /// configuration, which changes with the order of included files. An
    /// application that trusts the `Host` header then receives requests for
    /// names it does not own. Declare a catch-all server that refuses them.
    ///
    /// Only complete configurations (a main `nginx.conf` and its includes)
    /// are checked: a site file checked on its own may share its sockets
    /// with a default server defined elsewhere.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         server_name app.example.com;
    ///     }
    ///     server {
    ///         listen 80;
    ///         server_name www.example.com;
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
    ///         return 444;
    ///     }
    ///     server {
    ///         listen 80;
    ///         server_name app.example.com;
    ///     }
    ///     server {
    ///         listen 80;
    ///         server_name www.example.com;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/request_processing.html>
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#listen>
    pub struct MissingDefaultServer {
        name: "missing-default-server",
        category: Security,
        severity: Warning,
        confidence: Low,
        summary: "servers share a socket and none is default_server",
        pass: &[
            "events {}\nhttp { server { listen 80; server_name a; } }\n",
            "server { listen 80; server_name a; }\nserver { listen 80; server_name b; }\n",
            "events {}\nhttp { server { listen 8080; server_name a; } server { listen 8080 default_server; server_name b; } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { server_name a; } server { listen 80; server_name b; } }\n",
            "events {}\nhttp { server { listen 80; server_name app.example.com; } server { listen 80; server_name _; return 444; } }\n",
        ],
    }
}

/// True for a server meant to catch unknown hosts: named `_` or `""`, or
/// one that closes the connection (`return 444`).
fn catch_all(m: &Model<'_>, server: InstId) -> bool {
    let named =
        m.server_of(server).is_some_and(|s| !s.names.is_empty() && s.names.iter().all(|n| n == "_" || n.is_empty()));
    named || m.local(server, "return").iter().any(|&r| m.arg(r, 0) == Some("444"))
}

impl Rule for MissingDefaultServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // (root, socket) -> (servers in order with the listen that binds them, any default)
        let mut sockets: FxHashMap<(u32, String), Socket> = FxHashMap::default();
        let mut order = Vec::new();
        for s in &m.servers {
            let root = m.tree.insts[s.inst as usize].root;
            // A site snippet is one of many: the default may be in a file not checked.
            if m.tree.root_ctx.get(root as usize) != Some(&crate::model::context::Context::Main) {
                continue;
            }
            for (at, l) in &s.listens {
                let key = (root, l.key());
                let e = sockets.entry(key.clone()).or_insert_with(|| {
                    order.push(key);
                    (Vec::new(), false)
                });
                e.1 |= l.default_server;
                if e.0.last().map(|x| x.0) != Some(s.inst) {
                    e.0.push((s.inst, *at));
                }
            }
        }
        // One finding per implicit default server, naming all its sockets.
        let mut by_first: FxHashMap<InstId, Vec<&str>> = FxHashMap::default();
        let mut firsts = Vec::new();
        for key in &order {
            let (servers, default) = &sockets[key];
            if *default || servers.len() < 2 {
                continue;
            }
            let e = by_first.entry(servers[0].0).or_default();
            if e.is_empty() {
                firsts.push(key);
            }
            e.push(&key.1);
        }
        for key in firsts {
            let (servers, _) = &sockets[key];
            let (first, at) = servers[0];
            let all = by_first[&first].join(", ");
            let name = m.server_of(first).and_then(|s| s.names.first().cloned()).unwrap_or_else(|| "\"\"".into());
            // A catch-all (`server_name _;`, `""`, or `return 444`) further down
            // was meant to be the default: the fix is on its listen line.
            if let Some(&(ca, ca_at)) = servers.iter().skip(1).find(|&&(s, _)| catch_all(m, s)) {
                out.push(
                    Finding::new(
                        m.span(ca_at.unwrap_or(ca)),
                        format!("this catch-all server is not default_server on {all}: the first server there ({name}) answers unknown hosts instead"),
                    )
                    .help("add `default_server` to this listen")
                    .label(m.span(at.unwrap_or(first)), "answers unknown hosts"),
                );
                continue;
            }
            let mut f = Finding::new(
                m.span(at.unwrap_or(first)),
                format!(
                    "{} servers listen on {all} and none is default_server: this one ({name}) answers unknown hosts",
                    servers.len()
                ),
            )
            .help(format!(
                "add a catch-all `server {{ listen {} default_server; return 444; }}`, or mark the intended server",
                key.1
            ));
            for &(s, at) in servers.iter().skip(1).take(3) {
                f = f.label(m.span(at.unwrap_or(s)), "also listens here");
            }
            out.push(f);
        }
    }
}

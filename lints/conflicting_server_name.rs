use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::listen::{parse, DEFAULT_SOCKET};
use crate::model::tree::{InstId, Status};
use crate::span::Span;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a server name that two servers listening on the same socket
    /// both claim. nginx keeps the first, warns, and ignores the second: its
    /// requests go to the other server.
    ///
    /// nginx warning text: `conflicting server name "NAME" on ADDR, ignored`.
    ///
    /// ## Why is this bad?
    /// The second server never receives requests for that name: a copy of a
    /// site file left in `sites-enabled`, or a rename half done.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server { listen 80; server_name app.test; root /srv/new; }
    ///     server { listen 80; server_name app.test; root /srv/old; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server { listen 80; server_name app.test; root /srv/new; }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/server_names.html>
    pub struct ConflictingServerName {
        name: "conflicting-server-name",
        category: Suspicious,
        severity: Warning,
        summary: "two servers on one socket claim the same name",
        pass: &["events {}\nhttp { server { listen 80; server_name a.test; } server { listen 81; server_name a.test; } server { listen 80; server_name b.test; } }\n"],
        fail: &["events {}\nhttp { server { listen 8080; server_name a.test; } server { listen 8080; server_name A.test; } }\n"],
    }
}

impl Rule for ConflictingServerName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // server instance -> (sockets, names with their spans)
        type Sockets = Vec<String>;
        type Names = Vec<(String, Span)>;
        let mut servers: FxHashMap<InstId, (Sockets, Names)> = FxHashMap::default();
        let mut order: Vec<InstId> = Vec::new();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["server", "listen", "server_name"]) {
            if inst.inner == Some(Context::Server) && inst.ctx == Context::Http {
                servers.entry(id).or_default();
                order.push(id);
                continue;
            }
            let Some(server) = inst.parent.filter(|_| inst.ctx == Context::Server) else { continue };
            if !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let name = d.name();
            if name != "listen" && name != "server_name" {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let entry = servers.entry(server).or_default();
            match name {
                "listen" => {
                    let words: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
                    if let Ok(l) = parse(&words) {
                        if !l.quic {
                            entry.0.push(l.socket);
                        }
                    }
                }
                "server_name" => {
                    for a in args {
                        let n = a.as_str();
                        if !n.is_empty() && !n.starts_with('~') && !n.contains('$') {
                            entry.1.push((n.to_ascii_lowercase(), a.span));
                        }
                    }
                }
                _ => {}
            }
        }
        // Keys borrow from `servers`: no copies of every name for every socket.
        let defaults = [DEFAULT_SOCKET.to_string()];
        let mut seen: FxHashMap<(u32, &str, &str), (InstId, Span)> = FxHashMap::default();
        for id in order {
            let (sockets, names) = &servers[&id];
            let http = super::duplicate_listen::http_block(cx, Some(id));
            let sockets: &[String] = if sockets.is_empty() { &defaults } else { sockets };
            for socket in sockets {
                for (name, span) in names {
                    match seen.get(&(http, socket.as_str(), name.as_str())) {
                        Some((server, first)) if *server != id => out.push(
                            Finding::new(*span, format!("conflicting server name \"{name}\" on {socket}, ignored"))
                                .help(
                                    "nginx sends these requests to the first server; remove the name from one of them",
                                )
                                .label(*first, "this server already claims the name"),
                        ),
                        Some(_) => {}
                        None => {
                            seen.insert((http, socket, name), (id, *span));
                        }
                    }
                }
            }
        }
    }
}

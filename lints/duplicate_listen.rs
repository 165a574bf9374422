use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::listen::parse;
use crate::model::tree::{InstId, Status};
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports `listen` sockets nginx refuses to set up: the same socket
    /// twice in one server, two servers that both claim `default_server` on
    /// one socket, and socket options (`backlog=`, `reuseport`, `rcvbuf=`...)
    /// given on more than one `listen` of the same socket. Servers in
    /// different included files count together, as nginx sees them.
    ///
    /// nginx error texts: `a duplicate listen ADDR`, `a duplicate default
    /// server for ADDR`, `duplicate listen options for ADDR`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server { listen 80 default_server; server_name a.test; }
    ///     server { listen 80 default_server; server_name b.test; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server { listen 80 default_server; server_name a.test; }
    ///     server { listen 80; server_name b.test; }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#listen>
    pub struct DuplicateListen {
        name: "duplicate-listen",
        category: Correctness,
        severity: Error,
        summary: "the same socket twice, two default servers, or socket options set twice",
        pass: &["events {}\nhttp { server { listen 80 default_server reuseport; listen 443 ssl; listen 443 quic reuseport; } server { listen 80; } server { listen 127.0.0.1:80 default_server; } }\n"],
        fail: &[
            "events {}\nhttp { server { listen 8080; listen 8080; } }\n",
            "events {}\nhttp { server { listen 8080 default_server; } server { listen 8080 default_server; } }\n",
            "events {}\nhttp { server { listen 8080 backlog=10; } server { listen 8080 backlog=20; } }\n",
        ],
    }
}

impl Rule for DuplicateListen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let mut in_server: FxHashMap<(Option<InstId>, String), InstId> = FxHashMap::default();
        let mut default: FxHashMap<(u32, String), InstId> = FxHashMap::default();
        let mut options: FxHashMap<(u32, String), InstId> = FxHashMap::default();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["listen"]) {
            if d.name() != "listen" || inst.ctx != Context::Server || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let words: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
            let Ok(l) = parse(&words) else { continue };
            let first_span = |id: InstId| cx.tree.directive(cx.loaded, id).head_span();
            let http = http_block(cx, inst.parent);
            if let Some(first) = in_server.insert((inst.parent, l.key()), id) {
                out.push(
                    Finding::new(d.head_span(), format!("a duplicate listen {}", l.socket))
                        .help("remove one of the two listen lines")
                        .label(first_span(first), "already listening here"),
                );
                continue;
            }
            if l.default_server {
                if let Some(&first) = default.get(&(http, l.key())) {
                    out.push(
                        Finding::new(d.head_span(), format!("a duplicate default server for {}", l.socket))
                            .help("keep default_server on one server per socket")
                            .label(first_span(first), "the default server is already set here"),
                    );
                } else {
                    default.insert((http, l.key()), id);
                }
            }
            if l.bind_options {
                if let Some(&first) = options.get(&(http, l.key())) {
                    out.push(
                        Finding::new(d.head_span(), format!("duplicate listen options for {}", l.socket))
                            .help("socket options (backlog, reuseport, rcvbuf...) go on one listen per socket only")
                            .label(first_span(first), "options already set here"),
                    );
                } else {
                    options.insert((http, l.key()), id);
                }
            }
        }
    }
}

/// The http block (instance) a server belongs to, as a key.
pub(crate) fn http_block(cx: &LintContext<'_>, server: Option<InstId>) -> u32 {
    let mut cur = server;
    while let Some(c) = cur {
        let i = &cx.tree.insts[c as usize];
        if i.inner == Some(Context::Http) {
            return c;
        }
        cur = i.parent;
    }
    u32::MAX - server.map_or(0, |s| cx.tree.insts[s as usize].root)
}

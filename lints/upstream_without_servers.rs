use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports an `upstream` block (http or stream) with no `server` in it,
    /// counting servers that come from included files. nginx checks every
    /// upstream block, used or not.
    ///
    /// nginx error text: `no servers are inside upstream` (nginx names the
    /// line of the block's closing `}`; the finding spans the whole block).
    ///
    /// A block whose includes did not all resolve is not judged (the servers
    /// may be in the file that could not be read).
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         keepalive 16;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         server 127.0.0.1:8000;
    ///         keepalive 16;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#upstream>
    pub struct UpstreamWithoutServers {
        name: "upstream-without-servers",
        category: Correctness,
        severity: Error,
        summary: "an upstream block has no server",
        pass: &["events {}\nhttp { upstream a { server 127.0.0.1:8000; } }\n"],
        fail: &["events {}\nhttp { upstream a { keepalive 8; } }\n"],
    }
}

impl Rule for UpstreamWithoutServers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let insts = &cx.tree.insts;
        // Per upstream instance: has a server line, or an include that did not resolve.
        let mut upstreams: Vec<(u32, bool)> = Vec::new();
        let mut index: rustc_hash::FxHashMap<u32, usize> = Default::default();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["upstream", "server", "include"]) {
            if matches!(inst.inner, Some(Context::Upstream | Context::StreamUpstream))
                && matches!(inst.status, Status::Found(_))
            {
                index.insert(id, upstreams.len());
                upstreams.push((id, false));
                continue;
            }
            let Some(parent) = inst.parent else { continue };
            let Some(&u) = index.get(&parent) else { continue };
            let name = d.name();
            let unread_include = name == "include"
                && cx.loaded.included(cx.loaded.roots[inst.root as usize].conf_dir, inst.file, inst.node).is_empty();
            if name == "server" || unread_include {
                upstreams[u].1 = true;
            }
        }
        for (id, has_server) in upstreams {
            if has_server {
                continue;
            }
            let inst = &insts[id as usize];
            let d = cx.loaded.file(inst.file).ast.node(inst.node);
            // A block cut short by a syntax error is that error's business.
            if d.block.as_ref().is_none_or(|b| b.close.is_none()) {
                continue;
            }
            out.push(
                Finding::new(d.span(), "no servers are inside upstream")
                    .help("add a `server` line, or remove the block and what refers to it"),
            );
        }
    }
}

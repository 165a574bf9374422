use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::{InstId, Status};
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports two `upstream` blocks with the same name in one http (or
    /// stream) block, also when they sit in different included files.
    ///
    /// nginx error text: `duplicate upstream "NAME"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app { server 127.0.0.1:8000; }
    ///     upstream app { server 127.0.0.1:8001; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         server 127.0.0.1:8000;
    ///         server 127.0.0.1:8001;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#upstream>
    pub struct DuplicateUpstream {
        name: "duplicate-upstream",
        category: Correctness,
        severity: Error,
        summary: "two upstream blocks have the same name",
        pass: &["events {}\nhttp { upstream a { server 127.0.0.1:1; } upstream b { server 127.0.0.1:2; } }\n"],
        fail: &["events {}\nhttp { upstream b { server 127.0.0.1:1; } upstream b { server 127.0.0.1:2; } }\n"],
    }
}

impl Rule for DuplicateUpstream {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let mut seen: FxHashMap<(u32, bool, String), InstId> = FxHashMap::default();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["upstream"]) {
            if d.name() != "upstream" || !d.has_block() || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let [name] = args else { continue };
            // nginx compares upstream names case-insensitively.
            let key = (inst.root, inst.ctx == Context::Stream, name.as_str().to_ascii_lowercase());
            match seen.entry(key) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(id);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let first = cx.tree.directive(cx.loaded, *e.get());
                    out.push(
                        Finding::new(d.head_span(), format!("duplicate upstream \"{}\"", name.as_str()))
                            .help("rename one of them, or merge their servers into one block")
                            .label(first.head_span(), "first defined here"),
                    );
                }
            }
        }
    }
}

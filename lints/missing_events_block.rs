use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::load::RootKind;

declare_rule! {
    /// ## What it does
    /// Reports a main configuration with no `events` block. A file is a
    /// main configuration when it has a top-level `http`, `stream`, `mail`
    /// or `rtmp` block, or when it is given with `-c` or `--context main`
    /// (then an empty file is one too, as for `nginx -c`). `events` may come
    /// from an included file. A file that another checked file includes is
    /// not judged on its own (`events` may be in the file that includes it).
    ///
    /// nginx error text: `no "events" section in configuration` (nginx
    /// names no line; the finding points at the first top-level block).
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration. An empty `events {}` is
    /// enough.
    ///
    /// ## Example
    /// ```nginx
    /// http {
    ///     server { listen 80; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server { listen 80; }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#events>
    pub struct MissingEventsBlock {
        name: "missing-events-block",
        category: Correctness,
        severity: Error,
        summary: "a main configuration without an events block",
        pass: &["events {}\nhttp { server { listen 80; } }\n", "server { listen 80; }\n"],
        fail: &["http {\n    server { listen 8080; }\n}\n"],
    }
}

impl Rule for MissingEventsBlock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // Files some include reads: their `events` may be in the includer.
        let included: rustc_hash::FxHashSet<_> = cx.loaded.includes.values().flat_map(|r| r.files.iter()).collect();
        for (r, root) in cx.loaded.roots.iter().enumerate() {
            let main = matches!(root.kind, RootKind::Main)
                || m.tree.root_ctx.get(r) == Some(&crate::model::context::Context::Main);
            if !main || included.contains(&root.file) || !m.top(r as u32, "events").is_empty() {
                continue;
            }
            let f = cx.loaded.file(root.file);
            // Unread includes at the top may hold it; a syntax error may hide it.
            let top_include_unread = f.ast.top().any(|id| {
                f.ast.node(id).name() == "include" && cx.loaded.included(root.conf_dir, root.file, id).is_empty()
            });
            if top_include_unread || !f.syntax_errors.is_empty() {
                continue;
            }
            let span = match f.ast.top().find(|&id| f.ast.node(id).has_block()).or_else(|| f.ast.top().next()) {
                Some(first) => f.ast.node(first).head_span(),
                None => crate::span::Span::new(root.file, 0, 0), // an empty main configuration (`-c`)
            };
            out.push(
                Finding::new(span, "no \"events\" section in configuration")
                    .help("add `events {}` at the top level (it may be empty)"),
            );
        }
    }
}

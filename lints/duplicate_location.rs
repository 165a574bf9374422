use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::{InstId, Status};
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports two prefix locations, or two exact (`=`) locations, with the
    /// same URI in the same server or parent location (`location /a` and
    /// `location ^~ /a` count as the same prefix). Regex locations may repeat.
    ///
    /// nginx error text: `duplicate location "URI"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ { return 200; }
    ///         location /api/ { return 404; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ { return 200; }
    ///         location = /api/ { return 404; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#location>
    pub struct DuplicateLocation {
        name: "duplicate-location",
        category: Correctness,
        severity: Error,
        summary: "two locations of the same kind have the same URI",
        pass: &["events {}\nhttp { server { location /a { } location = /a { } location ~ ^/a { } location ~ ^/a { } } }\n"],
        fail: &["events {}\nhttp { server { location /a { } location /a { } } }\n", "events {}\nhttp { server { location = /a { } location\n = /a\n { } } }\n"],
    }
}

impl Rule for DuplicateLocation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let mut seen: FxHashMap<(u32, Option<InstId>, bool, &str), InstId> = FxHashMap::default();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["location"]) {
            if d.name() != "location" || !matches!(inst.status, Status::Found(_)) || !d.has_block() {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let (exact, uri) = match args {
                [uri] if uri.as_str().starts_with('=') && uri.as_str().len() > 1 => (true, &uri.as_str()[1..]),
                [uri] if uri.as_str().starts_with('~') || uri.as_str().starts_with('@') => continue,
                [uri] => (false, uri.as_str()),
                [m, uri] if m.as_str() == "=" => (true, uri.as_str()),
                [m, uri] if m.as_str() == "^~" => (false, uri.as_str()),
                _ => continue,
            };
            match seen.entry((inst.root, inst.parent, exact, uri)) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(id);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let first = cx.tree.directive(cx.loaded, *e.get());
                    out.push(
                        Finding::new(d.head_span(), format!("duplicate location \"{uri}\""))
                            .help("merge the two blocks; nginx cannot tell them apart")
                            .label(first.head_span(), "the same location is defined here"),
                    );
                }
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::InstId;
use crate::span::Span;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a `map` with two `default` lines, or the same (non-regex) key
    /// twice, also when the lines come from an included file.
    ///
    /// nginx error texts: `duplicate default map parameter`,
    /// `conflicting parameter "KEY"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     map $uri $backend {
    ///         /a app1;
    ///         /a app2;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     map $uri $backend {
    ///         /a app1;
    ///         /b app2;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_map_module.html#map>
    pub struct DuplicateMapKey {
        name: "duplicate-map-key",
        category: Correctness,
        severity: Error,
        summary: "a map with two defaults or the same key twice",
        pass: &["events {}\nhttp { map $uri $m { default 0; /a 1; /b 2; ~^/c 3; ~^/c 4; } }\n"],
        fail: &["events {}\nhttp { map $uri $m { default 1; default 2; } }\n", "events {}\nhttp { map $uri $m {\n /a 1;\n /a 2;\n } }\n"],
    }
}

impl Rule for DuplicateMapKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let mut seen: FxHashMap<(Option<InstId>, &str), Span> = FxHashMap::default();
        for inst in &cx.tree.insts {
            if !matches!(inst.ctx, Context::Map | Context::StreamMap) {
                continue;
            }
            let d = cx.loaded.file(inst.file).ast.node(inst.node);
            let key = d.name();
            let nargs = d.args_end - d.args_start;
            if d.has_block()
                || key.starts_with('~')
                || nargs != 1
                || matches!(key, "include" | "hostnames" | "volatile")
            {
                continue;
            }
            if let Some(first) = seen.insert((inst.parent, key), d.head_span()) {
                let msg = if key == "default" {
                    "duplicate default map parameter".to_string()
                } else {
                    format!("conflicting parameter \"{key}\"")
                };
                out.push(
                    Finding::new(d.head_span(), msg)
                        .help("keep one line per key; the first one would win")
                        .label(first, "first given here"),
                );
            }
        }
    }
}

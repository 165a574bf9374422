use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::{InstId, Status};
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a `log_format` whose name is already defined in the same http
    /// (or stream) block, also from another included file. Names compare
    /// without regard to case, and in http the name `combined` is taken by the
    /// predefined format.
    ///
    /// nginx error text: `duplicate "log_format" name "NAME"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     log_format main '$remote_addr $status';
    ///     log_format main '$remote_addr $status $request_time';
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     log_format main '$remote_addr $status';
    ///     log_format timed '$remote_addr $status $request_time';
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format>
    pub struct DuplicateLogFormat {
        name: "duplicate-log-format",
        category: Correctness,
        severity: Error,
        summary: "two log_format directives define the same name",
        pass: &["events {}\nhttp { log_format a '$status'; log_format b '$status'; }\n"],
        fail: &["events {}\nhttp { log_format a '$status'; log_format A '$request'; }\n"],
    }
}

impl Rule for DuplicateLogFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // (root, stream, lowercased name) -> first definition
        let mut seen: FxHashMap<(u32, bool, String), InstId> = FxHashMap::default();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["log_format"]) {
            if d.name() != "log_format" || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let stream = match inst.ctx {
                Context::Http => false,
                Context::Stream => true,
                _ => continue,
            };
            let args = cx.loaded.file(inst.file).ast.args(d);
            let Some(name) = args.first() else { continue };
            let key = name.as_str().to_ascii_lowercase();
            let message = format!("duplicate \"log_format\" name \"{}\"", name.as_str());
            if !stream && key == "combined" {
                out.push(
                    Finding::new(d.head_span(), message)
                        .help("`combined` is predefined in http: give this format another name"),
                );
                continue;
            }
            match seen.entry((inst.root, stream, key)) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(id);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let first = cx.tree.directive(cx.loaded, *e.get());
                    out.push(
                        Finding::new(d.head_span(), message)
                            .help("rename one of them")
                            .label(first.head_span(), "first defined here"),
                    );
                }
            }
        }
    }
}

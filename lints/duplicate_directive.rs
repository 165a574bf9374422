use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::directives::{DirectiveSpec, ValueKind};
use crate::model::tree::{InstId, Status};
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a single-value directive set twice at the same level, such as
    /// two `root` lines in one server, or a `client_max_body_size` repeated by
    /// an included snippet. Setting it at several levels (http, server,
    /// location) is fine; that is inheritance. `limit_req` and `limit_conn`
    /// repeat, but nginx refuses the same zone twice at one level.
    ///
    /// nginx error text: `"NAME" directive is duplicate`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/a;
    ///         root /srv/b;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/b;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - nginx source: the `ngx_conf_set_*_slot` handlers in `src/core/ngx_conf_file.c`
    pub struct DuplicateDirective {
        name: "duplicate-directive",
        category: Correctness,
        severity: Error,
        summary: "a single-value directive is set twice at the same level",
        pass: &["events {}\nhttp { root /a; server { root /b; location / { root /c; } } }\n", "events {}\nhttp { limit_req_zone $binary_remote_addr zone=a:1m rate=1r/s; limit_req_zone $server_name zone=b:1m rate=9r/s; limit_req zone=a; server { limit_req zone=a burst=3; limit_req zone=b; } }\n"],
        fail: &["events {}\nhttp { server { root /a; root /b; } }\n", "pid a.pid;\npid b.pid;\nevents {}\n", "events {}\nhttp { limit_conn_zone $binary_remote_addr zone=c:1m; server { limit_conn c 5; limit_conn c 10; } }\n"],
    }
}

impl Rule for DuplicateDirective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // (root, enclosing block, name's key) -> first occurrence
        let mut seen: FxHashMap<(u32, Option<InstId>, u32), InstId> = FxHashMap::default();
        for (id, inst, d) in cx.tree.occurrences_where(cx.loaded, tracked) {
            let Status::Found(spec) = inst.status else { continue };
            if !tracked(spec) {
                continue;
            }
            match seen.entry((inst.root, inst.parent, spec.key)) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(id);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let first = cx.tree.directive(cx.loaded, *e.get());
                    let name = d.name();
                    out.push(
                        Finding::new(d.head_span(), format!("\"{name}\" directive is duplicate"))
                            .help(format!("keep one \"{name}\" at this level"))
                            .label(first.head_span(), "first set here"),
                    );
                }
            }
        }
        // limit_req and limit_conn repeat, but once per zone at a level.
        let mut zones: FxHashMap<(u32, Option<InstId>, &str, &str), InstId> = FxHashMap::default();
        for (id, inst, d) in cx.tree.occurrences(cx.loaded, &["limit_req", "limit_conn"]) {
            if !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let name = d.name();
            let args = cx.loaded.file(inst.file).ast.args(d);
            let zone = if name == "limit_req" {
                args.iter().find_map(|a| a.as_str().strip_prefix("zone="))
            } else {
                args.first().map(|a| a.as_str())
            };
            let Some(zone) = zone.filter(|z| !z.is_empty()) else { continue };
            if let Some(first) = zones.insert((inst.root, inst.parent, name, zone), id) {
                let first = cx.tree.directive(cx.loaded, first);
                out.push(
                    Finding::new(d.head_span(), format!("\"{name}\" directive is duplicate"))
                        .help(format!("zone \"{zone}\" is limited twice at this level; keep one \"{name}\" for it"))
                        .label(first.head_span(), "first set here"),
                );
            }
        }
    }
}

/// Directives nginx accepts once per level.
fn tracked(spec: &DirectiveSpec) -> bool {
    let single = matches!(
        spec.kind,
        ValueKind::Flag
            | ValueKind::Size
            | ValueKind::Offset
            | ValueKind::Time
            | ValueKind::Sec
            | ValueKind::Number
            | ValueKind::NumberOrAuto
            | ValueKind::Enum(_)
            | ValueKind::Bitmask(_)
            | ValueKind::Bufs
            | ValueKind::Path
            | ValueKind::Url
            | ValueKind::Str
    ) || (spec.is_block() && matches!(spec.name, "events" | "http" | "stream" | "mail" | "rtmp"));
    (single || spec.once) && !spec.repeat && spec.binary.is_none()
}

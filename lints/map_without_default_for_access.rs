use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::InstId;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a `map` or `geo` without a `default` line whose variable an
    /// `if` compares to a value (`=` or a regex) to deny requests, such as
    /// `if ($allowed = no) { return 403; }`, or tests for a true value
    /// (`if ($invalid) { return 401; }`) when the block lists keys with a
    /// false value (`0`): an allow list whose unlisted keys were meant to
    /// be denied. A block list (`~*curl 1;` tested with `if ($bad_bot)`)
    /// rightly lets unlisted keys through and is not reported.
    ///
    /// ## Why is this bad?
    /// A request that matches no line of the map gets an empty value, which
    /// is not `no`: the check lets in exactly the clients nobody listed.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     geo $allowed {
    ///         10.0.0.0/8 yes;
    ///         192.0.2.1 no;
    ///     }
    ///     server {
    ///         if ($allowed = no) { return 403; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     geo $allowed {
    ///         default no;
    ///         10.0.0.0/8 yes;
    ///     }
    ///     server {
    ///         if ($allowed = no) { return 403; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_map_module.html#map>
    /// - <https://nginx.org/en/docs/http/ngx_http_geo_module.html#geo>
    pub struct MapWithoutDefaultForAccess {
        name: "map-without-default-for-access",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "an access check compares a map variable that has no default",
        pass: &[
            "events {}\nhttp { map $remote_addr $deny { default 1; 10.0.0.1 0; } server { if ($deny = 1) { return 403; } } }\n",
            "events {}\nhttp { map $remote_addr $blocked { 192.0.2.1 1; } server { if ($blocked) { return 403; } } }\n",
            "events {}\nhttp { map $http_x_api_key $invalid { default 1; k1 0; } server { if ($invalid) { return 401; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { map $remote_addr $allowed { 10.0.0.1 1; 10.0.0.2 0; } server { location / { if ($allowed = 0) { return 403; } } } }\n",
            "events {}\nhttp { map $http_x_api_key $api_key_invalid { k1 0; k2 0; } server { location /api/ { if ($api_key_invalid) { return 401; } } } }\n",
        ],
    }
}

impl Rule for MapWithoutDefaultForAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // Variables of maps and geos, by name.
        let mut blocks: FxHashMap<&str, InstId> = FxHashMap::default();
        for name in ["map", "geo"] {
            for &id in m.named(name) {
                if let Some(var) = m.args(id).last().and_then(|a| a.as_str().strip_prefix('$')) {
                    blocks.insert(var, id);
                }
            }
        }
        if blocks.is_empty() {
            return;
        }
        // Blocks with a default line, and blocks that map some keys to a
        // false value (`0` or empty): their lines are not in the index.
        let mut has_default = rustc_hash::FxHashSet::default();
        let mut maps_to_false = rustc_hash::FxHashSet::default();
        for &block in blocks.values() {
            for line in m.block_lines(block) {
                if m.directive(line).name() == "default" {
                    has_default.insert(block);
                } else if let [value] = m.args(line) {
                    if matches!(value.as_str(), "0" | "") {
                        maps_to_false.insert(block);
                    }
                }
            }
        }
        let mut reported = rustc_hash::FxHashSet::default();
        for &id in m.named("if") {
            let Some((var, op, value)) = m.if_condition(id) else { continue };
            let Some(&block) = var.strip_prefix('$').and_then(|v| blocks.get(v)) else { continue };
            let test = match (op, value) {
                (Some(op @ ("=" | "~" | "~*")), Some(value)) if !value.is_empty() => format!("{var} {op} {value}"),
                // `if ($var)` denies on a true value: a map that lists
                // allowed keys as `0` lets every unlisted key in too.
                (None, None) if maps_to_false.contains(&block) => format!("if ({var})"),
                _ => continue,
            };
            if has_default.contains(&block) || m.has_unresolved_include(block) {
                continue;
            }
            let denies = m
                .local(id, "return")
                .iter()
                .any(|&r| m.arg(r, 0).and_then(|c| c.parse::<u16>().ok()).is_some_and(|c| c >= 400))
                || !m.local(id, "deny").is_empty();
            if denies && reported.insert(block) {
                out.push(
                    Finding::new(
                        m.span(block),
                        format!("{var} is empty for requests no line matches, so `{test}` lets them through"),
                    )
                    .help(match value {
                        Some(v) => format!("add a `default` line, e.g. `default {v};`"),
                        None => "add a `default 1;` line, so that unlisted requests are denied".to_string(),
                    })
                    .label(m.span(id), "access check"),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::directives::Version;
use crate::model::graph::Model;
use crate::model::tree::InstId;
use crate::span::Span;

declare_rule! {
    /// ## What it does
    /// Reports a level (server, location or `if`) whose own `add_header`
    /// silently drops security headers set at an outer level, whose own
    /// `add_trailer` drops any trailer set at an outer level, or whose own
    /// `proxy_set_header` drops the `Host`, `X-Real-IP` or `X-Forwarded-*`
    /// headers, or an empty `Connection` (which lets keepalive connections
    /// to the upstream be reused), set at an outer level. Includes are followed: the outer
    /// headers may be set in a shared snippet. The finding is at the level's
    /// first such directive; when that comes from a distribution's stock file
    /// (`include proxy_params;`), it is at that `include`, where the fix goes.
    ///
    /// ## Why is this bad?
    /// nginx inherits these lists all or nothing: a level that sets even one
    /// `add_header` inherits none from above. Adding `Cache-Control` to one
    /// location removes `Strict-Transport-Security`, `Content-Security-Policy`
    /// and `X-Frame-Options` from its responses, and nobody notices until an
    /// audit. A dropped `proxy_set_header X-Forwarded-For` makes the backend
    /// log (and rate-limit) nginx's own address.
    ///
    /// From nginx 1.29.3, `add_header_inherit merge;` (and
    /// `add_trailer_inherit merge;`) keeps the outer ones; this rule honours
    /// them when `--nginx-version` is 1.29.3 or later.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         add_header X-Frame-Options DENY;
    ///         location /downloads/ {
    ///             add_header Cache-Control no-store;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         add_header X-Frame-Options DENY;
    ///         location /downloads/ {
    ///             add_header Cache-Control no-store;
    ///             add_header X-Frame-Options DENY;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None. The target version comes from `--nginx-version`.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header>
    /// - <https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header_inherit>
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header>
    pub struct HeaderInheritanceLoss {
        name: "header-inheritance-loss",
        category: Security,
        severity: Warning,
        summary: "an inner add_header or proxy_set_header drops security headers set above",
        pass: &[
            "add_header X-Frame-Options DENY;\nlocation / { add_header X-Frame-Options DENY; }\n",
            "events {}\nhttp { add_header X-Frame-Options DENY; server { location / { add_header X-Frame-Options SAMEORIGIN; } } }\n",
            "events {}\nhttp { add_header X-Cache $upstream_cache_status; server { location / { add_header X-Other 1; } } }\n",
            "events {}\nhttp { add_header_inherit merge; add_header X-Frame-Options DENY; server { location / { add_header X-Other 1; } } }\n",
            "events {}\nhttp { add_trailer X-Id $request_id; server { add_trailer_inherit merge; location / { add_trailer X-Time $request_time; } } }\n",
            "events {}\nhttp { proxy_set_header Host $host; server { location / { proxy_set_header Host $host; proxy_set_header X-Other 1; proxy_pass http://127.0.0.1:8080; } } }\n",
        ],
        fail: &[
            "add_header X-Frame-Options DENY;\nlocation / { add_header X-Foo foo; }\n",
            "events {}\nhttp { server { add_trailer X-Content-Type-Options nosniff; location /grpc-web/ { add_trailer X-Upstream $upstream_addr; } } }\n",
            "events {}\nhttp { add_header Strict-Transport-Security max-age=63072000 always; server { location / { add_header X-Other 1; } } }\n",
            "events {}\nhttp { server { add_header Content-Security-Policy \"default-src 'self'\"; location / { if ($arg_x) { add_header X-Debug 1; } } } }\n",
            "# with: --nginx-version 1.28\nevents {}\nhttp { add_header_inherit merge; add_header X-Frame-Options DENY; server { location / { add_header X-Other 1; } } }\n",
            "events {}\nhttp { proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; server { location / { proxy_set_header X-Other 1; proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:1; keepalive 8; } server { proxy_http_version 1.1; proxy_set_header Connection \"\"; location / { proxy_set_header X-Amz-Date $http_x_amz_date; proxy_pass http://a; } } }\n",
        ],
    }
}

/// One finding: where it is reported, the included directive behind it, and
/// the dropped headers with where they were set.
type Found<'a> = (Span, Option<Span>, Vec<(Span, &'a str)>);

/// nginx 1.29.3 added `add_header_inherit` and `add_trailer_inherit`.
const INHERIT_SINCE: Version = Version { major: 1, minor: 29, patch: 3 };

fn security_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "strict-transport-security"
            | "content-security-policy"
            | "content-security-policy-report-only"
            | "x-frame-options"
            | "x-content-type-options"
            | "referrer-policy"
            | "permissions-policy"
            | "feature-policy"
            | "x-xss-protection"
            | "x-permitted-cross-domain-policies"
            | "expect-ct"
    ) || n.starts_with("cross-origin-")
}

fn proxy_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "host" || n == "x-real-ip" || n.starts_with("x-forwarded-") || n == "forwarded"
}

/// The inheritance mode of `add_header` or `add_trailer` at a level (`on`,
/// `off` or `merge`); other lists are always inherited whole or not at all.
fn inherit_mode<'a>(m: &Model<'a>, level: InstId, directive: &str, aware: bool) -> &'a str {
    let setting = match directive {
        "add_header" => "add_header_inherit",
        "add_trailer" => "add_trailer_inherit",
        _ => return "on",
    };
    if !aware {
        return "on";
    }
    m.value(level, setting).map(|(_, v)| v).unwrap_or("on")
}

/// Every trailer counts: they are rare and always set on purpose.
fn any_trailer(_: &str) -> bool {
    true
}

/// The instances of `directive` in effect at `level`, as nginx merges them
/// (the level's own, else the nearest outer level's; `merge` appends the outer ones).
fn effective(m: &Model<'_>, level: InstId, directive: &str, aware: bool) -> Vec<InstId> {
    let mut out = Vec::new();
    let mut last = level;
    for l in m.chain(level) {
        last = l;
        let own = m.local(l, directive);
        let mode = inherit_mode(m, l, directive, aware);
        if !own.is_empty() {
            out.extend_from_slice(own);
            if mode != "merge" {
                return out;
            }
        } else if mode == "off" {
            return out;
        }
    }
    out.extend_from_slice(snippet_top(m, last, directive));
    out
}

/// The directives at the top level of a snippet (a file checked in server
/// or location context), when `level` stands directly at that top level.
fn snippet_top<'m>(m: &'m Model<'_>, level: InstId, directive: &str) -> &'m [InstId] {
    let inst = &m.tree.insts[level as usize];
    let top_ctx = m.tree.root_ctx.get(inst.root as usize).copied();
    if inst.parent.is_none() && matches!(top_ctx, Some(Context::Server | Context::Location)) {
        m.top(inst.root, directive)
    } else {
        &[]
    }
}

impl Rule for HeaderInheritanceLoss {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let aware = cx.opts.nginx_version >= INHERIT_SINCE;
        for (directive, relevant) in [
            ("add_header", security_header as fn(&str) -> bool),
            ("add_trailer", any_trailer),
            ("proxy_set_header", proxy_header),
        ] {
            // Every level that sets the directive, once (in source order).
            let mut levels: Vec<InstId> = m.named(directive).iter().filter_map(|&id| m.parent(id)).collect();
            levels.dedup();
            let mut seen = rustc_hash::FxHashSet::default();
            // One finding per place.
            let mut found: Vec<Found<'_>> = Vec::new();
            let mut found_at: rustc_hash::FxHashMap<Span, usize> = Default::default();
            for level in levels {
                if !seen.insert(level) || m.has_unresolved_include(level) {
                    continue;
                }
                if inherit_mode(m, level, directive, aware) != "on" {
                    continue;
                }
                let inherited = match m.chain(level).nth(1) {
                    Some(outer) => effective(m, outer, directive, aware),
                    None => snippet_top(m, level, directive).to_vec(),
                };
                let own = m.local(level, directive);
                let kept: Vec<&str> = own.iter().filter_map(|&i| m.arg(i, 0)).collect();
                let mut dropped: Vec<(InstId, &str)> = Vec::new();
                for i in inherited {
                    let Some(name) = m.arg(i, 0) else { continue };
                    // An inherited `Connection ""` is what keeps upstream connections reusable.
                    let keepalive = directive == "proxy_set_header"
                        && name.eq_ignore_ascii_case("connection")
                        && m.arg(i, 1) == Some("");
                    if (relevant(name) || keepalive)
                        && !kept.iter().any(|k| k.eq_ignore_ascii_case(name))
                        && !dropped.iter().any(|(_, n)| n.eq_ignore_ascii_case(name))
                    {
                        dropped.push((i, name));
                    }
                }
                if dropped.is_empty() {
                    continue;
                }
                // A directive from a distribution's stock file (proxy_params)
                // is fixed where the file is included, not in the file: it is
                // reported at the `include` of this level, labelled at the
                // directive. A directive of the user's own snippet is
                // reported at the directive: one finding, however many places
                // include the snippet.
                let site = m.user_site(own[0], level);
                let at = m.span(site);
                let i = *found_at.entry(at).or_insert_with(|| {
                    found.push((at, (site != own[0]).then(|| m.span(own[0])), Vec::new()));
                    found.len() - 1
                });
                let entry = &mut found[i].2;
                for (i, n) in dropped {
                    let span = m.span(i);
                    if !entry.iter().any(|(s, x)| *s == span && x.eq_ignore_ascii_case(n)) {
                        entry.push((span, n));
                    }
                }
            }
            for (at, included, dropped) in found {
                let mut names: Vec<&str> = Vec::new();
                for (_, n) in &dropped {
                    if !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
                        names.push(n);
                    }
                }
                let what = if directive == "proxy_set_header" { "proxied request" } else { "response" };
                let mut f = Finding::new(
                    at,
                    format!(
                        "{} drops the inherited {} from every {what} here",
                        if included.is_some() { format!("the {directive} this include brings in") } else { format!("this {directive}") },
                        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .help(if directive != "proxy_set_header" && aware {
                    format!("repeat the dropped lines at this level (or include a shared snippet), or set `{directive}_inherit merge;`")
                } else {
                    format!("repeat the dropped {directive} lines at this level, or include a shared snippet here and above")
                });
                if let Some(d) = included {
                    f = f.label(d, format!("the included {directive} that replaces the inherited ones"));
                }
                for (span, n) in &dropped {
                    f = f.label(*span, format!("\"{n}\" set here is not inherited"));
                }
                out.push(f);
            }
        }
    }
}

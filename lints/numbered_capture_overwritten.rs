use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::Model;
use crate::model::tree::InstId;
use crate::model::vars::{capture_groups, is_numbered_capture, variables};

declare_rule! {
    /// ## What it does
    /// Reports `$1` to `$9` used in a block after an `if` whose condition is
    /// a regex match (`~` or `~*`), when the block had numbered captures of
    /// its own before it: a location regex with groups, or a `rewrite`
    /// before the `if`.
    ///
    /// Also reports a regex `if` whose named group has the name of a
    /// variable the server already defines and reads: a named group of its
    /// `server_name` regex or of an enclosing location's regex, or a `set`
    /// (`server_name ~^(?<tenant>.+)\.example\.com$;` then
    /// `if ($http_x_tenant ~ ^(?<tenant>.+)$)`): a match replaces the
    /// variable for the rest of the request.
    ///
    /// ## Why is this bad?
    /// A request has one set of numbered captures, and every regex that
    /// matches replaces it. When the `if` matches, `$1` after it is the
    /// `if`'s first group (or empty), not the location's: the request goes
    /// to another path, a header gets another value. It depends on the
    /// request, so the usual tests pass. Directives that act after the
    /// rewrite phase (`proxy_pass`, `fastcgi_param`, `add_header`,
    /// `try_files`, ...) see the captures as every `if` of the block left
    /// them, wherever they stand in it. Named captures (`(?<id>...)`) keep
    /// their value as `$id`, but they are numbered too: `$1` is lost all
    /// the same. A `rewrite` that goes on in a regex location (`break`,
    /// or no flag) replaces the location's captures the same way.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ ^/user/(\d+)$ {
    ///             if ($http_user_agent ~* (bot|crawler)) { set $robot 1; }
    ///             proxy_pass http://127.0.0.1:8080/profile/$1;
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
    ///         location ~ ^/user/(?<user_id>\d+)$ {
    ///             if ($http_user_agent ~* (bot|crawler)) { set $robot 1; }
    ///             proxy_pass http://127.0.0.1:8080/profile/$user_id;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#if>
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#location>
    pub struct NumberedCaptureOverwritten {
        name: "numbered-capture-overwritten",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "$1 after a regex if may be that if's capture, not the location's",
        pass: &[
            "events {}\nhttp { server { location ~ ^/u/(?<id>\\d+)$ { if ($http_x ~ (a|b)) { set $y 1; } proxy_pass http://127.0.0.1:8080/$id; } } }\n",
            "events {}\nhttp { server { location ~ ^/u/(\\d+)$ { set $id $1; if ($http_x ~ (a|b)) { set $y 1; } proxy_pass http://127.0.0.1:8080/$id; } } }\n",
            "events {}\nhttp { server { location /u/ { if ($uri ~ ^/u/(\\d+)$) { set $id $1; } proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location ~ ^/u/(\\d+)$ { if ($http_x = a) { set $y 1; } proxy_pass http://127.0.0.1:8080/$1; } } }\n",
            "events {}\nhttp { server { location ~ ^/shop/(.+)$ { rewrite ^/shop/legacy-(.*)$ /shop/$1 last; proxy_pass http://127.0.0.1:8080/catalog/$1; } location ~ ^/x/(.+)$ { rewrite ^ /y/$1 break; proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { server_name ~^(?<tenant>[a-z0-9-]+)\\.saas\\.example\\.com$; root /srv/$tenant; location /support/ { if ($http_x_impersonate ~ ^(?<impersonate>[a-z0-9-]+)$) { set $support 1; } proxy_set_header X-Tenant $tenant; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location ~ ^/u/(\\d+)$ { if ($http_x ~ (a|b)) { set $y 1; } proxy_pass http://127.0.0.1:8080/$1; } } }\n",
            "events {}\nhttp { server { location / { rewrite ^/old/(.*)$ /new/$1; if ($args ~ page=(\\d+)) { set $p 1; } set $target $1; return 302 /x/$target; } } }\n",
            "events {}\nhttp { server { location ~ ^/users/(?<uid>[0-9]+)/avatar$ { if ($http_accept ~* \"image/(webp|avif)\") { set $fmt webp; } proxy_pass http://127.0.0.1:8080/avatars/$1; } } }\n",
            "events {}\nhttp { server { location ~ ^/shop/(.+)$ { rewrite ^/shop/legacy-(.*)$ /shop/$1 break; proxy_pass http://127.0.0.1:8080/catalog/$1; } } }\n",
            "events {}\nhttp { server { server_name ~^(?<tenant>[a-z0-9-]+)\\.saas\\.example\\.com$; root /srv/$tenant; location /support/ { if ($http_x_impersonate ~ ^(?<tenant>[a-z0-9-]+)$) { set $support 1; } proxy_set_header X-Tenant $tenant; proxy_pass http://127.0.0.1:1; } } }\n",
        ],
    }
}

/// Directives that run in the rewrite phase, in their order in the block.
const REWRITE_PHASE: &[&str] = &["set", "rewrite", "return", "if", "break"];

/// The direct children of a block, in order.
pub(super) fn children(m: &Model<'_>, level: InstId) -> Vec<InstId> {
    let insts = &m.tree.insts;
    let mut out = Vec::new();
    for i in level as usize + 1..insts.len() {
        // Descendants follow their block directly (depth first).
        let mut p = insts[i].parent;
        while let Some(q) = p.filter(|&q| q > level) {
            p = insts[q as usize].parent;
        }
        if p != Some(level) {
            break;
        }
        if insts[i].parent == Some(level) {
            out.push(i as InstId);
        }
    }
    out
}

impl Rule for NumberedCaptureOverwritten {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut reported = rustc_hash::FxHashSet::default();
        // Named groups are numbered too: `(?<uid>\d+)` is also `$1`.
        let has_groups = |re: &str| !capture_groups(re).is_empty();
        // Each block's children, and its rewrites with numbered groups,
        // listed once however many regex ifs it holds.
        let mut blocks: rustc_hash::FxHashMap<InstId, (Vec<InstId>, Vec<InstId>)> = Default::default();
        let mut done = rustc_hash::FxHashSet::default();
        for &iff in m.named("if") {
            if !matches!(m.if_condition(iff), Some((_, Some("~" | "~*"), Some(_)))) {
                continue;
            }
            let Some(level) = m.parent(iff) else { continue };
            // The first regex if after the captures already reports every use
            // a later one could (in source order): one pass per block.
            if done.contains(&level) {
                continue;
            }
            let (kids, rewrites) = blocks.entry(level).or_insert_with(|| {
                let kids = children(m, level);
                let rewrites = (kids.iter().copied())
                    .filter(|&c| m.directive(c).name() == "rewrite" && m.arg(c, 0).is_some_and(has_groups))
                    .collect();
                (kids, rewrites)
            });
            // The block's numbered captures before the `if`: its location
            // regex, or the last `rewrite` ahead of the `if`.
            let rewrite = rewrites[..rewrites.partition_point(|&r| r < iff)].last();
            let source = match rewrite {
                Some(&r) => r,
                None => match m.location_pattern(level) {
                    Some((re, true)) if m.directive(level).name() == "location" && has_groups(re) => level,
                    _ => continue,
                },
            };
            done.insert(level);
            for &c in kids.iter() {
                let name = m.directive(c).name();
                // Rewrite-phase directives before the `if` ran before it;
                // a rewrite's replacement uses its own captures.
                if matches!(name, "rewrite" | "if") || REWRITE_PHASE.contains(&name) && c < iff {
                    continue;
                }
                let Some(v) = numbered_use(m, c) else { continue };
                if !reported.insert(c) {
                    continue;
                }
                let what = if source == level { "the location's" } else { "the rewrite's" };
                out.push(
                    Finding::new(
                        m.span(c),
                        format!(
                            "${v} here is the capture of the regex `if` of this block whenever it matches, not {what}"
                        ),
                    )
                    .help("name the group (`(?<id>...)`, then `$id`), or copy it with `set $id $1;` before the if")
                    .label(m.span(iff), "a match here replaces $1..$9")
                    .label(m.span(source), "the captures meant"),
                );
            }
        }
        // A rewrite that goes on in the location (`break`, or no flag)
        // replaces the location's captures too, when it matches.
        for &rw in m.named("rewrite") {
            let flag = m.arg(rw, 2);
            let Some(level) = m.parent(rw) else { continue };
            if !matches!(flag, None | Some("break")) || done.contains(&level) || m.directive(level).name() != "location"
            {
                continue;
            }
            if !matches!(m.location_pattern(level), Some((re, true)) if has_groups(re)) {
                continue;
            }
            done.insert(level);
            for c in children(m, level) {
                let name = m.directive(c).name();
                // Its own replacement uses its captures; rewrite-phase
                // directives before it ran before it, after a `break` none run.
                let rewrite_phase = matches!(name, "rewrite" | "if") || REWRITE_PHASE.contains(&name);
                if rewrite_phase && (c <= rw || flag == Some("break") || name == "rewrite") {
                    continue;
                }
                let Some(v) = numbered_use(m, c) else { continue };
                if !reported.insert(c) {
                    continue;
                }
                out.push(
                    Finding::new(
                        m.span(c),
                        format!("${v} here is the capture of the rewrite whenever it matches, the location's otherwise"),
                    )
                    .help("name the location's group (`(?<id>...)`, then `$id`), or copy it with `set $id $1;` before the rewrite")
                    .label(m.span(rw), "a match here replaces $1..$9")
                    .label(m.span(level), "the captures meant"),
                );
            }
        }
        named_overwritten(m, out);
    }
}

/// A regex `if` whose named group has the name of a variable the server
/// already defines (a named group of its `server_name` or of an enclosing
/// location, or a `set` in scope), when that variable is read: a match
/// replaces it for the rest of the request, with what the `if` tested
/// (often a request header).
fn named_overwritten(m: &Model<'_>, out: &mut Findings<'_>) {
    for &iff in m.named("if") {
        let Some((_, Some("~" | "~*"), Some(re))) = m.if_condition(iff) else { continue };
        let groups = capture_groups(re);
        let Some(level) = m.parent(iff) else { continue };
        let Some(server) = m.server_of(level) else { continue };
        for name in groups.iter().filter_map(|g| g.name) {
            let Some(earlier) = defined_before(m, level, server, name) else { continue };
            if !read_in(m, server.inst, name, iff) {
                continue;
            }
            out.push(
                Finding::new(
                    m.span(iff),
                    format!("this regex sets ${name} whenever it matches, replacing the ${name} defined before it"),
                )
                .help(format!("give the group another name (`(?<{name}_if>...)`), so that ${name} keeps its value"))
                .label(m.span(earlier), format!("${name} defined here")),
            );
        }
    }
}

/// Where `$name` is defined for `level` before its `if`s run: a named
/// group of the server's `server_name` regex or of an enclosing location's
/// regex, or a `set` at an enclosing level.
fn defined_before(m: &Model<'_>, level: InstId, server: &crate::model::graph::Server, name: &str) -> Option<InstId> {
    let group_named = |re: &str| capture_groups(re).iter().any(|g| g.name == Some(name));
    for l in m.chain(level) {
        if m.directive(l).name() == "location" {
            if let Some((re, true)) = m.location_pattern(l) {
                if group_named(re) {
                    return Some(l);
                }
            }
        }
        if let Some(&set) = m
            .local(l, "set")
            .iter()
            .find(|&&s| m.arg(s, 0).is_some_and(|v| v.eq_ignore_ascii_case(&format!("${name}"))))
        {
            return Some(set);
        }
    }
    m.local(server.inst, "server_name")
        .iter()
        .copied()
        .find(|&sn| m.args(sn).iter().any(|a| a.as_str().strip_prefix('~').is_some_and(group_named)))
}

/// True when `$name` is read in the server other than by the `if` itself.
fn read_in(m: &Model<'_>, server: InstId, name: &str, iff: InstId) -> bool {
    // The tree lists a block's descendants right after it.
    let inside = |i: InstId| std::iter::successors(m.parent(i), |&p| m.parent(p)).any(|p| p == server);
    let n = m.tree.insts.len() as InstId;
    (server + 1..n).take_while(|&i| inside(i)).filter(|&i| i != iff).any(|i| {
        m.tree.insts[i as usize].inner.is_none()
            && m.args(i).iter().any(|a| variables(a.as_str()).iter().any(|v| v.eq_ignore_ascii_case(name)))
    })
}

/// The first of `$1`..`$9` that an instance's arguments read.
fn numbered_use<'a>(m: &Model<'a>, id: InstId) -> Option<&'a str> {
    m.args(id).iter().flat_map(|a| variables(a.as_str())).find(|v| is_numbered_capture(v))
}

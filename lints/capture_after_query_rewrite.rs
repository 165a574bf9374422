use super::numbered_capture_overwritten::children;
use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::directives::Version;
use crate::model::graph::Model;
use crate::model::tree::InstId;
use crate::model::vars::{is_numbered_capture, variables};

declare_rule! {
    /// ## What it does
    /// Reports `$1` to `$9` read by a `set`, an `if` condition or a
    /// `rewrite` replacement that runs after a `rewrite` without a flag
    /// whose replacement has a `?` (query arguments), in the same location
    /// or server block, on nginx versions before 1.30.1 (the versions
    /// affected by CVE-2026-42945). Captures read by name (`(?<slug>...)`
    /// then `$slug`) are not reported: only the numbered form takes the
    /// faulty path, and a named group is numbered too, so `$1` after
    /// `(?<slug>...)` is reported all the same.
    ///
    /// ## Why is this bad?
    /// After such a `rewrite`, nginx copies a numbered capture escaped as a
    /// query argument into a buffer sized for the unescaped value. A request
    /// whose captured part has characters that need escaping (`+`, spaces)
    /// writes past the buffer: the worker crashes, and code execution has
    /// been shown where address randomization is off. The nginx advisory
    /// describes exactly this sequence. nginx 1.30.1 and 1.31.0 fix it;
    /// distributions may have backported the fix to older versions, which
    /// ngxlint cannot see, so the target version (`--nginx-version`) decides.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /go/ {
    ///             rewrite ^/go/([a-z0-9-]+)$ /redirect.php?slug=$1;
    ///             set $campaign $1;
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
    ///         location /go/ {
    ///             rewrite ^/go/(?<slug>[a-z0-9-]+)$ /redirect.php?slug=$slug;
    ///             set $campaign $slug;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None. The target version comes from `--nginx-version`; without it
    /// the rule reports, as distributions still ship affected versions.
    ///
    /// ## References
    /// - <https://nginx.org/en/security_advisories.html>
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#rewrite>
    pub struct CaptureAfterQueryRewrite {
        name: "capture-after-query-rewrite",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "$1..$9 read after a rewrite with query arguments (CVE-2026-42945)",
        pass: &[
            "events {}\nhttp { server { location /go/ { rewrite ^/go/(?<slug>[a-z0-9-]+)$ /r.php?slug=$slug; set $campaign $slug; } } }\n",
            "events {}\nhttp { server { location /go/ { rewrite ^/go/(.+)$ /r.php?slug=$1 last; set $campaign $1; } } }\n",
            "events {}\nhttp { server { location /go/ { rewrite ^/go/(.+)$ /r.php/$1; set $campaign $1; } } }\n",
            "events {}\nhttp { server { location /go/ { rewrite ^/go/(.+)$ /r.php/$1?; set $campaign $1; } } }\n",
            "events {}\nhttp { server { location /go/ { rewrite ^/go/(.+)$ https://example.com/r?s=$1; set $campaign $1; } } }\n",
            "events {}\nhttp { server { location /go/ { set $campaign $1; rewrite ^/go/(.+)$ /r.php?slug=$1; } } }\n",
            "# with: --nginx-version 1.30.1\nevents {}\nhttp { server { location /go/ { rewrite ^/go/(.+)$ /r.php?slug=$1; set $campaign $1; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location /go/ { rewrite \"^/go/(?<slug>[a-z0-9-]{1,64})$\" /redirect.php?slug=$slug; set $campaign $1; } } }\n",
            "events {}\nhttp { server { location /api/ { rewrite ^/api/(.*)$ /internal?migrated=true; if ($1 = health) { return 204; } } } }\n",
            "events {}\nhttp { server { rewrite ^/old/(.*)$ /new?from=old; rewrite ^/new(.*)$ /v2$1; } }\n",
            "# with: --nginx-version 1.22.1\nevents {}\nhttp { server { location / { if ($arg_x) { rewrite ^/(.*)$ /index.php?q=$1; } set $page $1; } } }\n",
        ],
    }
}

/// The first versions without the fault (1.30.1 stable, 1.31.0 mainline).
const FIXED_IN: Version = Version { major: 1, minor: 30, patch: 1 };

impl Rule for CaptureAfterQueryRewrite {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        if cx.opts.version_given && cx.opts.nginx_version >= FIXED_IN {
            return;
        }
        let m = cx.model();
        // The blocks holding a rewrite that leaves captures escaped as
        // arguments (for one inside an `if`, the block around the `if`:
        // both share one script engine), each walked once, in order.
        let qualifies = |rw: InstId| m.arg(rw, 2).is_none() && m.arg(rw, 1).is_some_and(sets_args);
        let mut scopes: Vec<InstId> = m
            .named("rewrite")
            .iter()
            .filter(|&&rw| qualifies(rw))
            .filter_map(|&rw| {
                let level = m.parent(rw)?;
                if m.directive(level).name() == "if" {
                    m.parent(level)
                } else {
                    Some(level)
                }
            })
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        for scope in scopes {
            walk(m, scope, &qualifies, &mut None, out);
        }
    }
}

/// Reports the numbered captures read in `scope` (and the `if` blocks in it)
/// after the first rewrite that `qualifies` (a flag ends the rewrite
/// module's work there, or answers the request: such a rewrite does not).
fn walk(
    m: &Model<'_>,
    scope: InstId,
    qualifies: &dyn Fn(InstId) -> bool,
    armed: &mut Option<InstId>,
    out: &mut Findings<'_>,
) {
    for c in children(m, scope) {
        if let (Some(rw), Some(v)) = (*armed, capture_read(m, c)) {
            out.push(
                Finding::new(
                    m.span(c),
                    format!(
                        "${v} is copied escaped into a buffer sized for the raw value after a rewrite with query arguments (CVE-2026-42945)"
                    ),
                )
                .help("name the group (`(?<id>...)`) and read it as `$id`, or upgrade to nginx 1.30.1 or later")
                .label(m.span(rw), "this rewrite's `?` leaves capture copies escaped as arguments"),
            );
        }
        match m.directive(c).name() {
            "rewrite" if armed.is_none() && qualifies(c) => *armed = Some(c),
            "if" => walk(m, c, qualifies, armed, out),
            _ => {}
        }
    }
}

/// True when a replacement leaves the script engine copying captures as
/// query arguments: it has a `?` other than a last one (which only drops
/// the request's arguments and is cut off before compiling), and it is not
/// a redirect (`http://`, `https://`, `$scheme`), which ends the request.
fn sets_args(replacement: &str) -> bool {
    let redirect = ["http://", "https://", "$scheme"].iter().any(|p| replacement.starts_with(p));
    !redirect && replacement.strip_suffix('?').unwrap_or(replacement).contains('?')
}

/// The numbered capture a `set` value, an `if` condition or a `rewrite`
/// replacement reads.
fn capture_read<'a>(m: &Model<'a>, id: InstId) -> Option<&'a str> {
    let args = m.args(id);
    let read: &[crate::syntax::ast::Arg] = match m.directive(id).name() {
        "set" => args.get(1..2)?,
        "rewrite" => args.get(1..2)?,
        "if" => args,
        _ => return None,
    };
    read.iter().flat_map(|a| variables(a.as_str())).find(|v| is_numbered_capture(v))
}

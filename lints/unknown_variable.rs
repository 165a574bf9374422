use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, OptionKind, Rule, RuleMeta, RuleOption};
use crate::load::RootKind;
use crate::model::context::Context;
use crate::model::directives::{edit_distance, DirectiveSpec};
use crate::model::tree::Status;
use crate::model::variables::{scan, variables, Family, VarRef};
use crate::span::Span;
use crate::syntax::ast::{Arg, Quote};
use rustc_hash::FxHashSet;
use std::borrow::Cow;

declare_rule! {
    /// ## What it does
    /// Reports a `$variable` in an argument nginx compiles (`proxy_pass`,
    /// `return`, `set`, `add_header` values, `log_format`, `root`, `if`
    /// conditions, `map` sources and values, ...) that nothing defines: not
    /// nginx or a module Debian ships (`$request_uri`, `$arg_NAME`,
    /// `$upstream_http_NAME`, `$ssl_*`, `$geoip_*`, `$echo_*`, ...), and no
    /// `set`, `map`, `geo`, `split_clients`, `auth_request_set`, `perl_set`,
    /// `js_set`, `js_var`, `set_by_lua*`, set-misc `set_*` directive, `geoip2`
    /// block or regex named capture (`(?<name>...)`) anywhere in the same
    /// `http` (or `stream`) block. Like nginx, the place of the definition
    /// does not matter: a `set` in one server defines the variable for all.
    /// Regex arguments (`location ~`, `rewrite`'s pattern, `if ($x ~ re)`)
    /// and arguments nginx takes literally (`error_log`, header names, Lua
    /// and Perl code) are not checked; captures `$1`..`$9` are always fine.
    /// A malformed reference (`$` at the end, `${name` without `}`) is
    /// reported too. Variables newer than `--nginx-version` are unknown.
    ///
    /// nginx error texts: `unknown "NAME" variable`, `invalid variable name`,
    /// `the closing bracket in "NAME" variable is missing` (nginx names the
    /// closing `}` of `http` for the `proxy_set_header`/`fastcgi_param`
    /// family, which it compiles when merging; ngxlint names the argument).
    ///
    /// Files checked on their own (not through a main `nginx.conf`) often use
    /// variables their includer defines, so they are not checked unless the
    /// `in-snippets` option is on; neither is a configuration with an include
    /// that could not be read.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration, without saying where the
    /// variable is used.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location / {
    ///             proxy_set_header Upgrade $http_upgrade;
    ///             proxy_set_header Connection $connection_upgrade;
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     map $http_upgrade $connection_upgrade {
    ///         default upgrade;
    ///         "" close;
    ///     }
    ///     server {
    ///         location / {
    ///             proxy_set_header Upgrade $http_upgrade;
    ///             proxy_set_header Connection $connection_upgrade;
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `in-snippets` (bool, default `false`): also check files checked on
    ///   their own.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/varindex.html>
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#set>
    pub struct UnknownVariable {
        name: "unknown-variable",
        category: Correctness,
        severity: Error,
        summary: "a variable that nginx and the configuration do not define",
        pass: &[
            "events {}\nhttp { server { set $a 1; } server { return 200 \"$a$1${host}$arg_x$HOST\"; } }\n",
            "events {}\nhttp { map $uri $m { default $uri; } geo $g { default 0; } server { location ~ ^/(?<p>.+)$ { return 200 $p$m$g; } } }\n",
            "events {}\nhttp { server { if ($uri ~ ^/a$) { return 404; } rewrite ^/(.*)$ /b/$1; error_log /tmp/$x.log; add_header $n 1; } }\n",
            "events {}\nhttp { perl_set $p 'sub { my $r = shift; $r->uri }'; js_set $j f.g; server { set_by_lua $l 'return 1'; return 200 $p$j$l; } }\n",
            "events {}\nstream { map $remote_addr $m { default 1; } server { listen 9000; return $m$protocol; } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { return 200 $no_such_var; } } }\n",
            "events {}\nhttp { log_format f '$remote_addr $reqest_uri'; }\n",
            "events {}\nhttp { map $uri $m { default $nope; } }\n",
            "events {}\nstream { server { listen 9000; return $host; } }\n",
            "events {}\nhttp { server { return 200 \"${host\"; } }\n",
            "events {}\nhttp { server { if ($uri = /) { return 200 \"cost: 5$\"; } } }\n",
        ],
        options: &[RuleOption {
            name: "in-snippets",
            kind: OptionKind::Bool,
            default: "false",
            doc: "also check files checked on their own (their variables may come from the file that includes them)",
        }],
    }
}

/// nginx's own dynamic modules: their directives compile like the built-in ones.
const OWN_DYNAMIC: [&str; 7] = [
    "ngx_http_geoip_module",
    "ngx_http_image_filter_module",
    "ngx_http_perl_module",
    "ngx_http_xslt_filter_module",
    "ngx_stream_module",
    "ngx_stream_geoip_module",
    "ngx_mail_module",
];

fn family(ctx: Context) -> Option<Family> {
    use Context::*;
    match ctx {
        Http | Server | Location | IfInServer | IfInLocation | LimitExcept | Upstream | Map | Geo | SplitClients
        | Geoip2 => Some(Family::Http),
        Stream | StreamServer | StreamUpstream | StreamMap | StreamGeo | StreamSplitClients | StreamGeoip2 => {
            Some(Family::Stream)
        }
        _ => None,
    }
}

/// Whether nginx compiles argument `i` of `spec` as a script (so its
/// variables must exist at startup).
fn compiled(spec: &DirectiveSpec, args: &[Arg], i: usize) -> bool {
    let name = spec.name;
    let a = args[i].as_str();
    let own = spec.binary.is_none_or(|b| OWN_DYNAMIC.contains(&b));
    if !own {
        // Third-party modules: only the arguments known to be compiled.
        return match name {
            "set_by_lua" => i >= 2,
            "set_by_lua_file" => i >= 1,
            "subs_filter" | "js_var" => i == 1,
            "more_set_headers"
            | "more_set_input_headers"
            | "srcache_fetch"
            | "srcache_store"
            | "srcache_fetch_skip"
            | "srcache_store_skip"
            | "nchan_channel_id"
            | "nchan_publisher_channel_id"
            | "nchan_subscriber_channel_id" => true,
            "rewrite_by_lua_file"
            | "access_by_lua_file"
            | "content_by_lua_file"
            | "log_by_lua_file"
            | "header_filter_by_lua_file"
            | "body_filter_by_lua_file"
            | "precontent_by_lua_file" => i == 0,
            _ if name.starts_with("echo") => true,
            _ if spec.module == "ngx_http_set_misc_module" => i >= 1 && name != "set_base32_alphabet",
            _ => false,
        };
    }
    match name {
        "location"
        | "server_name"
        | "error_log"
        | "include"
        | "valid_referers"
        | "gzip_disable"
        | "fastcgi_split_path_info"
        | "auth_request"
        | "add_before_body"
        | "add_after_body"
        | "default_type"
        | "ancient_browser"
        | "modern_browser"
        | "perl"
        | "perl_modules"
        | "perl_require"
        | "limit_req"
        | "limit_conn"
        | "listen"
        | "resolver"
        | "server"
        | "upstream"
        | "secure_link_secret"
        | "ssi_types"
        | "ssl_session_cache"
        | "internal" => false,
        "set" | "auth_request_set" => i == 1,
        "perl_set" => false,
        "map" | "split_clients" => i == 0,
        "geo" => i == 0 && args.len() == 2,
        "rewrite" => i == 1,
        // A syslog target is parsed, not compiled.
        "access_log" => !(i == 0 && a.starts_with("syslog:")),
        "add_header" | "add_trailer" | "proxy_set_header" | "grpc_set_header" | "fastcgi_param" | "uwsgi_param"
        | "scgi_param" | "xslt_param" | "xslt_string_param" => i == 1,
        "if" => !(i == 2 && matches!(args[1].as_str(), "~" | "~*" | "!~" | "!~*")),
        "proxy_redirect" | "proxy_cookie_domain" | "proxy_cookie_path" | "proxy_cookie_flags" => {
            !(a.starts_with('~') || (name == "proxy_cookie_flags" && i > 0))
        }
        "proxy_cache_path" | "fastcgi_cache_path" | "uwsgi_cache_path" | "scgi_cache_path" => false,
        _ if name.starts_with("ssl_") || name.contains("_ssl_") => {
            matches!(name, "ssl_certificate" | "ssl_certificate_key")
                || name.ends_with("_ssl_certificate")
                || name.ends_with("_ssl_certificate_key")
                || name.ends_with("_ssl_name")
        }
        _ if name.starts_with("userid") => false,
        _ if name.ends_with("_temp_path")
            || name.ends_with("_hide_header")
            || name.ends_with("_pass_header")
            || name.ends_with("_ignore_headers") =>
        {
            false
        }
        _ => true,
    }
}

/// The variable an argument defines (`$name` -> `name`), lowercased.
fn defined(a: &Arg) -> Option<Cow<'_, str>> {
    let v = a.as_str().strip_prefix('$')?;
    if v.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(v.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(v))
    }
}

/// Adds the names of regex named captures in `s`: `(?<n>`, `(?P<n>`, `(?'n'`.
fn add_captures<'a>(s: &'a str, root: u32, fam: Family, defs: &mut FxHashSet<(u32, Family, Cow<'a, str>)>) {
    let mut rest = s;
    while let Some(p) = rest.find("(?") {
        rest = &rest[p + 2..];
        let body = rest.strip_prefix('P').unwrap_or(rest);
        let Some(body) = body.strip_prefix('<').or_else(|| body.strip_prefix('\'')) else { continue };
        let end = body.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'_')).unwrap_or(body.len());
        if end > 0 {
            let n = &body[..end];
            let n = if n.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(n.to_ascii_lowercase())
            } else {
                Cow::Borrowed(n)
            };
            defs.insert((root, fam, n));
        }
    }
}

/// Where in the file byte `off` of an argument's value is, when the value is
/// the raw text (no escapes); else the whole argument.
fn span_in(a: &Arg, raw: &str, from: usize, to: usize) -> Span {
    let q = usize::from(matches!(a.quote, Quote::Single | Quote::Double));
    let inner = raw.get(q..raw.len().saturating_sub(q)).unwrap_or("");
    if inner == a.as_str() {
        Span::new(a.span.file, a.span.start + (q + from) as u32, a.span.start + (q + to) as u32)
    } else {
        a.span
    }
}

struct Use<'a> {
    root: u32,
    fam: Family,
    span: Span,
    /// Lowercase name.
    name: Cow<'a, str>,
    written: &'a str,
}

impl Rule for UnknownVariable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let in_snippets = cx.option(&Self::META, "in-snippets") == "true";
        let builtins = variables();
        let version = cx.opts.nginx_version;
        let roots = &cx.loaded.roots;
        // Roots whose definitions may be incomplete: snippets, failed includes.
        let complete = cx.complete_roots();
        let skip_root: Vec<bool> = roots
            .iter()
            .enumerate()
            .map(|(i, r)| !(complete[i] || (in_snippets && matches!(r.kind, RootKind::Snippet(_)))))
            .collect();
        let mut defs: FxHashSet<(u32, Family, Cow<'_, str>)> = FxHashSet::default();
        let mut uses: Vec<Use<'_>> = Vec::new();
        // A snippet included in many places defines and uses the same names
        // each time: one look per statement, root and family is enough.
        let mut done: FxHashSet<(u32, Family, u32, u32)> = FxHashSet::default();
        for inst in &cx.tree.insts {
            if skip_root[inst.root as usize] {
                continue;
            }
            let Some(fam) = family(inst.ctx) else { continue };
            let repeated = cx.tree.expansions.get(inst.file as usize).is_some_and(|&n| n > 1);
            if repeated && !done.insert((inst.root, fam, inst.file, inst.node)) {
                continue;
            }
            let file = cx.loaded.file(inst.file);
            let d = file.ast.node(inst.node);
            let args = file.ast.args(d);
            let root = inst.root;
            let spec = match inst.status {
                Status::Found(spec) => Some(spec),
                _ => None,
            };
            // Definitions.
            for a in args {
                if a.as_str().contains('(') && a.as_str().contains("(?") {
                    add_captures(a.as_str(), root, fam, &mut defs);
                }
            }
            if d.name().contains('(') && d.name().contains("(?") {
                add_captures(d.name(), root, fam, &mut defs);
            }
            if matches!(inst.ctx, Context::Geoip2 | Context::StreamGeoip2) {
                if let Some(n) = defined(&d.name) {
                    defs.insert((root, fam, n));
                }
                continue;
            }
            let Some(spec) = spec else {
                // A map value is compiled when it has a variable.
                if matches!(inst.ctx, Context::Map | Context::StreamMap)
                    && args.len() == 1
                    && !matches!(d.name(), "include" | "hostnames" | "volatile")
                {
                    self.uses_in(cx, &args[0], root, fam, &mut uses, out);
                }
                continue;
            };
            let name = d.name();
            let def_at = match name {
                "set" | "auth_request_set" | "perl_set" | "js_set" | "js_var" => Some(0),
                "map" | "split_clients" => Some(1),
                "geo" => Some(args.len().saturating_sub(1)),
                _ if name.starts_with("set_") => Some(0),
                _ => None,
            };
            if let Some(n) = def_at.and_then(|i| args.get(i)).and_then(defined) {
                defs.insert((root, fam, n));
            }
            for (i, a) in args.iter().enumerate() {
                if a.as_str().contains('$') && a.quote != Quote::LuaBlock && compiled(spec, args, i) {
                    self.uses_in(cx, a, root, fam, &mut uses, out);
                }
            }
        }
        for u in uses {
            if skip_root[u.root as usize] || defs.contains(&(u.root, u.fam, Cow::Borrowed(u.name.as_ref()))) {
                continue;
            }
            let builtin = builtins.lookup(u.fam, &u.name);
            let help = match builtin {
                Some(b) => match b.since {
                    Some(s) if s > version => {
                        format!("${} needs nginx {s} or newer (checking for {version})", u.written)
                    }
                    _ => format!("${} was removed from nginx; define it, or use another variable", u.written),
                },
                None if builtins.lookup(other(u.fam), &u.name).is_some() => {
                    let (here, there) = if u.fam == Family::Stream { ("stream", "http") } else { ("http", "stream") };
                    format!(
                        "${} is an {there} variable, not available in {here}; define it with `set` or a `map`",
                        u.written
                    )
                }
                None => match suggest(&u.name, u.fam, u.root, &defs) {
                    Some(s) => {
                        format!("did you mean ${s}? Otherwise define it with `set ${} ...;` or a `map`", u.written)
                    }
                    None => format!("define it with `set ${} ...;` or a `map`, or fix the spelling", u.written),
                },
            };
            if builtin.is_some_and(|b| b.exists_in(version)) {
                continue;
            }
            out.push(Finding::new(u.span, format!("unknown \"{}\" variable", u.name)).help(help));
        }
    }
}

impl UnknownVariable {
    /// Records the variable references of one compiled argument; reports
    /// malformed ones at once.
    fn uses_in<'a>(
        &self,
        cx: &LintContext<'a>,
        a: &'a Arg,
        root: u32,
        fam: Family,
        uses: &mut Vec<Use<'a>>,
        out: &mut Findings<'_>,
    ) {
        let builtins = variables();
        let version = cx.opts.nginx_version;
        let raw = cx.loaded.file(a.span.file).slice(a.span);
        scan(a.as_str(), |r| match r {
            VarRef::Name(n, from, to) => {
                let lower: Cow<'a, str> = if n.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(n.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(n)
                };
                if builtins.lookup(fam, &lower).is_some_and(|b| b.exists_in(version)) {
                    return;
                }
                uses.push(Use { root, fam, span: span_in(a, raw, from, to), name: lower, written: n });
            }
            VarRef::Capture => {}
            VarRef::Invalid(at) => out.push(
                Finding::new(span_in(a, raw, at, at + 1), "invalid variable name")
                    .help("write a name after `$` (letters, digits, `_`), or `${name}` to end it before other text"),
            ),
            VarRef::Unclosed(n, at) => out.push(
                Finding::new(
                    span_in(a, raw, at, at + 2 + n.len()),
                    format!("the closing bracket in \"{n}\" variable is missing"),
                )
                .help(format!("close it: `${{{n}}}`")),
            ),
        });
    }
}

fn other(f: Family) -> Family {
    match f {
        Family::Http => Family::Stream,
        Family::Stream => Family::Http,
    }
}

/// The closest defined or built-in name, for "did you mean".
fn suggest(name: &str, fam: Family, root: u32, defs: &FxHashSet<(u32, Family, Cow<'_, str>)>) -> Option<String> {
    let limit = (name.len() / 4).clamp(1, 3);
    let builtin = variables().all().iter().filter(|v| v.family == fam && !v.prefix).map(|v| v.name);
    let user = defs.iter().filter(|(r, f, _)| *r == root && *f == fam).map(|(_, _, n)| n.as_ref());
    let mut best: Option<(usize, &str)> = None;
    for cand in builtin.chain(user) {
        if cand.len().abs_diff(name.len()) > limit {
            continue;
        }
        let d = edit_distance(name, cand);
        if d <= limit && best.is_none_or(|(bd, bn)| (d, cand) < (bd, bn)) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, n)| n.to_string())
}

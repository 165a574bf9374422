use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::Status;
use crate::model::values::parse_size;
use crate::span::Span;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Follows the shared memory zones of a configuration as nginx registers
    /// them, in order: `limit_req_zone`/`limit_req`, `limit_conn_zone`/
    /// `limit_conn` (http and stream), `proxy_cache_path`/`proxy_cache` (and
    /// the FastCGI, uwsgi and SCGI caches), `ssl_session_cache shared:`,
    /// upstream `zone` and `lua_shared_dict`. It reports a zone used but
    /// never declared with a size, a name declared for two different uses or
    /// with two different sizes, a second `limit_req_zone`/`limit_conn_zone`
    /// for one name, and a second cache path with the same `keys_zone`.
    ///
    /// nginx error texts: `zero size shared memory zone "NAME"`,
    /// `"proxy_cache" zone "NAME" is unknown`, `the shared memory zone "NAME"
    /// is already declared for a different use`, `the size N of shared
    /// memory zone "NAME" conflicts with already declared size M`,
    /// `limit_req_zone "NAME" is already bound to key "KEY"`,
    /// `duplicate zone "NAME"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration; for an undeclared zone it
    /// does not even say where the zone is used.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /login {
    ///             limit_req zone=login burst=5;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     limit_req_zone $binary_remote_addr zone=login:10m rate=1r/s;
    ///     server {
    ///         location /login {
    ///             limit_req zone=login burst=5;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_limit_req_module.html#limit_req_zone>
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache_path>
    pub struct InvalidSharedZone {
        name: "invalid-shared-zone",
        category: Correctness,
        severity: Error,
        summary: "a shared memory zone used but not declared, or declared twice",
        pass: &[
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=a:10m rate=1r/s; limit_conn_zone $binary_remote_addr zone=b:10m; proxy_cache_path /tmp/c keys_zone=c:10m; ssl_session_cache shared:SSL:10m; server { ssl_session_cache shared:SSL:10m; location / { limit_req zone=a; limit_conn b 10; proxy_cache c; } location /x { proxy_cache $arg_c; } location /y { proxy_cache off; } } }\n",
            "events {}\nhttp { server { location / { limit_req zone=a; } } limit_req_zone $binary_remote_addr zone=a:10m rate=1r/s; }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { limit_req zone=nozone; } } }\n",
            "events {}\nhttp { server { location / { proxy_cache nozone; } } }\n",
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=z:10m rate=1r/s;\n limit_req_zone $uri zone=z:10m rate=1r/s; }\n",
            "events {}\nhttp { limit_conn_zone $binary_remote_addr zone=z:10m;\n limit_conn_zone $binary_remote_addr zone=z:1m; }\n",
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=z:10m rate=1r/s;\n server { limit_conn z 1; } }\n",
            "events {}\nhttp { proxy_cache_path /tmp/a keys_zone=c:10m;\n proxy_cache_path /tmp/b keys_zone=c:10m; }\n",
        ],
    }
}

/// Who registered a zone (nginx's shared memory tag: the module).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    LimitReq,
    LimitConn,
    StreamLimitConn,
    Cache(&'static str),
    Ssl(u8),
    Upstream,
    StreamUpstream,
    Lua,
}

struct Zone<'a> {
    tag: Tag,
    size: u64,
    /// The directive that gave the size, with it as written.
    sized_at: Option<(Span, &'a str)>,
    /// A `limit_*_zone` or cache path took the zone (its key, for messages).
    bound: Option<&'a str>,
}

/// One registration: (name, size as written (empty: 0), tag, binds with key).
struct Add<'a> {
    name: &'a str,
    size: &'a str,
    tag: Tag,
    bind: Option<&'a str>,
}

/// The zone a directive registers, as nginx's handler does.
fn registration<'a>(name: &str, ctx: Context, args: &'a [crate::syntax::ast::Arg]) -> Option<Add<'a>> {
    let stream = matches!(ctx, Context::Stream | Context::StreamServer | Context::StreamUpstream);
    let arg = |i: usize| args.get(i).map(|a| a.as_str());
    let zone_param = |prefix: &str| {
        args.iter().find_map(|a| a.as_str().strip_prefix(prefix)).and_then(|z| {
            let (n, s) = z.split_once(':')?;
            Some((n, s))
        })
    };
    match name {
        "limit_req_zone" => zone_param("zone=").map(|(n, s)| Add {
            name: n,
            size: s,
            tag: Tag::LimitReq,
            bind: Some(arg(0).unwrap_or("")),
        }),
        "limit_req" => args.iter().find_map(|a| a.as_str().strip_prefix("zone=")).map(|n| Add {
            name: n,
            size: "",
            tag: Tag::LimitReq,
            bind: None,
        }),
        "limit_conn_zone" => zone_param("zone=").map(|(n, s)| Add {
            name: n,
            size: s,
            tag: if stream { Tag::StreamLimitConn } else { Tag::LimitConn },
            bind: Some(arg(0).unwrap_or("")),
        }),
        "limit_conn" => arg(0).map(|n| Add {
            name: n,
            size: "",
            tag: if stream { Tag::StreamLimitConn } else { Tag::LimitConn },
            bind: None,
        }),
        "proxy_cache_path" | "fastcgi_cache_path" | "uwsgi_cache_path" | "scgi_cache_path" => zone_param("keys_zone=")
            .map(|(n, s)| Add { name: n, size: s, tag: Tag::Cache(cache_family(name)), bind: Some("") }),
        "proxy_cache" | "fastcgi_cache" | "uwsgi_cache" | "scgi_cache" => arg(0)
            .filter(|n| *n != "off" && !n.contains('$'))
            .map(|n| Add { name: n, size: "", tag: Tag::Cache(cache_family(name)), bind: None }),
        "ssl_session_cache" => args.iter().find_map(|a| a.as_str().strip_prefix("shared:")).and_then(|z| {
            let (n, s) = z.split_once(':')?;
            let family = match ctx {
                Context::Stream | Context::StreamServer => 1,
                Context::Mail | Context::MailServer => 2,
                _ => 0,
            };
            Some(Add { name: n, size: s, tag: Tag::Ssl(family), bind: None })
        }),
        "zone" if matches!(ctx, Context::Upstream | Context::StreamUpstream) => arg(0).map(|n| Add {
            name: n,
            size: arg(1).unwrap_or(""),
            tag: if ctx == Context::Upstream { Tag::Upstream } else { Tag::StreamUpstream },
            bind: None,
        }),
        "lua_shared_dict" => arg(0).map(|n| Add { name: n, size: arg(1).unwrap_or(""), tag: Tag::Lua, bind: None }),
        _ => None,
    }
}

fn cache_family(directive: &str) -> &'static str {
    match directive.split('_').next() {
        Some("fastcgi") => "fastcgi",
        Some("uwsgi") => "uwsgi",
        Some("scgi") => "scgi",
        _ => "proxy",
    }
}

impl Rule for InvalidSharedZone {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // (root, zone name) -> zone; uses waiting for a declaration.
        let mut zones: FxHashMap<(u32, &str), Zone<'_>> = FxHashMap::default();
        let mut uses: Vec<(u32, &str, Tag, Span, &str)> = Vec::new();
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, |s| {
            let name = s.name;
            name.starts_with("limit_")
                || name.ends_with("_cache")
                || name.ends_with("_cache_path")
                || name == "zone"
                || name == "lua_shared_dict"
        }) {
            if !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let name = d.name();
            // The names `registration` knows (a cheap test: most directives are none of them).
            if !(name.starts_with("limit_")
                || name.ends_with("_cache")
                || name.ends_with("_cache_path")
                || name == "zone"
                || name == "lua_shared_dict")
            {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let Some(add) = registration(name, inst.ctx, args) else { continue };
            let size = if add.size.is_empty() {
                0
            } else {
                match parse_size(add.size) {
                    Some(s) => s,
                    None => continue, // "invalid zone size": not this rule's
                }
            };
            let span = d.head_span();
            let key = (inst.root, add.name);
            let Some(z) = zones.get_mut(&key) else {
                zones.insert(
                    key,
                    Zone { tag: add.tag, size, sized_at: (size > 0).then_some((span, add.size)), bound: add.bind },
                );
                if size == 0 {
                    uses.push((inst.root, add.name, add.tag, span, name));
                }
                continue;
            };
            if z.tag != add.tag {
                let mut f = Finding::new(
                    span,
                    format!("the shared memory zone \"{}\" is already declared for a different use", add.name),
                )
                .help("give this zone its own name");
                if let Some((at, _)) = z.sized_at {
                    f = f.label(at, "declared here");
                }
                out.push(f);
                continue;
            }
            if z.size == 0 && size > 0 {
                z.size = size;
                z.sized_at = Some((span, add.size));
            } else if size > 0 && size != z.size {
                let mut f = Finding::new(
                    span,
                    format!(
                        "the size {size} of shared memory zone \"{}\" conflicts with already declared size {}",
                        add.name, z.size
                    ),
                );
                if let Some((at, s)) = z.sized_at {
                    f = f.help(format!("use the same size ({s}), or another name")).label(at, "declared here");
                }
                out.push(f);
                continue;
            }
            if let Some(k) = add.bind {
                if let Some(first) = z.bound {
                    let msg = if matches!(add.tag, Tag::Cache(_)) {
                        format!("duplicate zone \"{}\"", add.name)
                    } else {
                        format!("{name} \"{}\" is already bound to key \"{first}\"", add.name)
                    };
                    let mut f = Finding::new(span, msg).help("give each declaration its own zone name");
                    if let Some((at, _)) = z.sized_at {
                        f = f.label(at, "declared here");
                    }
                    out.push(f);
                } else {
                    z.bound = Some(k);
                }
            }
        }
        let complete = cx.complete_roots();
        for (root, name, tag, span, directive) in uses {
            if !complete[root as usize] {
                continue; // the declaration may be in what ngxlint does not see
            }
            let z = &zones[&(root, name)];
            if z.tag != tag || z.size > 0 {
                continue;
            }
            let (msg, help) = match tag {
                Tag::Cache(fam) => (
                    format!("\"{directive}\" zone \"{name}\" is unknown"),
                    format!("declare it: `{fam}_cache_path /var/cache/nginx/{name} keys_zone={name}:10m;` in http"),
                ),
                Tag::LimitReq => (
                    format!("zero size shared memory zone \"{name}\""),
                    format!("declare it: `limit_req_zone $binary_remote_addr zone={name}:10m rate=10r/s;` in http"),
                ),
                Tag::LimitConn | Tag::StreamLimitConn => (
                    format!("zero size shared memory zone \"{name}\""),
                    format!("declare it: `limit_conn_zone $binary_remote_addr zone={name}:10m;`"),
                ),
                _ => (
                    format!("zero size shared memory zone \"{name}\""),
                    format!("give the zone a size where it is first declared (`zone {name} 64k;`)"),
                ),
            };
            out.push(Finding::new(span, msg).help(help));
        }
    }
}

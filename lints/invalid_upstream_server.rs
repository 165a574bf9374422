use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::directives::Version;
use crate::model::tree::{InstId, Status};
use crate::model::values::{parse_number, parse_time};
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Checks the `server` lines of `upstream` blocks (http and stream) the
    /// way nginx reads them: the parameters (`weight=N` with N at least 1,
    /// `max_conns=N`, `max_fails=N`, `fail_timeout=TIME` in seconds,
    /// `backup`, `down`, and `resolve`/`service=` from nginx 1.27.3); the
    /// parameters the balancing method declared above the line supports
    /// (`hash`, `ip_hash` and `random` take no `backup`; the `fair` module
    /// takes neither `backup` nor `max_conns=`); then the address: a port
    /// from 1 to 65535, no URI part, and in a stream upstream a port at all.
    /// Parameters of NGINX Plus (`slow_start=`) are invalid in nginx.
    ///
    /// nginx error texts: `invalid parameter "X"`, `balancing method does not
    /// support parameter "X"`, `invalid port in upstream "ADDR"`, `invalid host
    /// in upstream "ADDR"`, `no port in upstream "ADDR"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         hash $request_uri consistent;
    ///         server 10.0.0.1:8080 weight=0;
    ///         server 10.0.0.2:8080 backup;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     upstream app {
    ///         hash $request_uri consistent;
    ///         server 10.0.0.1:8080 weight=1;
    ///         server 10.0.0.2:8080;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server>
    /// - <https://nginx.org/en/docs/stream/ngx_stream_upstream_module.html#server>
    pub struct InvalidUpstreamServer {
        name: "invalid-upstream-server",
        category: Correctness,
        severity: Error,
        summary: "an upstream server with a bad address or parameter",
        pass: &[
            "events {}\nhttp { upstream u { server 127.0.0.1:81 weight=2 max_fails=0 fail_timeout=30s max_conns=10; server a.test backup; server unix:/tmp/s down; server [::1]:80; } }\n",
            "events {}\nhttp { upstream u { server 127.0.0.1:82 backup; hash $uri; } upstream v { least_conn; server b.test backup; } }\n",
            "events {}\nstream { upstream u { server 127.0.0.1:9000; server unix:/tmp/s; } }\n",
        ],
        fail: &[
            "events {}\nhttp { upstream u { server 127.0.0.1:99999; } }\n",
            "events {}\nhttp { upstream u { server 127.0.0.1:81 weight=0; } }\n",
            "events {}\nhttp { upstream u { server 127.0.0.1:81 slow_start=10s; } }\n",
            "events {}\nhttp { upstream u { ip_hash; server 127.0.0.1:81 backup; } }\n",
            "events {}\nhttp { upstream u { server 127.0.0.1/app; } }\n",
            "events {}\nstream { upstream u { server 127.0.0.1; } }\n",
            "events {}\nhttp { upstream u { server 127.0.0.1:81 fail_timeout=500ms; } }\n",
        ],
    }
}

const WEIGHT: u8 = 1;
const MAX_CONNS: u8 = 2;
const MAX_FAILS: u8 = 4;
const FAIL_TIMEOUT: u8 = 8;
const DOWN: u8 = 16;
const BACKUP: u8 = 32;
const ALL: u8 = WEIGHT | MAX_CONNS | MAX_FAILS | FAIL_TIMEOUT | DOWN | BACKUP;

/// The parameters a balancing method leaves allowed (nginx's upstream flags).
fn flags_of(balancer: &str) -> Option<u8> {
    match balancer {
        "hash" | "ip_hash" | "random" => Some(ALL & !BACKUP),
        "least_conn" => Some(ALL),
        "fair" => Some(WEIGHT | MAX_FAILS | FAIL_TIMEOUT | DOWN),
        _ => None,
    }
}

const V1_27_3: Version = Version { major: 1, minor: 27, patch: 3 };
const V1_29_6: Version = Version { major: 1, minor: 29, patch: 6 };

/// What nginx says about one parameter, if anything.
fn check_param(p: &str, flags: u8, version: Version) -> Option<(String, &'static str)> {
    let invalid = |help: &'static str| Some((format!("invalid parameter \"{p}\""), help));
    let unsupported = || {
        Some((
            format!("balancing method does not support parameter \"{p}\""),
            "drop the parameter, or the balancing method (hash, ip_hash, random, fair) declared above this line",
        ))
    };
    let (flag, ok) = if let Some(v) = p.strip_prefix("weight=") {
        (WEIGHT, parse_number(v).is_some_and(|n| n > 0))
    } else if let Some(v) = p.strip_prefix("max_conns=") {
        (MAX_CONNS, parse_number(v).is_some())
    } else if let Some(v) = p.strip_prefix("max_fails=") {
        (MAX_FAILS, parse_number(v).is_some())
    } else if let Some(v) = p.strip_prefix("fail_timeout=") {
        (FAIL_TIMEOUT, parse_time(v, false).is_some())
    } else if p == "backup" {
        (BACKUP, true)
    } else if p == "down" {
        (DOWN, true)
    } else if p == "resolve" || p.starts_with("service=") {
        if version < V1_27_3 {
            return invalid("`resolve` and `service=` need nginx 1.27.3 or newer (or NGINX Plus)");
        }
        return None;
    } else if p == "drain" || p.starts_with("route=") {
        if version < V1_29_6 {
            return invalid("`drain` and `route=` need nginx 1.29.6 or newer (or NGINX Plus)");
        }
        return None;
    } else if p.starts_with("slow_start=") {
        return invalid("slow_start is an NGINX Plus parameter");
    } else {
        return invalid("the parameters are weight=N, max_conns=N, max_fails=N, fail_timeout=TIME, backup, down");
    };
    if flags & flag == 0 {
        return unsupported();
    }
    if !ok {
        return invalid(match flag {
            WEIGHT => "weight is a whole number of at least 1",
            FAIL_TIMEOUT => "fail_timeout is a time in seconds or more, such as 10s or 1m",
            _ => "write a whole number",
        });
    }
    None
}

/// What `ngx_parse_url` says about an upstream address, if anything.
fn check_address(url: &str, stream: bool) -> Option<(String, &'static str)> {
    if url.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("unix:")) {
        return None;
    }
    let port = if let Some(rest) = url.strip_prefix('[') {
        // IPv6: the port follows "]:".
        match rest.split_once(']') {
            Some((_, after)) => after.strip_prefix(':'),
            None => return None,
        }
    } else {
        let uri = url.find(['/', '?']);
        if uri.is_some() {
            return Some((
                format!("invalid host in upstream \"{url}\""),
                "an upstream server is an address or a name with a port, without a URI",
            ));
        }
        url.split_once(':').map(|(_, p)| p)
    };
    match port {
        Some(p) if !parse_number(p).is_some_and(|n| (1..=65535).contains(&n)) => {
            Some((format!("invalid port in upstream \"{url}\""), "write a port from 1 to 65535"))
        }
        None if stream => {
            Some((format!("no port in upstream \"{url}\""), "add the port: a stream upstream has no default"))
        }
        _ => None,
    }
}

impl Rule for InvalidUpstreamServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // Upstream block -> the flags its balancing method set so far.
        let mut flags: FxHashMap<InstId, u8> = FxHashMap::default();
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, |s| s.name == "server" || flags_of(s.name).is_some()) {
            if !matches!(inst.ctx, Context::Upstream | Context::StreamUpstream)
                || !matches!(inst.status, Status::Found(_))
            {
                continue;
            }
            let Some(parent) = inst.parent else { continue };
            let name = d.name();
            if let Some(f) = flags_of(name) {
                flags.insert(parent, f);
                continue;
            }
            if name != "server" {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let Some(addr) = args.first() else { continue };
            let f = flags.get(&parent).copied().unwrap_or(ALL);
            let bad = args[1..]
                .iter()
                .find_map(|a| check_param(a.as_str(), f, cx.opts.nginx_version).map(|m| (a.span, m)))
                .or_else(|| check_address(addr.as_str(), inst.ctx == Context::StreamUpstream).map(|m| (addr.span, m)));
            if let Some((span, (msg, help))) = bad {
                out.push(Finding::new(span, msg).help(help));
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;
use crate::model::values::{parse_number, parse_offset, parse_size, parse_time};
use crate::syntax::ast::Arg;

/// nginx's page size on the platforms Debian builds for (x86-64, most arm64
/// kernels): shared zones are sized in pages.
const PAGE: u64 = 4096;

declare_rule! {
    /// ## What it does
    /// Checks the `name=value` parameters and keywords of the directives
    /// that read them one by one, the way nginx does at startup:
    ///
    /// - `access_log`: `buffer=SIZE`, `gzip[=1..9]`, `flush=TIME` (needs a
    ///   buffer), `if=`; no buffering to syslog or to a path with variables;
    ///   nothing after `off`;
    /// - `error_log`: the levels (`warn`, `debug_http`, ...), one level, and
    ///   `debug_*` only without one;
    /// - `proxy_cache_path` and its fastcgi, uwsgi and scgi twins:
    ///   `levels=`, `keys_zone=NAME:SIZE` (required, at least 8k),
    ///   `inactive=`, `max_size=`, `min_free=`, `use_temp_path=`, the
    ///   `manager_*` and `loader_*` settings;
    /// - `limit_req` (`zone=`, `burst=`, `delay=`, `nodelay`),
    ///   `limit_req_zone` (`zone=NAME:SIZE`, at least 32k, and
    ///   `rate=Nr/s` or `Nr/m`), `limit_conn_zone`;
    /// - `open_file_cache`, `open_log_file_cache`, `ssl_session_cache`;
    /// - `hash ... consistent`, `random two least_conn`, the size of an
    ///   upstream `zone` (at least 32k);
    /// - the methods of `limit_except`;
    /// - `fastcgi_param ... if_not_empty` (and uwsgi, scgi),
    ///   `add_header ... always`, `add_trailer ... always`,
    ///   `proxy_bind ... transparent` (and the other `*_bind`).
    ///
    /// Keywords compare with case, as nginx compares them. Zone minimums
    /// assume 4 KiB pages.
    ///
    /// nginx error texts: `invalid parameter "X"`, `invalid buffer size "X"`,
    /// `invalid compression level "X"`, `invalid flush time "X"`, `no buffer
    /// is defined for access_log "X"`, `logs to syslog cannot be buffered`,
    /// `buffered logs cannot have variables in name`, `invalid log level "X"`,
    /// `duplicate log level "X"`, `invalid "levels" "X"`, `invalid keys zone
    /// size "X"`, `keys zone "X" is too small`, `"X" must have "keys_zone"
    /// parameter`, `invalid burst value "X"`, `invalid rate "X"`, `invalid
    /// zone size "X"`, `zone "X" is too small`, `invalid session cache "X"`,
    /// `invalid "open_file_cache" parameter "X"`, and their kin.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     access_log /var/log/nginx/access.log combined flush=5s;
    ///     proxy_cache_path /var/cache/nginx levels=1:3 keys_zone=pages:10m;
    ///     limit_req_zone $binary_remote_addr zone=perip:10m rate=10r/h;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     access_log /var/log/nginx/access.log combined buffer=32k flush=5s;
    ///     proxy_cache_path /var/cache/nginx levels=1:2 keys_zone=pages:10m;
    ///     limit_req_zone $binary_remote_addr zone=perip:10m rate=10r/m;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_log_module.html#access_log>
    /// - <https://nginx.org/en/docs/ngx_core_module.html#error_log>
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache_path>
    /// - <https://nginx.org/en/docs/http/ngx_http_limit_req_module.html>
    pub struct InvalidDirectiveParameter {
        name: "invalid-directive-parameter",
        category: Correctness,
        severity: Error,
        summary: "a parameter of access_log, proxy_cache_path, limit_req and kin that nginx refuses",
        pass: &[
            "events {}\nhttp { access_log /tmp/a.log combined buffer=32k gzip=5 flush=5s if=$uri; access_log /tmp/b.log combined flush=1m gzip; error_log /tmp/e.log debug_http debug_core; proxy_cache_path /tmp/c levels=1:2:2 keys_zone=z:1m inactive=10 max_size=1g manager_sleep=50ms use_temp_path=off; limit_req_zone $binary_remote_addr zone=one:32k rate=10r/m; limit_conn_zone $binary_remote_addr zone=c:1m; open_file_cache max=10 inactive=20s; open_log_file_cache max=5 min_uses=2 valid=1m; ssl_session_cache shared:SSL:10m builtin:1000; add_header X-A b always; proxy_bind 127.0.0.1 transparent; upstream u { zone u 64k; hash $uri consistent; server 127.0.0.1:81; } upstream r { random two least_conn; server 127.0.0.1:82; } server { limit_req zone=one burst=5 nodelay; } }\n",
            "events {}\nstream { access_log /tmp/s.log basic buffer=8k; log_format basic '$remote_addr'; }\n",
        ],
        fail: &[
            "events {}\nhttp { access_log /tmp/a.log combined flush=5s; }\n",
            "events {}\nhttp { access_log /tmp/$host.log combined buffer=32k; }\n",
            "events {}\nhttp { access_log off combined; }\n",
            "events {}\nhttp { error_log /tmp/e.log warn debug_http; }\n",
            "events {}\nhttp { proxy_cache_path /tmp/c levels=1:3 keys_zone=z:1m; }\n",
            "events {}\nhttp { fastcgi_cache_path /tmp/c levels=1:2; }\n",
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=one:10m rate=1r/h; }\n",
            "events {}\nhttp { limit_conn_zone $binary_remote_addr zone=c:31k; }\n",
            "events {}\nhttp { server { limit_req burst=5; } }\n",
            "events {}\nhttp { ssl_session_cache shared:SSL; }\n",
            "events {}\nhttp { open_file_cache inactive=20s; }\n",
            "events {}\nhttp { add_header X-A b ALWAYS; }\n",
            "events {}\nhttp { upstream u { random two least_time=header; server 127.0.0.1:81; } }\n",
            "events {}\nhttp { upstream u { zone u 16k; server 127.0.0.1:81; } }\n",
            "events {}\nhttp { server { location / { limit_except GET TRACE { deny all; } } } }\n",
        ],
    }
}

const DIRECTIVES: &[&str] = &[
    "access_log",
    "error_log",
    "proxy_cache_path",
    "fastcgi_cache_path",
    "uwsgi_cache_path",
    "scgi_cache_path",
    "limit_req",
    "limit_req_zone",
    "limit_conn_zone",
    "open_file_cache",
    "open_log_file_cache",
    "ssl_session_cache",
    "hash",
    "random",
    "zone",
    "add_header",
    "add_trailer",
    "proxy_bind",
    "fastcgi_bind",
    "uwsgi_bind",
    "scgi_bind",
    "memcached_bind",
    "grpc_bind",
    "limit_except",
    "fastcgi_param",
    "uwsgi_param",
    "scgi_param",
];

/// A problem: the argument to point at (None: the whole directive), and
/// nginx's message.
type Problem = (Option<usize>, String);

impl Rule for InvalidDirectiveParameter {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, DIRECTIVES) {
            let Status::Found(spec) = inst.status else { continue };
            if d.has_block() != (d.name() == "limit_except") {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            if !spec.arity.accepts(args.len()) {
                continue; // invalid-argument-count reports it
            }
            let name = d.name();
            let Some((at, message)) = problem(name, args) else { continue };
            let span = match at {
                Some(i) => args[i].span,
                None => d.head_span(),
            };
            out.push(Finding::new(span, message).help(help(name)));
        }
    }
}

fn help(name: &str) -> String {
    let text = match name {
        "access_log" => "access_log PATH [FORMAT [buffer=SIZE] [gzip[=1..9]] [flush=TIME] [if=CONDITION]]; flush needs a buffer (gzip gives one of 64k)",
        "error_log" => "error_log FILE [LEVEL]: one of debug, info, notice, warn, error, crit, alert, emerg; or debug_core, debug_http, ... alone",
        "limit_req" => "limit_req zone=NAME [burst=N] [nodelay | delay=N]",
        "limit_req_zone" => "limit_req_zone KEY zone=NAME:SIZE rate=Nr/s (or Nr/m); a zone holds at least 32k",
        "limit_conn_zone" => "limit_conn_zone KEY zone=NAME:SIZE; a zone holds at least 32k",
        "open_file_cache" => "open_file_cache off | max=N [inactive=TIME]",
        "open_log_file_cache" => "open_log_file_cache off | max=N [inactive=TIME] [min_uses=N] [valid=TIME]",
        "ssl_session_cache" => "ssl_session_cache off | none | [builtin[:N]] [shared:NAME:SIZE] (a shared cache holds at least 32k)",
        "hash" => "hash KEY [consistent]",
        "random" => "random [two [least_conn]]",
        "zone" => "zone NAME [SIZE]; an upstream zone holds at least 32k",
        "limit_except" => "methods: GET HEAD POST PUT DELETE MKCOL COPY MOVE OPTIONS PROPFIND PROPPATCH LOCK UNLOCK PATCH",
        "fastcgi_param" | "uwsgi_param" | "scgi_param" => "the only third parameter is `if_not_empty`",
        "add_header" | "add_trailer" => "the only third parameter is `always` (lower case)",
        n if n.ends_with("_bind") => "the only second parameter is `transparent`",
        _ => return format!("{name} PATH [levels=1:2] keys_zone=NAME:SIZE [inactive=TIME] [max_size=SIZE] [min_free=SIZE] [use_temp_path=on|off] [manager_files=N] [manager_sleep=TIME] [manager_threshold=TIME] [loader_files=N] [loader_sleep=TIME] [loader_threshold=TIME]"),
    };
    text.to_string()
}

/// The methods `limit_except` knows (compared without case).
const METHODS: [&str; 14] = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "MKCOL",
    "COPY",
    "MOVE",
    "OPTIONS",
    "PROPFIND",
    "PROPPATCH",
    "LOCK",
    "UNLOCK",
    "PATCH",
];

/// A value that parsed and is above zero.
fn positive(v: Option<u64>) -> bool {
    matches!(v, Some(n) if n > 0)
}

fn invalid(i: usize, a: &[Arg]) -> Option<Problem> {
    Some((Some(i), format!("invalid parameter \"{}\"", a[i].as_str())))
}

fn problem(name: &str, a: &[Arg]) -> Option<Problem> {
    match name {
        "access_log" => access_log(a),
        "error_log" => error_log(a),
        "proxy_cache_path" | "fastcgi_cache_path" | "uwsgi_cache_path" | "scgi_cache_path" => cache_path(name, a),
        "limit_req" => limit_req(a),
        "limit_req_zone" | "limit_conn_zone" => zone_decl(name, a),
        "open_file_cache" | "open_log_file_cache" => file_cache(name, a),
        "ssl_session_cache" => session_cache(a),
        "hash" => (a.len() == 2 && a[1].as_str() != "consistent").then(|| invalid(1, a)).flatten(),
        "random" => match a.len() {
            0 => None,
            _ if a[0].as_str() != "two" => invalid(0, a),
            2 if a[1].as_str() != "least_conn" => invalid(1, a),
            _ => None,
        },
        "zone" if a.len() == 2 => match parse_size(a[1].as_str()) {
            None => Some((Some(1), format!("invalid zone size \"{}\"", a[1].as_str()))),
            Some(n) if n < 8 * PAGE => Some((Some(1), format!("zone \"{}\" is too small", a[0].as_str()))),
            _ => None,
        },
        "limit_except" => a
            .iter()
            .position(|m| !METHODS.iter().any(|k| k.eq_ignore_ascii_case(m.as_str())))
            .map(|i| (Some(i), format!("invalid method \"{}\"", a[i].as_str()))),
        "fastcgi_param" | "uwsgi_param" | "scgi_param" => {
            (a.len() == 3 && a[2].as_str() != "if_not_empty").then(|| invalid(2, a)).flatten()
        }
        "add_header" | "add_trailer" => (a.len() == 3 && a[2].as_str() != "always").then(|| invalid(2, a)).flatten(),
        _ if name.ends_with("_bind") => {
            (a.len() == 2 && a[1].as_str() != "transparent").then(|| invalid(1, a)).flatten()
        }
        _ => None,
    }
}

fn access_log(a: &[Arg]) -> Option<Problem> {
    let path = a.first()?.as_str();
    if path == "off" {
        return if a.len() > 1 { invalid(1, a) } else { None };
    }
    let (mut buffer, mut flush, mut gzip) = (None, None, None);
    for (i, arg) in a.iter().enumerate().skip(2) {
        let v = arg.as_str();
        let bad = |what: &str, s: &str| Some((Some(i), format!("invalid {what} \"{s}\"")));
        if let Some(s) = v.strip_prefix("buffer=") {
            if !positive(parse_size(s)) {
                return bad("buffer size", s);
            }
            buffer = Some(i);
        } else if let Some(s) = v.strip_prefix("flush=") {
            if !positive(parse_time(s, true)) {
                return bad("flush time", s);
            }
            flush = Some(i);
        } else if v == "gzip" {
            gzip = Some(i);
        } else if let Some(s) = v.strip_prefix("gzip=") {
            if !parse_number(s).is_some_and(|n| (1..=9).contains(&n)) {
                return bad("compression level", s);
            }
            gzip = Some(i);
        } else if !v.starts_with("if=") {
            return invalid(i, a);
        }
    }
    if let (Some(f), None, None) = (flush, buffer, gzip) {
        return Some((Some(f), format!("no buffer is defined for access_log \"{path}\"")));
    }
    let buffered = buffer.or(gzip).or(flush)?;
    if path.starts_with("syslog:") {
        return Some((Some(buffered), "logs to syslog cannot be buffered".to_string()));
    }
    if a[0].has_variables() {
        return Some((Some(0), "buffered logs cannot have variables in name".to_string()));
    }
    None
}

fn error_log(a: &[Arg]) -> Option<Problem> {
    const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"];
    const DEBUG: [&str; 7] =
        ["debug_core", "debug_alloc", "debug_mutex", "debug_event", "debug_http", "debug_mail", "debug_stream"];
    let (mut any, mut level) = (false, false);
    for (i, arg) in a.iter().enumerate().skip(1) {
        let v = arg.as_str();
        if LEVELS.contains(&v) {
            if any {
                return Some((Some(i), format!("duplicate log level \"{v}\"")));
            }
            level = true;
        } else if !DEBUG.contains(&v) || level {
            return Some((Some(i), format!("invalid log level \"{v}\"")));
        }
        any = true;
    }
    None
}

/// `levels=1:2`: up to three levels of one or two characters each.
fn levels_ok(s: &str) -> bool {
    s.is_empty() || {
        let parts: Vec<&str> = s.split(':').collect();
        parts.len() <= 3 && parts.iter().all(|p| *p == "1" || *p == "2")
    }
}

fn cache_path(name: &str, a: &[Arg]) -> Option<Problem> {
    let mut zone = false;
    for (i, arg) in a.iter().enumerate().skip(1) {
        let v = arg.as_str();
        let (key, s) = v.split_once('=').unwrap_or((v, ""));
        let whole = |what: &str| Some((Some(i), format!("invalid {what} value \"{v}\"")));
        match key {
            _ if !v.contains('=') => return invalid(i, a),
            "levels" if !levels_ok(s) => return Some((Some(i), format!("invalid \"levels\" \"{v}\""))),
            "levels" => {}
            "use_temp_path" if s != "on" && s != "off" => {
                return Some((Some(i), format!("invalid use_temp_path value \"{v}\", it must be \"on\" or \"off\"")));
            }
            "use_temp_path" => {}
            "keys_zone" => match zone_spec(i, v, s, 2 * PAGE, "keys zone") {
                Ok(named) => zone = named,
                Err(p) => return Some(p),
            },
            "inactive" if parse_time(s, false).is_none() => return whole("inactive"),
            "max_size" | "min_free" if parse_offset(s).is_none() => return whole(key),
            "manager_files" | "loader_files" if parse_number(s).is_none() => return whole(key),
            "manager_sleep" | "manager_threshold" | "loader_sleep" | "loader_threshold"
                if parse_time(s, true).is_none() =>
            {
                return whole(key)
            }
            "inactive" | "max_size" | "min_free" | "manager_files" | "loader_files" | "manager_sleep"
            | "manager_threshold" | "loader_sleep" | "loader_threshold" => {}
            _ => return invalid(i, a),
        }
    }
    (!zone).then(|| (None, format!("\"{name}\" must have \"keys_zone\" parameter")))
}

fn limit_req(a: &[Arg]) -> Option<Problem> {
    let mut zone = false;
    for (i, arg) in a.iter().enumerate() {
        let v = arg.as_str();
        if v.starts_with("zone=") {
            // An empty name is still a zone to nginx (invalid-shared-zone
            // reports its zero size).
            zone = true;
        } else if let Some(s) = v.strip_prefix("burst=") {
            if !positive(parse_number(s)) {
                return Some((Some(i), format!("invalid burst value \"{v}\"")));
            }
        } else if let Some(s) = v.strip_prefix("delay=") {
            if !positive(parse_number(s)) {
                return Some((Some(i), format!("invalid delay value \"{v}\"")));
            }
        } else if v != "nodelay" {
            return invalid(i, a);
        }
    }
    (!zone).then(|| (None, "\"limit_req\" must have \"zone\" parameter".to_string()))
}

/// `NAME:SIZE` of a shared zone (argument `i`, written `v`): whether it
/// names the zone, or nginx's complaint about the size.
fn zone_spec(i: usize, v: &str, spec: &str, min: u64, what: &str) -> Result<bool, Problem> {
    let Some((zname, size)) = spec.split_once(':') else {
        return Err((Some(i), format!("invalid {what} size \"{v}\"")));
    };
    match parse_size(size) {
        None => Err((Some(i), format!("invalid {what} size \"{v}\""))),
        Some(n) if n < min => Err((Some(i), format!("{what} \"{v}\" is too small"))),
        _ => Ok(!zname.is_empty()),
    }
}

/// `limit_req_zone KEY zone=NAME:SIZE rate=R` and `limit_conn_zone KEY zone=NAME:SIZE`.
fn zone_decl(name: &str, a: &[Arg]) -> Option<Problem> {
    let mut zone = false;
    for (i, arg) in a.iter().enumerate().skip(1) {
        let v = arg.as_str();
        if let Some(s) = v.strip_prefix("zone=") {
            match zone_spec(i, v, s, 8 * PAGE, "zone") {
                Ok(named) => zone = named,
                Err(p) => return Some(p),
            }
        } else if let (Some(s), "limit_req_zone") = (v.strip_prefix("rate="), name) {
            let n = s.strip_suffix("r/s").or_else(|| s.strip_suffix("r/m")).unwrap_or(s);
            if !positive(parse_number(n)) {
                return Some((Some(i), format!("invalid rate \"{v}\"")));
            }
        } else {
            return invalid(i, a);
        }
    }
    (!zone).then(|| (None, format!("\"{name}\" must have \"zone\" parameter")))
}

/// `open_file_cache` and `open_log_file_cache`.
fn file_cache(name: &str, a: &[Arg]) -> Option<Problem> {
    let log = name == "open_log_file_cache";
    let (mut max, mut off) = (false, false);
    for (i, arg) in a.iter().enumerate() {
        let v = arg.as_str();
        let (key, s) = v.split_once('=').unwrap_or((v, ""));
        let ok = match key {
            "off" if !v.contains('=') => {
                off = true;
                true
            }
            // open_log_file_cache max=0 counts as no max.
            "max" if log => parse_number(s).inspect(|n| max |= *n > 0).is_some(),
            "max" => {
                parse_number(s).is_some_and(|n| n > 0) && {
                    max = true;
                    true
                }
            }
            "inactive" => parse_time(s, false).is_some(),
            "min_uses" if log => parse_number(s).is_some(),
            "valid" if log => parse_time(s, false).is_some(),
            _ => false,
        };
        if !ok {
            return Some((Some(i), format!("invalid \"{name}\" parameter \"{v}\"")));
        }
    }
    if max || off {
        return None;
    }
    let the = if log { "" } else { "the " };
    Some((None, format!("\"{name}\" must have {the}\"max\" parameter")))
}

fn session_cache(a: &[Arg]) -> Option<Problem> {
    for (i, arg) in a.iter().enumerate() {
        let v = arg.as_str();
        let bad = || Some((Some(i), format!("invalid session cache \"{v}\"")));
        if matches!(v, "off" | "none" | "builtin") {
            continue;
        }
        if let Some(n) = v.strip_prefix("builtin:") {
            if parse_number(n).is_none() {
                return bad();
            }
        } else if let Some(rest) = v.strip_prefix("shared:") {
            let Some((zname, size)) = rest.split_once(':') else { return bad() };
            match parse_size(size) {
                _ if zname.is_empty() => return bad(),
                None => return bad(),
                Some(n) if n < 8 * PAGE => return Some((Some(i), format!("session cache \"{v}\" is too small"))),
                _ => {}
            }
        } else {
            return bad();
        }
    }
    None
}

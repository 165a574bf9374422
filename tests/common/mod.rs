//! Helpers shared by the tests that read `../shared` (skipped when absent).
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` beside the repository, if present.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared not found (these tests need the shared corpus and oracle)");
        None
    }
}

/// `../shared/oracle/nginx-oracle`, when it can run here: `../shared` is
/// present, nginx is installed, and we are root (its sandbox needs it).
pub fn oracle() -> Option<PathBuf> {
    let shared = shared()?;
    if !std::path::Path::new("/usr/sbin/nginx").exists() {
        eprintln!("skipping: nginx is not installed (sh ../shared/oracle/install-nginx.sh installs it)");
        return None;
    }
    let uid = std::process::Command::new("id").arg("-u").output();
    if uid.ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).as_deref() != Some("0") {
        eprintln!("skipping: the nginx oracle's sandbox needs root");
        return None;
    }
    Some(shared.join("oracle/nginx-oracle"))
}

/// nginx messages that are syntax-class (see shared/corpus/VERDICTS.md).
pub fn is_syntax_message(m: &str) -> bool {
    (m.starts_with("unexpected ") && !m.ends_with(" in condition"))
        || m.starts_with("too long parameter")
        || m.starts_with("too long lua code block")
        || m.starts_with("Lua code block missing")
        || m.starts_with("invalid number of arguments in ")
        || m.ends_with(" directive is not allowed here")
        || (m.starts_with("directive \"")
            && (m.ends_with("is not terminated by \";\"") || m.ends_with("has no opening \"{\"")))
}

/// nginx messages (not syntax-class) that ngxlint's rules claim to reproduce:
/// a config rejected with one of these must get an error on nginx's line.
pub fn is_covered_message(m: &str) -> bool {
    is_syntax_message(m)
        || m.starts_with("unknown directive ")
        || (m.starts_with("invalid value \"") && m.contains(" directive, it must be \"on\" or \"off\""))
        || m.ends_with(" directive invalid value")
        || m.ends_with(" directive is duplicate")
        || m.starts_with("duplicate location ")
        || m.starts_with("duplicate upstream ")
        || m.starts_with("invalid location modifier ")
        || m.starts_with("there must be at least 2 ")
        || m.starts_with("pcre2_compile() failed: ")
        || (m.starts_with("invalid port in \"") && m.ends_with("of the \"listen\" directive"))
        || m.starts_with("a duplicate listen ")
        || m.starts_with("a duplicate default server for ")
        || m.starts_with("duplicate listen options for ")
        || m == "duplicate default map parameter"
        || m.starts_with("conflicting parameter \"")
        || (m.contains("_busy_buffers_size\" must be ") || m.contains("_temp_file_write_size\" must be equal"))
        || (m.starts_with("open() ") && m.contains("(2: No such file or directory)"))
        || (m.starts_with("unknown \"") && m.ends_with("\" variable"))
        || m.starts_with("invalid port in upstream \"")
        || m.starts_with("invalid host in upstream \"")
        || m.starts_with("no port in upstream \"")
        || m.starts_with("balancing method does not support parameter \"")
        || m.starts_with("zero size shared memory zone \"")
        || m == "no \"events\" section in configuration"
        || (m.starts_with('"') && m.contains("_cache\" zone \"") && m.ends_with("\" is unknown"))
        || (m.starts_with("the shared memory zone \"") && m.ends_with("\" is already declared for a different use"))
        || (m.starts_with("the size ") && m.contains(" of shared memory zone \""))
        || (m.starts_with("limit_") && m.contains("_zone \"") && m.contains("\" is already bound to key \""))
        || m.starts_with("duplicate zone \"")
        || (m.starts_with("location \"") && m.contains("\" cannot be inside the "))
        || (m.starts_with("named location \"") && m.ends_with("\" can be on the server level only"))
        || (m.starts_with("location \"") && m.contains("\" is outside location \""))
        || m == "invalid variable name"
        || (m.starts_with("the closing bracket in \"") && m.ends_with("\" variable is missing"))
        || m.starts_with("unknown log format \"")
        || m.starts_with("duplicate \"log_format\" name \"")
        || m == "no servers are inside upstream"
        || m.starts_with("invalid return code \"")
        || m == "invalid URL prefix"
        || (m.starts_with("value \"") && m.ends_with("\" must be between 300 and 599"))
        || m.starts_with("invalid variable name \"")
        || (m.ends_with(" directive was specified earlier") && m.contains(" directive is duplicate, "))
        || m.starts_with("no host in upstream \"")
        || m.starts_with("no path in the unix domain socket in upstream \"")
        || m == "no \"events\" section in configuration"
        || m == "no \"listen\" is defined for server"
        || m == "unknown mail protocol for server"
        || m == "no \"auth_http\" is defined for server"
        || m.starts_with("no \"ssl_certificate\" is defined for the \"")
        || m.starts_with("no \"ssl_certificate_key\" is defined for certificate \"")
        || m.starts_with("invalid condition \"")
        || (m.starts_with("unexpected \"") && m.ends_with("\" in condition"))
        || m.starts_with("\"proxy_pass\" cannot have URI part in location given by regular expression")
        || is_parameter_message(m)
        || m == "the \"alias\" directive cannot be used inside the named location"
        // enum slots and handlers that read a number (invalid-directive-value)
        || m.starts_with("invalid value \"")
        || m.starts_with("invalid number \"")
        || m.ends_with(" directive invalid number")
        || m.starts_with("invalid method \"")
        || m == "invalid number of the map parameters"
        || m == "invalid number of the geo parameters"
        || m.starts_with("invalid network \"")
        || m.starts_with("invalid range \"")
}

/// The texts of invalid-directive-parameter (access_log, error_log, cache
/// paths, limit_req and kin), and `invalid parameter "X"`, which nginx also
/// gives for listen, rewrite and upstream servers (checked by their rules).
fn is_parameter_message(m: &str) -> bool {
    const PREFIXES: [&str; 18] = [
        "invalid parameter \"",
        "invalid buffer size \"",
        "invalid compression level \"",
        "invalid flush time \"",
        "no buffer is defined for access_log \"",
        "invalid log level \"",
        "duplicate log level \"",
        "invalid \"levels\" \"",
        "invalid keys zone size \"",
        "keys zone \"",
        "invalid burst value \"",
        "invalid delay value \"",
        "invalid rate \"",
        "invalid zone size \"",
        "invalid session cache \"",
        "session cache \"",
        "invalid \"open_file_cache\" parameter \"",
        "invalid \"open_log_file_cache\" parameter \"",
    ];
    PREFIXES.iter().any(|p| m.starts_with(p))
        || m == "logs to syslog cannot be buffered"
        || m == "buffered logs cannot have variables in name"
        || (m.starts_with("zone \"") && m.ends_with("\" is too small"))
        || (m.starts_with("invalid ") && m.contains(" value \"") && m.contains('='))
        || (m.starts_with('"')
            && (m.ends_with(" must have \"keys_zone\" parameter") || m.ends_with(" must have \"zone\" parameter")))
        || m.ends_with(" must have the \"max\" parameter")
        || m.ends_with(" must have \"max\" parameter")
}

/// Messages about the machine nginx runs on, not the configuration text: a
/// static tool cannot know them (DNS, addresses of this host, certificate and
/// log files, users). Counted in their own column.
pub fn is_environment_message(m: &str) -> bool {
    m.starts_with("host not found in ")
        || (m.starts_with("bind() to ") && m.contains(" failed ("))
        || m.starts_with("cannot load certificate")
        || m.starts_with("getpwnam(")
        || m.starts_with("getgrnam(")
        || m.starts_with("mkdir() ")
        || m.starts_with("ngx_slab_alloc() failed")
        || m.starts_with("open() ")
        || m.contains("(13: Permission denied)")
}

/// The first message that decides a rejection: the first `emerg`, else the
/// first `crit` (a `pread()` of a directory), else the harness's own note that
/// nginx crashed.
pub fn deciding_message(verdict: &serde_json::Value) -> Option<&serde_json::Value> {
    let msgs = verdict["messages"].as_array()?;
    ["emerg", "crit", "harness"].iter().find_map(|lvl| msgs.iter().find(|m| m["level"] == *lvl))
}

/// Unlocated messages ngxlint words its own way: the rule expected to report
/// them (matched by rule, not by text).
pub fn rule_for_unlocated(m: &str) -> Option<&'static str> {
    if m.starts_with("pread() ") && m.ends_with("(21: Is a directory)") {
        Some("include-unreadable")
    } else if m.starts_with("nginx was killed by signal") {
        // nginx crashes on a file that includes itself; any error will do.
        Some("*")
    } else if m.ends_with(" listening sockets") && m.contains(" worker_connections are not enough for ") {
        Some("worker-connections-too-few")
    } else {
        None
    }
}

/// A short shape of a message for tallies: quoted parts and numbers elided.
pub fn message_shape(m: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in m.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("\"…\"");
                }
            }
            _ if quoted => {}
            '0'..='9' if !out.ends_with('N') => out.push('N'),
            '0'..='9' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Messages nginx gives without a file and line (checked after parsing):
/// matched by message.
pub fn is_unlocated_message(m: &str) -> bool {
    (m.starts_with("unknown \"") && m.ends_with("\" variable"))
        || m.starts_with("zero size shared memory zone \"")
        || m.starts_with("no \"ssl_certificate_key\" is defined for certificate \"")
        || m == "no \"events\" section in configuration"
}

/// Merge-time messages: nginx names the closing `}` of http; ngxlint points at
/// the directive to change, so these are matched by message, not line.
pub fn is_merge_time_message(m: &str) -> bool {
    m.starts_with("there must be at least 2 ")
        // proxy_set_header, fastcgi_param & co. are compiled when merged.
        || m == "invalid variable name"
        || (m.starts_with("the closing bracket in \"") && m.ends_with("\" variable is missing"))
        || (m.starts_with('"') && m.contains("_cache\" zone \"") && m.ends_with("\" is unknown"))
        || m.contains("_busy_buffers_size\" must be ")
        || m.contains("_temp_file_write_size\" must be equal")
}

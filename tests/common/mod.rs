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
/// (`invalid parameter "X"` is left out: ngxlint checks it for `listen` and
/// `rewrite` only, while nginx also says it for upstream `server` and more.)
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

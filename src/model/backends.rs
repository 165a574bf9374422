//! Declared backends: what the user says actually listens (`--backend`,
//! PHP-FPM pool files), and matching `*_pass` targets against them.

use crate::lint::Backend;
use crate::model::graph::is_loopback;

/// Parses `--backend NAME=ADDRESS`.
pub fn parse_flag(s: &str) -> Result<Backend, String> {
    match s.split_once('=') {
        Some((name, addr)) if !name.is_empty() && !addr.is_empty() => {
            Ok(Backend { name: name.to_string(), address: addr.to_string(), source: "--backend".to_string() })
        }
        _ => Err(format!("--backend takes NAME=ADDRESS (host:port or unix:/path), got \"{s}\"")),
    }
}

/// The `listen =` addresses of a PHP-FPM pool file (one per `[pool]` section).
pub fn parse_fpm_pool(text: &str, source: &str) -> Vec<Backend> {
    let mut pool = String::from("www");
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(';') || line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            pool = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        if key.trim() != "listen" {
            continue;
        }
        let v = value.trim().trim_matches('"').trim_matches('\'');
        // PHP-FPM substitutes $pool in values.
        let v = v.replace("$pool", &pool);
        let address = if v.starts_with('/') { format!("unix:{v}") } else { v };
        out.push(Backend { name: format!("PHP-FPM pool {pool}"), address, source: source.to_string() });
    }
    out
}

/// A normalised address: `unix:/path`, or (host, port) with this machine as `localhost`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    Unix(String),
    Inet { host: Option<String>, port: Option<u16> },
}

/// Parses `host:port`, `[v6]:port`, a bare port (any host), `unix:/path` or `/path`.
pub fn parse_addr(s: &str) -> Addr {
    let s = s.trim();
    if let Some(p) = s.strip_prefix("unix:") {
        return Addr::Unix(p.to_string());
    }
    if s.starts_with('/') {
        return Addr::Unix(s.to_string());
    }
    if let Ok(p) = s.parse::<u16>() {
        return Addr::Inet { host: None, port: Some(p) };
    }
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, t)) => (h, t.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (v6, None),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, p.parse().ok()),
            _ => (s, None),
        }
    };
    Addr::Inet { host: Some(norm_host(host)), port }
}

fn norm_host(h: &str) -> String {
    let h = h.to_ascii_lowercase();
    if is_loopback(&h) && !matches!(h.as_str(), "0.0.0.0" | "::") {
        "localhost".into()
    } else {
        h
    }
}

/// True when a target (`host`, `port`) or unix path is served by the declared address.
pub fn serves(declared: &Addr, host: &str, port: Option<u16>, unix: Option<&str>) -> bool {
    match (declared, unix) {
        (Addr::Unix(p), Some(u)) => p == u,
        (Addr::Inet { host: dh, port: dp }, None) => {
            let h = norm_host(host);
            // A wildcard listen serves every address of the machine.
            let host_ok = match dh.as_deref() {
                None | Some("0.0.0.0" | "::" | "*") => true,
                Some(d) => d == h,
            };
            host_ok && (dp.is_none() || *dp == port)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_and_matching() {
        let b = parse_fpm_pool("[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n;listen = 9000\n[api]\nlisten = 127.0.0.1:9001\n", "www.conf");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].address, "unix:/run/php/php8.2-fpm.sock");
        assert_eq!(b[1].name, "PHP-FPM pool api");
        assert!(serves(&parse_addr(&b[1].address), "localhost", Some(9001), None));
        assert!(!serves(&parse_addr(&b[0].address), "", None, Some("/run/php/php7.4-fpm.sock")));
        assert!(serves(&parse_addr("9000"), "127.0.0.1", Some(9000), None));
        assert!(!serves(&parse_addr("10.0.0.2:8080"), "10.0.0.3", Some(8080), None));
    }
}

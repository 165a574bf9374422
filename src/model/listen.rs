//! `listen` sockets as nginx reads them (ngx_http_core_listen).

/// One parsed `listen` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// The socket in nginx's own notation: `0.0.0.0:8080`, `[::]:443`,
    /// `127.0.0.1:80`, `unix:/run/x.sock`, or `host:port` for names.
    pub socket: String,
    pub port: Option<u16>,
    pub default_server: bool,
    pub ssl: bool,
    pub http2: bool,
    pub proxy_protocol: bool,
    /// Options that only the socket's first listen may set (backlog, rcvbuf...).
    pub bind_options: bool,
    /// QUIC (HTTP/3): a UDP socket, distinct from the TCP one on the same port.
    pub quic: bool,
}

impl Listen {
    /// Identity of the socket: address, port and transport.
    pub fn key(&self) -> String {
        if self.quic {
            format!("{}/udp", self.socket)
        } else {
            self.socket.clone()
        }
    }
}

/// A problem nginx reports for a `listen`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenError {
    /// `invalid port in "X" of the "listen" directive` (index of the argument).
    InvalidPort(usize),
    /// `invalid parameter "X"` (index of the argument).
    InvalidParameter(usize),
}

/// Parameters that bind the socket with its own options.
const BIND_OPTIONS: [&str; 11] = [
    "backlog=",
    "rcvbuf=",
    "sndbuf=",
    "setfib=",
    "fastopen=",
    "accept_filter=",
    "deferred",
    "bind",
    "ipv6only=",
    "reuseport",
    "so_keepalive=",
];

/// Parses the arguments of an http `listen`.
pub fn parse(args: &[&str]) -> Result<Listen, ListenError> {
    let first = args.first().copied().unwrap_or("");
    let (socket, port) = parse_address(first).ok_or(ListenError::InvalidPort(0))?;
    let mut l = Listen {
        socket,
        port,
        default_server: false,
        ssl: false,
        http2: false,
        proxy_protocol: false,
        bind_options: false,
        quic: false,
    };
    for (i, p) in args.iter().enumerate().skip(1) {
        match *p {
            "default_server" | "default" => l.default_server = true,
            "ssl" => l.ssl = true,
            "http2" => l.http2 = true,
            "quic" => l.quic = true,
            "proxy_protocol" => l.proxy_protocol = true,
            p if BIND_OPTIONS.iter().any(|o| if o.ends_with('=') { p.starts_with(o) } else { p == *o }) => {
                l.bind_options = true
            }
            _ => return Err(ListenError::InvalidParameter(i)),
        }
    }
    Ok(l)
}

/// `8080`, `*:8080`, `127.0.0.1`, `[::1]:443`, `unix:/path`, `name:80`.
pub fn parse_address(s: &str) -> Option<(String, Option<u16>)> {
    if s.starts_with("unix:") {
        return Some((s.to_string(), None));
    }
    let port_of =
        |p: &str| -> Option<u16> { p.parse::<u32>().ok().filter(|n| (1..=65535).contains(n)).map(|n| n as u16) };
    if let Some(rest) = s.strip_prefix('[') {
        let (host, tail) = rest.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => port_of(p)?,
            None if tail.is_empty() => 80,
            None => return None,
        };
        let host = if host == "::" || host == "0:0:0:0:0:0:0:0" { "::" } else { host };
        return Some((format!("[{host}]:{port}"), Some(port)));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let port = port_of(s)?;
        return Some((format!("0.0.0.0:{port}"), Some(port)));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, port_of(p)?),
        None => (s, 80),
    };
    let host = if host == "*" || host.is_empty() { "0.0.0.0" } else { host };
    Some((format!("{host}:{port}"), Some(port)))
}

/// The socket of a server without `listen` (nginx's default, as root).
pub const DEFAULT_SOCKET: &str = "0.0.0.0:80";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse(&["8080"]).unwrap().socket, "0.0.0.0:8080");
        assert_eq!(parse(&["*:443", "ssl"]).unwrap().socket, "0.0.0.0:443");
        assert_eq!(parse(&["127.0.0.1"]).unwrap().socket, "127.0.0.1:80");
        assert_eq!(parse(&["[::]:80", "ipv6only=on"]).unwrap().socket, "[::]:80");
        assert_eq!(parse(&["unix:/run/a.sock"]).unwrap().socket, "unix:/run/a.sock");
        assert!(parse(&["8080", "default_server", "ssl", "http2", "backlog=511"]).unwrap().bind_options);
        assert_eq!(parse(&["99999"]), Err(ListenError::InvalidPort(0)));
        assert_eq!(parse(&["80", "defualt_server"]), Err(ListenError::InvalidParameter(1)));
    }
}

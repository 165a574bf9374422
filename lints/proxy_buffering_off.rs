use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{Model, Pass, PassKind};
use crate::model::tree::InstId;

use super::long_lived_default_timeout::{path_word, STREAM_WORDS};

declare_rule! {
    /// ## What it does
    /// Reports a written `proxy_buffering off` (or `fastcgi_buffering`,
    /// `uwsgi_buffering`, `scgi_buffering off`) that applies to a location
    /// anyone can reach: one that passes requests on, is not `internal`, has
    /// no `deny`, `auth_basic` or `auth_request` in effect, and belongs to a
    /// server that does not listen only on loopback, private addresses or
    /// unix sockets.
    ///
    /// Streaming locations, which need unbuffered responses, are left
    /// alone: those that pass an `Upgrade` header on (WebSocket), send
    /// `X-Accel-Buffering`, or whose path names a stream (`/ws`,
    /// `socket.io`, `/events`, `/sse`, `stream`, `/poll`, `signalr`,
    /// `video`, `/hls`, `/media`, Jenkins' `/cli`, ...).
    /// A directive whose includes could not be read is not judged.
    ///
    /// ## Why is this bad?
    /// With buffering on, nginx reads the backend's response as fast as the
    /// backend sends it, frees the backend, and then feeds the client at the
    /// client's pace. With buffering off, the backend connection (and its
    /// worker or thread) stays busy for as long as the slowest client takes
    /// to read the response. A few clients that read very slowly can so hold
    /// every backend worker and take the application down (a slow-read
    /// denial of service), without sending many requests.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         location /api/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_buffering off;
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
    ///         listen 80;
    ///         location /api/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///         }
    ///         location /api/events/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_buffering off;
    ///             proxy_read_timeout 1h;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering>
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_buffering>
    pub struct ProxyBufferingOff {
        name: "proxy-buffering-off",
        category: Security,
        severity: Warning,
        confidence: Low,
        summary: "responses to public clients are not buffered, so slow readers hold backend connections",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:8080; proxy_buffering on; } } }\n",
            "events {}\nhttp { server { location /ws/ { proxy_pass http://127.0.0.1:8080; proxy_buffering off; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } } }\n",
            "events {}\nhttp { proxy_buffering off; server { proxy_set_header Upgrade $http_upgrade; location / { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location /api/v1/streaming { proxy_pass http://127.0.0.1:4000; proxy_buffering off; } location /feed { proxy_pass http://127.0.0.1:4000; proxy_buffering off; add_header X-Accel-Buffering no; } } }\n",
            "events {}\nhttp { server { location /admin/ { allow 10.0.0.0/8; deny all; proxy_pass http://127.0.0.1:8080; proxy_buffering off; } location /r/ { auth_basic on; proxy_pass http://127.0.0.1:8080; proxy_buffering off; } } }\n",
            "events {}\nhttp { server { listen 127.0.0.1:8080; location / { proxy_pass http://127.0.0.1:9000; proxy_buffering off; } } server { listen 10.1.2.3:80; location / { proxy_pass http://127.0.0.1:9000; proxy_buffering off; } } }\n",
            "events {}\nhttp { server { location /x/ { internal; proxy_pass http://127.0.0.1:8080; proxy_buffering off; } location @fallback { proxy_pass http://127.0.0.1:8080; proxy_buffering off; } } }\n",
            "events {}\nhttp { server { location / { proxy_buffering off; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { listen 80; location /api/ { proxy_pass http://127.0.0.1:8080; proxy_buffering off; } } }\n",
            "events {}\nhttp { proxy_buffering off; server { listen 443 ssl; location /ws/ { proxy_pass http://127.0.0.1:8080; proxy_set_header Upgrade $http_upgrade; } location /download/ { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; fastcgi_buffering off; } } }\n",
            "events {}\nhttp { server { location / { allow all; proxy_pass http://127.0.0.1:8080; proxy_buffering off; } } }\n",
        ],
    }
}

/// More words of a path that names a stream, besides the long-lived ones.
pub(crate) const MORE_STREAM_WORDS: [&str; 12] = [
    "stream",
    "signalr",
    "sockjs",
    "tunnel",
    "realtime",
    "/live",
    "/subscribe",
    "/hub",
    "video",
    "/hls",
    "/media",
    // Jenkins' CLI over HTTP is full duplex and needs it off.
    "/cli",
];

/// Per kind of pass: its buffering directive, and the header (or param)
/// that carries a WebSocket upgrade to the backend.
const KINDS: [(PassKind, &str, &str, &str); 4] = [
    (PassKind::Proxy, "proxy_buffering", "proxy_set_header", "Upgrade"),
    (PassKind::Fastcgi, "fastcgi_buffering", "fastcgi_param", "HTTP_UPGRADE"),
    (PassKind::Uwsgi, "uwsgi_buffering", "uwsgi_param", "HTTP_UPGRADE"),
    (PassKind::Scgi, "scgi_buffering", "scgi_param", "HTTP_UPGRADE"),
];

/// True for the addresses of RFC 1918 and unique local networks.
fn private_socket(socket: &str) -> bool {
    let second = |s: &str| s.split('.').nth(1).and_then(|o| o.parse::<u8>().ok());
    socket.starts_with("10.")
        || socket.starts_with("192.168.")
        || (socket.starts_with("172.") && second(socket).is_some_and(|o| (16..32).contains(&o)))
        || socket.starts_with("[fc")
        || socket.starts_with("[fd")
}

/// True when the pass serves streams or is out of the public's reach.
fn exempt(m: &Model<'_>, p: &Pass, header: (&str, &str)) -> bool {
    if m.pair(p.level, header.0, header.1).is_some() || m.pair(p.level, "add_header", "X-Accel-Buffering").is_some() {
        return true;
    }
    // The innermost location: its path, `internal`, or a named location.
    let Some(loc) = m.chain(p.level).find(|&l| m.directive(l).name() == "location") else { return true };
    let Some((path, _)) = m.location_pattern(loc) else { return true };
    let lower = path.to_ascii_lowercase();
    if path.starts_with('@')
        || !m.local(loc, "internal").is_empty()
        || path_word(&lower, STREAM_WORDS.iter().chain(&MORE_STREAM_WORDS)).is_some()
    {
        return true;
    }
    m.restricts_access(p.level)
        || m.listens_locally(p.level)
        || m.server_of(p.level).is_some_and(|s| {
            !s.listens.is_empty()
                && s.listens.iter().all(|(_, l)| private_socket(&l.socket) || l.socket.starts_with("127."))
        })
}

impl Rule for ProxyBufferingOff {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // Each `off` once, with the first public location it applies to.
        let mut hits: Vec<(InstId, &Pass)> = Vec::new();
        let mut seen = rustc_hash::FxHashSet::default();
        // The interned names once: a configuration that never writes one
        // of these directives costs a table look-up per pass.
        let keys = KINDS.map(|(_, name, _, _)| m.key(name));
        for p in &m.passes {
            let Some(i) = KINDS.iter().position(|k| k.0 == p.kind) else { continue };
            let Some(off) = keys[i].and_then(|k| m.effective_key(p.level, k)) else { continue };
            if m.arg(off, 0) != Some("off")
                || seen.contains(&off)
                || m.has_unresolved_include(p.level)
                || exempt(m, p, (KINDS[i].2, KINDS[i].3))
            {
                continue;
            }
            seen.insert(off);
            hits.push((off, p));
        }
        hits.sort_unstable_by_key(|&(off, _)| off);
        for (off, pass) in hits {
            let name = m.directive(off).name();
            let mut f = Finding::new(
                m.span(off),
                format!("{name} off on a public location lets slow clients hold backend connections"),
            )
            .help(format!(
                "remove `{name} off;` (buffering is on by default), or keep it only in the streaming locations that need it"
            ));
            if m.parent(off) != Some(pass.level) {
                f = f.label(m.span(pass.inst), "a public location that passes responses on unbuffered");
            }
            out.push(f);
        }
    }
}

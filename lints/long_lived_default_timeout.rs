use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::{Model, Pass, PassKind};
use crate::model::tree::InstId;
use crate::model::values::{parse_offset, parse_time};

declare_rule! {
    /// ## What it does
    /// Reports proxied, FastCGI, uwsgi and gRPC locations that hold requests
    /// open for long, but whose effective read timeout is nginx's default of
    /// 60 seconds (or shorter than the `min-timeout` option):
    ///
    /// - WebSocket locations (an `Upgrade` header is passed on, and the
    ///   `Connection` header is not set to a fixed value other than
    ///   `upgrade`, such as `""`), server-sent
    ///   events and long polling (`proxy_buffering off` set for the
    ///   location, not for a whole server, `X-Accel-Buffering: no`, or a
    ///   path such as `/ws`, `/socket.io`, `/events`, `/sse`, `/poll`);
    /// - upload style endpoints (a path such as `/upload` or `/import`, a
    ///   location-level `client_max_body_size` of 100m or more, or
    ///   `proxy_request_buffering off`), where a send timeout set below
    ///   `min-timeout` counts as well, and export style ones (`/export`,
    ///   `/backup`, `/report`).
    ///
    /// Path words match whole: `/ws` marks `/ws/` and `/ws$`, not
    /// `/ws-api/`; `/poll` not `/polls/`.
    ///
    /// The finding points at the timeout directive when the location itself
    /// sets one too low, otherwise at the location (that lacks one, or
    /// inherits a low one that suits the other locations: the inherited
    /// directive is labelled), and labels its `*_pass` directive and what
    /// marked the location as long-lived. A location without any timeout is
    /// marked from its head to the `*_pass` that waits on the backend, when
    /// the two are in one file.
    ///
    /// ## Why is this bad?
    /// nginx closes an idle WebSocket or event stream after the read timeout
    /// and answers a slow export with 504 Gateway Timeout ("upstream timed
    /// out (110: Connection timed out) while reading response header").
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /ws/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_http_version 1.1;
    ///             proxy_set_header Upgrade $http_upgrade;
    ///             proxy_set_header Connection "upgrade";
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
    ///         location /ws/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_http_version 1.1;
    ///             proxy_set_header Upgrade $http_upgrade;
    ///             proxy_set_header Connection "upgrade";
    ///             proxy_read_timeout 1h;
    ///             proxy_send_timeout 1h;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `min-timeout` (time, default `61s`): effective read (and, for
    ///   uploads, send) timeouts below it are reported.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/websocket.html>
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout>
    pub struct LongLivedDefaultTimeout {
        name: "long-lived-default-timeout",
        category: Suspicious,
        severity: Warning,
        summary: "a WebSocket, streaming or upload location keeps a short read timeout",
        pass: &[
            "events {}\nhttp { server { location /api/ { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { proxy_read_timeout 3600s; server { location /ws { proxy_pass http://127.0.0.1:8080; proxy_set_header Upgrade $http_upgrade; } } }\n",
            "events {}\nhttp { server { proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"\"; location / { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location /upload { client_max_body_size 1g; proxy_read_timeout 10m; proxy_send_timeout 10m; proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location /ws-api/ { proxy_pass http://127.0.0.1:8080; } location /polls/ { proxy_pass http://127.0.0.1:8000; } } }\n",
            "events {}\nhttp { server { location /admin/export/ { uwsgi_pass 127.0.0.1:8001; uwsgi_read_timeout 10m; } } }\n",
            "events {}\nhttp { server { location ~ ^/upload\\.php$ { client_max_body_size 10g; fastcgi_request_buffering off; fastcgi_pass unix:/run/php/php8.2-fpm.sock; fastcgi_read_timeout 3600s; } } }\n",
            "events {}\nhttp { server { proxy_buffering off; location / { proxy_pass http://127.0.0.1:9000; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location /ws { proxy_pass http://127.0.0.1:8080; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } } }\n",
            "events {}\nhttp { server { location /events { proxy_buffering off; proxy_read_timeout 30s; proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location /export/ { proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location /files { client_max_body_size 2g; proxy_read_timeout 5m; proxy_send_timeout 10s; proxy_pass http://127.0.0.1:8080; } } }\n",
            "events {}\nhttp { server { location /ws { uwsgi_pass 127.0.0.1:8000; uwsgi_param HTTP_UPGRADE $http_upgrade; uwsgi_buffering off; } } }\n",
            "events {}\nhttp { proxy_read_timeout 30s; server { location / { proxy_pass http://127.0.0.1:3000; } location /api/live/ { proxy_pass http://127.0.0.1:3000; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } } }\n",
        ],
        options: &[crate::lint::RuleOption {
            name: "min-timeout",
            kind: crate::lint::OptionKind::Time,
            default: "61s",
            doc: "effective timeouts below this are reported on long-lived locations",
        }],
    }
}

pub(crate) const STREAM_WORDS: [&str; 9] =
    ["/ws", "websocket", "socket.io", "/cable", "/sse", "/events", "event-stream", "/poll", "longpoll"];
/// Uploads: the request body may take long to pass on, so the send timeout counts too.
const UPLOAD_WORDS: [&str; 2] = ["/upload", "/import"];
/// Exports: the backend may take long to answer (read timeout only).
const EXPORT_WORDS: [&str; 3] = ["/export", "/backup", "/report"];

/// The first of `words` that a lowercase path holds as a whole word: one
/// that starts with `/` must not run on into a longer name (`/ws` is in
/// `/ws/` and `/ws$`, not in `/ws-api` or `/wsdl`; `/poll` not in `/polls`).
pub(crate) fn path_word<'w>(lower: &str, words: impl IntoIterator<Item = &'w &'w str>) -> Option<&'w str> {
    // Paths are short: a plain scan beats setting up a substring searcher
    // per word (2% of a whole run on the 1,000-site tree).
    let h = lower.as_bytes();
    words.into_iter().copied().find(|w| {
        let n = w.as_bytes();
        !n.is_empty()
            && h.len() >= n.len()
            && (0..=h.len() - n.len()).any(|i| {
                h[i..].starts_with(n)
                    && (n[0] != b'/'
                        || !h.get(i + n.len()).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'))
            })
    })
}

/// Why a location is long-lived: (is it an upload-like one, the evidence).
fn long_lived(m: &Model<'_>, p: &Pass) -> Option<(bool, Option<InstId>, String)> {
    let prefix = p.kind.prefix();
    // Headers or params passing Upgrade on.
    let (list, key) = match p.kind {
        PassKind::Proxy => ("proxy_set_header", "Upgrade"),
        PassKind::Fastcgi => ("fastcgi_param", "HTTP_UPGRADE"),
        PassKind::Uwsgi => ("uwsgi_param", "HTTP_UPGRADE"),
        PassKind::Grpc => ("grpc_set_header", "Upgrade"),
        _ => return None,
    };
    // A literal Connection header other than `upgrade` (`Connection ""`
    // for keepalive) means no upgrade can happen, whatever Upgrade says.
    let no_upgrade = match p.kind {
        PassKind::Proxy | PassKind::Grpc => m
            .pair(p.level, list, "Connection")
            .is_some_and(|(_, v)| !v.contains('$') && !v.to_ascii_lowercase().contains("upgrade")),
        _ => false,
    };
    if let Some((id, _)) = m.pair(p.level, list, key).filter(|_| !no_upgrade) {
        return Some((false, Some(id), "WebSocket location (Upgrade is passed on)".into()));
    }
    if let Some((id, v)) = m.value(p.level, &format!("{prefix}_buffering")) {
        // Set for a location: a stream there. Set for a whole server or
        // http block, it is a throughput choice (MinIO's recommended
        // config), not a sign that every location streams.
        let for_location =
            m.parent(id).and_then(|l| m.inner(l)).is_some_and(|c| !matches!(c, Context::Server | Context::Http));
        if v == "off" && for_location {
            return Some((false, Some(id), "streaming location (buffering is off)".into()));
        }
    }
    if let Some((id, _)) = m.pair(p.level, "add_header", "X-Accel-Buffering") {
        return Some((false, Some(id), "streaming location (X-Accel-Buffering)".into()));
    }
    // The location's own path.
    let loc = std::iter::once(p.level).chain(m.chain(p.level)).find(|&l| m.directive(l).name() == "location")?;
    let (path, _) = m.location_pattern(loc)?;
    let lower = path.to_ascii_lowercase();
    if let Some(w) = path_word(&lower, &STREAM_WORDS) {
        return Some((false, Some(loc), format!("long-lived location ({w})")));
    }
    if let Some(w) = path_word(&lower, &UPLOAD_WORDS) {
        return Some((true, Some(loc), format!("slow-request location ({w})")));
    }
    if let Some(w) = path_word(&lower, &EXPORT_WORDS) {
        return Some((false, Some(loc), format!("slow-response location ({w})")));
    }
    if let Some(&id) = m.local(loc, "client_max_body_size").last() {
        if m.arg(id, 0).and_then(parse_offset).is_some_and(|s| s >= 100 << 20) {
            return Some((true, Some(id), "upload location (large client_max_body_size)".into()));
        }
    }
    if let Some(&id) = m.local(loc, &format!("{prefix}_request_buffering")).last() {
        if m.arg(id, 0) == Some("off") {
            return Some((true, Some(id), "upload location (request buffering off)".into()));
        }
    }
    None
}

impl Rule for LongLivedDefaultTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let min = parse_time(cx.option(&Self::META, "min-timeout"), true).unwrap_or(61_000);
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            let Some((slow, evidence, why)) = long_lived(m, p) else { continue };
            if m.has_unresolved_include(p.level) {
                continue; // its values may come from the file that could not be read
            }
            let prefix = p.kind.prefix();
            let mut names = vec![format!("{prefix}_read_timeout")];
            if slow && p.kind != PassKind::Grpc {
                names.push(format!("{prefix}_send_timeout"));
            }
            for name in names {
                let (at, ms) = match m.value(p.level, &name) {
                    Some((id, v)) => (Some(id), parse_time(v, true).unwrap_or(u64::MAX)),
                    // The send timeout runs only while the backend stops
                    // reading the body: its default is reported nowhere.
                    None if name.ends_with("_send_timeout") => continue,
                    None => (None, 60_000),
                };
                if ms >= min {
                    continue;
                }
                // A timeout set too low in the location is the finding; a
                // missing one, or a low one inherited from outside (fine for
                // the other locations), is the location's (its pass and the
                // inherited value are labelled).
                let loc = m.chain(p.level).find(|&l| m.directive(l).name() == "location");
                let inside = |id: InstId| {
                    loc.is_some_and(|loc| std::iter::successors(m.parent(id), |&l| m.parent(l)).any(|l| l == loc))
                };
                let inherited = at.filter(|&id| !inside(id));
                let target = at.filter(|&id| inside(id)).or(loc).or(at).unwrap_or(p.inst);
                if !seen.insert((target, name.clone(), p.level)) {
                    continue;
                }
                let msg = match at {
                    Some(_) => format!("{name} of {} on a {why}", at.and_then(|a| m.arg(a, 0)).unwrap_or("")),
                    None => format!("{why} keeps the default {name} of 60s"),
                };
                // A location that lacks the timeout is marked from its head to
                // the pass that waits on the backend, when both are in one file.
                let span = match (loc, at) {
                    (Some(l), None) if target == l => {
                        let (ls, ps) = (m.span(l), m.span(p.inst));
                        if ps.file == ls.file && ps.start > ls.start {
                            crate::span::Span::new(ls.file, ls.start, ps.end)
                        } else {
                            ls
                        }
                    }
                    _ => m.span(target),
                };
                let mut f = Finding::new(span, msg).help(format!(
                    "set `{name}` for this location to how long a request may stay idle, for example `{name} 1h;`"
                ));
                if let Some(e) = evidence.filter(|&e| e != target) {
                    f = f.label(m.span(e), "long-lived because of this");
                }
                if target != p.inst {
                    f = f.label(m.span(p.inst), "requests are passed here");
                }
                if let Some(i) = inherited.filter(|&i| i != target) {
                    f = f.label(m.span(i), "inherited from here");
                }
                out.push(f);
            }
        }
    }
}

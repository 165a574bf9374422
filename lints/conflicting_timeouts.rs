use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;
use crate::model::values::parse_time;

declare_rule! {
    /// ## What it does
    /// Reports timeout combinations that contradict each other where
    /// requests are passed on (proxy, FastCGI, uwsgi, SCGI, gRPC):
    ///
    /// - a `*_next_upstream_timeout` (other than `0`, which means no limit)
    ///   shorter than the effective `*_connect_timeout`: the time allowed for
    ///   trying the next server runs out before one connection attempt can;
    /// - a location-level `*_read_timeout` below `tiny-read-timeout` that
    ///   overrides a value at least ten times larger set at an outer level,
    ///   or one below 10 seconds that overrides a value at least thirty
    ///   times larger (`proxy_read_timeout 5;` meant as minutes). Health
    ///   check and status locations (`/health`, `/ping`, `/status`, ...)
    ///   are expected to time out fast and are left alone.
    ///
    /// ## Why is this bad?
    /// Failover never happens (the first slow connect uses up the whole
    /// budget), or one location answers 504 Gateway Timeout where the rest of
    /// the site waits normally, usually because a snippet meant for health
    /// checks was included in the wrong place.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     proxy_read_timeout 120s;
    ///     server {
    ///         location /api/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_read_timeout 1s;
    ///             proxy_next_upstream_timeout 2s;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     proxy_read_timeout 120s;
    ///     server {
    ///         location /api/ {
    ///             proxy_pass http://127.0.0.1:8080;
    ///             proxy_connect_timeout 2s;
    ///             proxy_next_upstream_timeout 10s;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `tiny-read-timeout` (time, default `3s`): location-level read
    ///   timeouts below this that override a much larger inherited one are
    ///   reported.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream_timeout>
    pub struct ConflictingTimeouts {
        name: "conflicting-timeouts",
        category: Suspicious,
        severity: Warning,
        summary: "timeouts that contradict each other",
        pass: &[
            "events {}\nhttp { proxy_next_upstream_timeout 0; server { location / { proxy_pass http://127.0.0.1:1; proxy_connect_timeout 5s; } } }\n",
            "events {}\nhttp { server { location /health { proxy_pass http://127.0.0.1:1; proxy_read_timeout 1s; } } }\n",
            "events {}\nhttp { proxy_read_timeout 60s; server { location /api/ { proxy_pass http://127.0.0.1:1; proxy_read_timeout 5s; } } }\n",
            "events {}\nhttp { proxy_read_timeout 300s; server { location = /healthz { proxy_pass http://127.0.0.1:1; proxy_read_timeout 2s; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; proxy_next_upstream_timeout 5s; } } }\n",
            "events {}\nhttp { fastcgi_read_timeout 300; server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; fastcgi_read_timeout 2; } } }\n",
            "events {}\nhttp { server { proxy_read_timeout 300s; location /docs/ { proxy_pass http://127.0.0.1:1; location ~ \\.pdf$ { proxy_pass http://127.0.0.1:1; proxy_read_timeout 5; } } } }\n",
        ],
        options: &[crate::lint::RuleOption {
            name: "tiny-read-timeout",
            kind: crate::lint::OptionKind::Time,
            default: "3s",
            doc: "location-level read timeouts below this overriding a much larger inherited one are reported",
        }],
    }
}

impl Rule for ConflictingTimeouts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let tiny = parse_time(cx.option(&Self::META, "tiny-read-timeout"), true).unwrap_or(3000);
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if matches!(p.kind, PassKind::Memcached | PassKind::StreamProxy) {
                continue;
            }
            let prefix = p.kind.prefix();
            if m.has_unresolved_include(p.level) {
                continue; // its values may come from the file that could not be read
            }
            let time = |name: &str| m.value(p.level, name).and_then(|(id, v)| Some((id, parse_time(v, true)?)));
            let next = format!("{prefix}_next_upstream_timeout");
            let connect = format!("{prefix}_connect_timeout");
            if let Some((nid, nms)) = time(&next) {
                let (cid, cms) = match time(&connect) {
                    Some((id, ms)) => (Some(id), ms),
                    None => (None, 60_000),
                };
                if nms > 0 && nms < cms && seen.insert(nid) {
                    let mut f = Finding::new(
                        m.span(nid),
                        format!(
                            "{next} of {} is shorter than the {connect} of {}",
                            m.arg(nid, 0).unwrap_or(""),
                            cid.and_then(|c| m.arg(c, 0)).unwrap_or("60s")
                        ),
                    )
                    .help(format!("lower {connect} (a few seconds), or raise {next} above it"));
                    f = match cid {
                        Some(c) => f.label(m.span(c), "connect timeout set here"),
                        None => f.label(m.span(p.inst), format!("{connect} is the default 60s here")),
                    };
                    out.push(f);
                }
            }
            let read = format!("{prefix}_read_timeout");
            let Some((rid, rms)) = time(&read) else { continue };
            // Below `tiny` against ten times more outside, or below ten
            // seconds against thirty times more (`5` meant as minutes).
            if rms >= tiny.max(10_000)
                || !matches!(
                    m.inner(m.parent(rid).unwrap_or(rid)),
                    Some(crate::model::context::Context::Location | crate::model::context::Context::IfInLocation)
                )
            {
                continue;
            }
            // The value it overrides: the next outer level's.
            let level = m.parent(rid).unwrap_or(rid);
            let outer =
                m.parent(level).and_then(|o| m.value(o, &read)).and_then(|(id, v)| Some((id, parse_time(v, true)?)));
            if let Some((oid, oms)) = outer {
                let factor = if rms < tiny { 10 } else { 30 };
                if oms >= rms.saturating_mul(factor) && !probe_path(m, level) && seen.insert(rid) {
                    out.push(
                        Finding::new(m.span(rid), format!("{read} of {}{} here overrides {} set outside", m.arg(rid, 0).unwrap_or(""), if m.arg(rid, 0).is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit())) { " (seconds: a number without a unit)" } else { "" }, m.arg(oid, 0).unwrap_or("")))
                            .help(format!("remove it, or give this location a timeout its backend can meet (the outer level allows {}s)", oms / 1000))
                            .label(m.span(oid), "inherited value set here"),
                    );
                }
            }
        }
    }
}

/// True for a location that health checks probe (`/health`, `/healthz`,
/// `/ping`, `/status`, `/ready`, `/live`...): a short timeout is the point.
fn probe_path(m: &crate::model::graph::Model<'_>, level: crate::model::tree::InstId) -> bool {
    let Some(loc) = std::iter::once(level).chain(m.chain(level)).find(|&l| m.directive(l).name() == "location") else {
        return false;
    };
    let Some((path, _)) = m.location_pattern(loc) else { return false };
    let lower = path.to_ascii_lowercase();
    ["health", "ping", "status", "ready", "alive", "/live"].iter().any(|w| lower.contains(w))
}

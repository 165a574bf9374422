use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::InstId;
use crate::model::values::{format_size as show, parse_number, parse_size};

declare_rule! {
    /// ## What it does
    /// Checks, on the effective (inherited) values at every level, the
    /// constraints nginx enforces between `*_buffer_size`, `*_buffers` and
    /// `*_busy_buffers_size` for proxy, FastCGI, uwsgi and SCGI: at least two
    /// buffers; the busy size at least the larger of the buffer size and one
    /// buffer; and less than all buffers minus one. nginx reports these at the
    /// closing `}` of `http`; ngxlint points at the directive to change and
    /// labels the others, also across included files. Unset values use
    /// nginx's defaults (one memory page, 4k on x86-64). Like nginx, only
    /// server levels and below are checked: an http block without servers
    /// is never merged.
    ///
    /// nginx error texts: `there must be at least 2 "proxy_buffers"`,
    /// `"proxy_busy_buffers_size" must be equal to or greater than the maximum
    /// of the value of "proxy_buffer_size" and one of the "proxy_buffers"`,
    /// `"proxy_busy_buffers_size" must be less than the size of all
    /// "proxy_buffers" minus one buffer`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration, even where nothing proxies.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     proxy_buffer_size 64k;
    ///     proxy_buffers 4 16k;
    ///     server {
    ///         listen 80;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     proxy_buffer_size 64k;
    ///     proxy_buffers 8 32k;
    ///     proxy_busy_buffers_size 64k;
    ///     server {
    ///         listen 80;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_busy_buffers_size>
    pub struct InconsistentBufferSizes {
        name: "inconsistent-buffer-sizes",
        category: Correctness,
        severity: Error,
        summary: "buffer sizes that violate nginx's startup constraints",
        pass: &[
            "events {}\nhttp { proxy_buffer_size 16k; proxy_buffers 8 16k; proxy_busy_buffers_size 32k; server { } }\n",
            "events {}\nhttp { fastcgi_buffers 16 16k; fastcgi_buffer_size 32k; server { } }\n",
            "events {}\nhttp { proxy_buffers 4 16k; proxy_busy_buffers_size 48k; server { } }\n",
            "events {}\nhttp { scgi_buffer_size 64k; }\n",
        ],
        fail: &[
            "events {}\nhttp { proxy_buffers 1 4k; server { } }\n",
            "events {}\nhttp { scgi_buffer_size 64k; server { } }\n",
            "events {}\nhttp { proxy_busy_buffers_size 4k; proxy_buffer_size 8k; server { } }\n",
            "events {}\nhttp { server { location / { uwsgi_buffers 2 4k; uwsgi_busy_buffers_size 8k; } } }\n",
            "events {}\nhttp { server { proxy_temp_file_write_size 2k; } }\n",
            "events {}\nhttp { proxy_buffers 4 8k; server { location / { proxy_busy_buffers_size 32k; } } }\n",
        ],
    }
}

const PAGE: u64 = 4096;
const FAMILIES: [&str; 4] = ["proxy", "fastcgi", "uwsgi", "scgi"];

/// The effective value of one directive: where it is set (if anywhere).
struct Eff<'a> {
    set_at: Option<InstId>,
    args: &'a [crate::syntax::ast::Arg],
}

impl Rule for InconsistentBufferSizes {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // nginx merges (and checks) every server and location level, not
        // the http level itself: with no server block nothing is checked.
        let levels = m.locations.iter().copied().chain(m.servers.iter().map(|s| s.inst));
        let levels: Vec<InstId> = levels.collect();
        for fam in FAMILIES {
            let n_size = format!("{fam}_buffer_size");
            let n_bufs = format!("{fam}_buffers");
            let n_busy = format!("{fam}_busy_buffers_size");
            let n_tfws = format!("{fam}_temp_file_write_size");
            let keys = [m.key(&n_size), m.key(&n_bufs), m.key(&n_busy), m.key(&n_tfws)];
            if keys.iter().all(Option::is_none) {
                continue; // nothing of this family is set anywhere: the defaults are consistent
            }
            for &level in &levels {
                // A location that sets none of these has its parent's values,
                // and so its findings (same directives, same spans).
                if m.inner(level) != Some(Context::Server)
                    && keys.iter().flatten().all(|&k| m.local_key(level, k).is_empty())
                {
                    continue;
                }
                let eff = |key: Option<u32>| -> Eff<'_> {
                    match key.and_then(|k| m.effective_key(level, k)) {
                        Some(id) => Eff { set_at: Some(id), args: m.args(id) },
                        None => Eff { set_at: None, args: &[] },
                    }
                };
                let (size, bufs, busy, tfws) = (eff(keys[0]), eff(keys[1]), eff(keys[2]), eff(keys[3]));
                if size.set_at.is_none() && bufs.set_at.is_none() && busy.set_at.is_none() && tfws.set_at.is_none() {
                    continue;
                }
                fn val<'a>(e: &Eff<'a>, i: usize) -> Option<&'a str> {
                    e.args.get(i).map(|a| a.as_str())
                }
                let buffer_size = match val(&size, 0) {
                    Some(v) => match parse_size(v) {
                        Some(s) => s,
                        None => continue, // invalid-directive-value reports it
                    },
                    None => PAGE,
                };
                let (num, one) = match (val(&bufs, 0), val(&bufs, 1)) {
                    (Some(n), Some(s)) => match (parse_number(n), parse_size(s)) {
                        (Some(n), Some(s)) => (n, s),
                        _ => continue,
                    },
                    _ => (8, PAGE),
                };
                let span_of = |id: InstId| cx.tree.directive(cx.loaded, id).head_span();
                if num < 2 {
                    let id = bufs.set_at.expect("set when num < 2");
                    out.push(
                        Finding::new(span_of(id), format!("there must be at least 2 \"{n_bufs}\""))
                            .help(format!("write at least two buffers, for example `{n_bufs} 8 {};`", show(one))),
                    );
                    continue;
                }
                let max = buffer_size.max(one);
                let busy_size = match val(&busy, 0) {
                    Some(v) => match parse_size(v) {
                        Some(s) => s,
                        None => continue,
                    },
                    None => 2 * max,
                };
                let label = |f: Finding, e: &Eff<'_>, what: &str| match e.set_at {
                    Some(id) => f.label(span_of(id), what.to_string()),
                    None => f,
                };
                if busy_size < max {
                    let target = busy.set_at.or(size.set_at).or(bufs.set_at).expect("something is set");
                    let mut f = Finding::new(
                        span_of(target),
                        format!("\"{n_busy}\" must be equal to or greater than the maximum of the value of \"{n_size}\" and one of the \"{n_bufs}\""),
                    )
                    .help(format!("make {n_busy} at least {} (now {})", show(max), show(busy_size)));
                    for (e, what) in
                        [(&size, "buffer size set here"), (&bufs, "buffers set here"), (&busy, "busy size set here")]
                    {
                        if e.set_at != Some(target) {
                            f = label(f, e, what);
                        }
                    }
                    out.push(f);
                } else if busy_size > (num - 1) * one {
                    // "*_buffers too few or too small for the busy size": the
                    // buffers are the directive to change, unless the busy
                    // size is set at a more specific level than they are (a
                    // snippet raising it under sane inherited buffers).
                    let depth = |id: InstId| m.parent(id).and_then(|p| m.chain(level).position(|l| l == p));
                    let target = match (bufs.set_at, busy.set_at) {
                        (Some(b), Some(u)) if depth(u) < depth(b) => u,
                        (Some(b), _) => b,
                        (None, u) => u.or(size.set_at).expect("something is set"),
                    };
                    let mut f = Finding::new(
                        span_of(target),
                        format!("\"{n_busy}\" must be less than the size of all \"{n_bufs}\" minus one buffer"),
                    )
                    .help(if busy.set_at == Some(target) {
                        format!("lower {n_busy} to {} or less, or add buffers to {n_bufs}", show((num - 1) * one))
                    } else if busy.set_at.is_some() {
                        format!(
                            "give {n_bufs} at least {} in total (one buffer more than {n_busy}), or lower {n_busy} to {} or less",
                            show(busy_size + one),
                            show((num - 1) * one)
                        )
                    } else {
                        format!(
                            "{n_busy} defaults to twice the larger buffer ({}); give {n_bufs} at least {} in total, or set {n_busy}",
                            show(busy_size),
                            show(busy_size + one)
                        )
                    });
                    for (e, what) in
                        [(&size, "buffer size set here"), (&bufs, "buffers set here"), (&busy, "busy size set here")]
                    {
                        if e.set_at != Some(target) {
                            f = label(f, e, what);
                        }
                    }
                    out.push(f);
                }
                if let Some(id) = tfws.set_at {
                    if val(&tfws, 0).and_then(parse_size).is_some_and(|t| t < max) {
                        out.push(
                            Finding::new(
                                span_of(id),
                                format!("\"{n_tfws}\" must be equal to or greater than the maximum of the value of \"{n_size}\" and one of the \"{n_bufs}\""),
                            )
                            .help(format!("make {n_tfws} at least {}", show(max))),
                        );
                    }
                }
            }
        }
    }
}

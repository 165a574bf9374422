use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::directives::ValueKind;
use crate::model::tree::Status;
use crate::model::values::{parse_number, parse_offset, parse_size, parse_time};

declare_rule! {
    /// ## What it does
    /// Reports a size, time, number or keyword value nginx cannot parse:
    /// `client_max_body_size 10x`, `proxy_read_timeout 30q`, `keepalive_timeout 1m30`,
    /// `proxy_buffers 8 4kb`, `proxy_http_version 2.0`, `ssl_protocols TLSv1.4`.
    /// Sizes are digits with an optional `k` or `m`; times are digits with
    /// units `ms s m h d w M y` in decreasing order (`1h30m`), no unit
    /// meaning seconds. Values with variables are left alone.
    ///
    /// nginx error texts: `"NAME" directive invalid value`, `invalid value "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     client_max_body_size 10mb;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     client_max_body_size 10m;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/syntax.html> (measurement units)
    pub struct InvalidDirectiveValue {
        name: "invalid-directive-value",
        category: Correctness,
        severity: Error,
        summary: "a size, time, number or keyword value nginx cannot parse",
        pass: &["events {}\nhttp { client_max_body_size 10m; keepalive_timeout 75s 60; proxy_read_timeout 1h30m; proxy_buffers 8 16k; proxy_http_version 1.1; ssl_protocols TLSv1.2 TLSv1.3; }\n"],
        fail: &[
            "events {}\nhttp { client_max_body_size 10x; }\n",
            "events {}\nhttp { keepalive_timeout 10q; }\n",
            "events {}\nhttp { proxy_buffers 8 4kb; }\n",
            "events {}\nhttp { proxy_http_version 2.0; }\n",
            "events {}\nhttp { uwsgi_cache_background_update yes; }\n",
        ],
    }
}

impl Rule for InvalidDirectiveValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // Only directives whose kind of value this rule checks.
        let checked = |s: &crate::model::directives::DirectiveSpec| {
            s.binary.is_none()
                && (s.kind == ValueKind::Flag && !s.arity.flag
                    || matches!(
                        s.kind,
                        ValueKind::Size
                            | ValueKind::Offset
                            | ValueKind::Time
                            | ValueKind::Sec
                            | ValueKind::Number
                            | ValueKind::Expires
                            | ValueKind::Rewrite
                            | ValueKind::NumberOrAuto
                            | ValueKind::Bufs
                            | ValueKind::Enum(_)
                            | ValueKind::Bitmask(_)
                    ))
        };
        for (_, inst, d) in cx.tree.occurrences_where(cx.loaded, checked) {
            let Status::Found(spec) = inst.status else { continue };
            if d.has_block() || spec.binary.is_some() {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            if !spec.arity.accepts(args.len()) {
                continue; // invalid-argument-count reports it
            }
            let name = d.name();
            let generic = |span| Finding::new(span, format!("\"{name}\" directive invalid value"));
            for (i, a) in args.iter().enumerate() {
                let v = a.as_str();
                if v.contains('$') {
                    continue;
                }
                let bad = match spec.kind {
                    // A flag slot under a one-argument arity (uwsgi_cache_background_update);
                    // real flag arities are invalid-flag-value's.
                    ValueKind::Flag if !spec.arity.flag => {
                        (!v.eq_ignore_ascii_case("on") && !v.eq_ignore_ascii_case("off")).then(|| {
                            Finding::new(
                                a.span,
                                format!("invalid value \"{v}\" in \"{name}\" directive, it must be \"on\" or \"off\""),
                            )
                            .help(format!("write `{name} on;` or `{name} off;`"))
                        })
                    }
                    ValueKind::Size => parse_size(v)
                        .is_none()
                        .then(|| generic(a.span).help(format!("write a size such as 512, 16k or 8m, not \"{v}\""))),
                    ValueKind::Offset => parse_offset(v)
                        .is_none()
                        .then(|| generic(a.span).help(format!("write a size such as 512, 16k, 8m or 1g, not \"{v}\""))),
                    ValueKind::Time | ValueKind::Sec => {
                        parse_time(v, spec.kind == ValueKind::Time).is_none().then(|| {
                            generic(a.span).help(format!(
                                "write a time such as 30s, 5m or 1h30m (units ms s m h d w M y), not \"{v}\""
                            ))
                        })
                    }
                    ValueKind::Number => parse_number(v)
                        .is_none()
                        .then(|| generic(a.span).help(format!("write a whole number, not \"{v}\""))),
                    ValueKind::Expires => {
                        let modified = args.len() == 2 && i == 0;
                        let ok = if modified {
                            v == "modified"
                        } else if matches!(v, "off" | "epoch" | "max") {
                            true
                        } else if let Some(daily) = v.strip_prefix('@') {
                            parse_time(daily, false).is_some_and(|t| t < 86_400_000)
                        } else {
                            parse_time(v.strip_prefix(['+', '-']).unwrap_or(v), false).is_some()
                        };
                        (!ok).then(|| {
                            generic(a.span).help("write off, epoch, max, a time such as 1h or -1, or @HH-style daily time such as @15h30m")
                        })
                    }
                    ValueKind::Rewrite if i == 2 => {
                        (!matches!(v, "last" | "break" | "redirect" | "permanent")).then(|| {
                            Finding::new(a.span, format!("invalid parameter \"{v}\""))
                                .help("the flag of rewrite is one of last, break, redirect, permanent")
                        })
                    }
                    ValueKind::NumberOrAuto => (v != "auto" && parse_number(v).is_none())
                        .then(|| generic(a.span).help(format!("write a whole number or `auto`, not \"{v}\""))),
                    ValueKind::Bufs if args.len() == 2 => {
                        let ok = if i == 0 { parse_number(v).is_some() } else { parse_size(v).is_some() };
                        (!ok)
                            .then(|| generic(a.span).help(format!("write a count and a size, such as `{name} 8 16k;`")))
                    }
                    ValueKind::Enum(list) | ValueKind::Bitmask(list) => {
                        (!list.split('|').any(|w| w.eq_ignore_ascii_case(v))).then(|| {
                            let words = spec.kind.words();
                            Finding::new(a.span, format!("invalid value \"{v}\""))
                                .help(format!("\"{name}\" takes one of: {}", words.join(", ")))
                        })
                    }
                    _ => None,
                };
                if let Some(f) = bad {
                    out.push(f);
                }
            }
        }
    }
}

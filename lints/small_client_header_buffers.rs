use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;
use crate::model::values::{parse_number, parse_size};

declare_rule! {
    /// ## What it does
    /// Reports `large_client_header_buffers` with buffers smaller than
    /// `min-size` (nginx's default is `4 8k`) or fewer than two of them.
    ///
    /// ## Why is this bad?
    /// A request line or header that does not fit one buffer is refused:
    /// 414 Request-URI Too Large or 400 Bad Request ("Request Header Or Cookie
    /// Too Large"), which users behind single sign-on, with many cookies or
    /// long query strings hit first.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     large_client_header_buffers 2 1k;
    ///     server { listen 80; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     large_client_header_buffers 4 16k;
    ///     server { listen 80; }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `min-size` (size, default `8k`): smaller buffers are reported.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#large_client_header_buffers>
    pub struct SmallClientHeaderBuffers {
        name: "small-client-header-buffers",
        category: Suspicious,
        severity: Warning,
        summary: "large_client_header_buffers too small for real requests",
        pass: &["events {}\nhttp { large_client_header_buffers 4 32k; server { } }\n"],
        fail: &[
            "events {}\nhttp { server { large_client_header_buffers 4 2k; } }\n",
            "events {}\nhttp { large_client_header_buffers 1 64k; }\n",
        ],
        options: &[crate::lint::RuleOption {
            name: "min-size",
            kind: crate::lint::OptionKind::Size,
            default: "8k",
            doc: "buffers smaller than this are reported",
        }],
    }
}

impl Rule for SmallClientHeaderBuffers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let min = parse_size(cx.option(&Self::META, "min-size")).unwrap_or(8192);
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["large_client_header_buffers"]) {
            if d.name() != "large_client_header_buffers" || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let args = cx.loaded.file(inst.file).ast.args(d);
            let (Some(n), Some(s)) =
                (args.first().and_then(|a| parse_number(a.as_str())), args.get(1).and_then(|a| parse_size(a.as_str())))
            else {
                continue;
            };
            if s < min || n < 2 {
                out.push(
                    Finding::new(d.head_span(), format!("large_client_header_buffers of {n} × {} is too small for real requests", args[1].as_str()))
                        .help(format!("use at least the default `large_client_header_buffers 4 8k;` (16k with single sign-on or many cookies); minimum size here: {}", cx.option(&Self::META, "min-size"))),
                );
            }
        }
    }
}

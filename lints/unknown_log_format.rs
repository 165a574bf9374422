use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::Status;
use rustc_hash::FxHashSet;

declare_rule! {
    /// ## What it does
    /// Reports an `access_log` whose format name no `log_format` before it
    /// defines. nginx looks the name up while it reads the directive, so the
    /// `log_format` must come earlier in the configuration (in reading order,
    /// includes expanded); names compare without regard to case. In http the
    /// format `combined` is predefined; in stream no format is. The second
    /// argument is always the format name: `access_log PATH buffer=32k;`
    /// names a format called `buffer=32k`.
    ///
    /// nginx error text: `unknown log format "NAME"`.
    ///
    /// A configuration whose includes did not all resolve is not judged (the
    /// format may be defined in the file that could not be read), nor is a
    /// snippet checked on its own.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         listen 80;
    ///         access_log /var/log/nginx/app.log main;
    ///     }
    ///     log_format main '$remote_addr "$request" $status';
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     log_format main '$remote_addr "$request" $status';
    ///     server {
    ///         listen 80;
    ///         access_log /var/log/nginx/app.log main;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_log_module.html#access_log>
    /// - <https://nginx.org/en/docs/stream/ngx_stream_log_module.html#access_log>
    pub struct UnknownLogFormat {
        name: "unknown-log-format",
        category: Correctness,
        severity: Error,
        summary: "access_log names a log format not defined before it",
        pass: &["events {}\nhttp { log_format main '$status'; server { listen 80; access_log /tmp/a.log main; access_log /tmp/b.log combined; access_log off; } }\n"],
        fail: &["events {}\nhttp { server { listen 80; access_log /tmp/a.log main; } log_format main '$status'; }\n"],
    }
}

/// The module family a context belongs to for log formats: http or stream.
fn family(ctx: Context) -> Option<bool> {
    use Context::*;
    match ctx {
        Http | Server | Location | IfInServer | IfInLocation | LimitExcept => Some(false),
        Stream | StreamServer => Some(true),
        _ => None,
    }
}

impl Rule for UnknownLogFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let complete = cx.complete_roots();
        // (root, stream) -> formats defined so far, lowercased
        let mut defined: FxHashSet<(u32, bool, String)> = FxHashSet::default();
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["log_format", "access_log"]) {
            if !complete.get(inst.root as usize).copied().unwrap_or(false) || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let name = d.name();
            if name != "log_format" && name != "access_log" {
                continue;
            }
            let Some(stream) = family(inst.ctx) else { continue };
            let args = cx.loaded.file(inst.file).ast.args(d);
            if name == "log_format" {
                if let Some(n) = args.first() {
                    defined.insert((inst.root, stream, n.as_str().to_ascii_lowercase()));
                }
                continue;
            }
            let [path, format, ..] = args else { continue };
            if path.as_str() == "off" {
                continue;
            }
            let f = format.as_str().to_ascii_lowercase();
            if (!stream && f == "combined") || defined.contains(&(inst.root, stream, f)) {
                continue;
            }
            let mut finding = Finding::new(format.span, format!("unknown log format \"{}\"", format.as_str()));
            finding = if format.as_str().contains('=') {
                finding.help("the second argument of access_log is the format name: give one before the parameters (`combined` in http)")
            } else {
                finding.help("define it with `log_format` before this line, or use another format")
            };
            out.push(finding);
        }
    }
}

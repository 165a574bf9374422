use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports an http `return` whose status code nginx cannot read:
    /// `return 1000;`, `return -1;`, `return $code;`, `return redirect /x;`,
    /// `return /login;`.
    ///
    /// `return` takes `CODE [TEXT|URL]` or a lone `URL`. CODE is a whole
    /// number from 0 to 999. A lone argument that is not a number must start
    /// with `http://`, `https://` or `$scheme` (nginx then redirects with
    /// 302); anything else, a variable or a relative path included, is not a
    /// code. nginx checks this when it reads the line.
    ///
    /// nginx error text: `invalid return code "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /old { return /new; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /old { return 301 /new; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return>
    pub struct InvalidReturnCode {
        name: "invalid-return-code",
        category: Correctness,
        severity: Error,
        summary: "a return code nginx cannot read",
        pass: &["events {}\nhttp { server { location / { return 301 /x; } location /a { return https://$host$request_uri; } location /b { return 444; } location /c { return $scheme://a; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location / { return 1000; } } }\n",
            "events {}\nhttp { server { location / { return /login; } } }\n",
            "events {}\nhttp { server { location / { return $status \"x\"; } } }\n",
        ],
    }
}

/// nginx's `ngx_atoi`: digits only, no sign, no overflow.
fn code(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<u64>().ok().filter(|n| *n <= i64::MAX as u64)
}

/// Why nginx refuses the first argument of a `return` with `n` arguments.
pub fn refuse(first: &str, n: usize) -> Option<&'static str> {
    match code(first) {
        Some(c) if c > 999 => Some("a status code is at most 999"),
        Some(_) => None,
        None if n >= 2 => Some("with two arguments the first one is the status code, a number from 0 to 999"),
        None if ["http://", "https://", "$scheme"].iter().any(|p| first.starts_with(p)) => None,
        None => Some(
            "a lone argument is a status code, or a URL starting with http://, https:// or $scheme; for a relative redirect write `return 301 /path;`",
        ),
    }
}

impl Rule for InvalidReturnCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("return") {
            let Status::Found(spec) = cx.tree.insts[id as usize].status else { continue };
            if spec.module != "ngx_http_rewrite_module" {
                continue; // stream's return sends a value, not a status
            }
            let args = m.args(id);
            if !spec.arity.accepts(args.len()) {
                continue;
            }
            let first = &args[0];
            if let Some(why) = refuse(first.as_str(), args.len()) {
                out.push(Finding::new(first.span, format!("invalid return code \"{}\"", first.as_str())).help(why));
            }
        }
    }
}

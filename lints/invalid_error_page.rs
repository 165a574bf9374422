use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `error_page` code nginx refuses: each code is a number
    /// from 300 to 599 other than 499 (one per argument, no ranges, no
    /// variables), and the optional response code after `=` is a number.
    ///
    /// nginx error texts: `value "X" must be between 300 and 599`,
    /// `invalid value "X"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         error_page 500-504 /50x.html;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         error_page 500 502 503 504 /50x.html;
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#error_page>
    pub struct InvalidErrorPage {
        name: "invalid-error-page",
        category: Correctness,
        severity: Error,
        summary: "an error_page code nginx refuses",
        pass: &["events {}\nhttp { server { error_page 404 =200 /x; error_page 500 502 = @f; error_page 301 =0 /y; location @f { return 500; } } }\n"],
        fail: &[
            "events {}\nhttp { server { error_page 200 /x; } }\n",
            "events {}\nhttp { server { error_page 500-502 /x; } }\n",
            "events {}\nhttp { server { error_page 404 =-1 /x; } }\n",
        ],
    }
}

/// nginx's `ngx_atoi`.
fn atoi(v: &str) -> Option<u64> {
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.parse().ok()).flatten()
}

impl Rule for InvalidErrorPage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("error_page") {
            let args = m.args(id);
            if args.len() < 2 {
                continue;
            }
            let mut codes = &args[..args.len() - 1];
            if let Some((last, rest)) = codes.split_last() {
                if let Some(n) = last.as_str().strip_prefix('=') {
                    if !n.is_empty() && atoi(n).is_none() {
                        out.push(Finding::new(last.span, format!("invalid value \"{}\"", last.as_str())).help(
                            "`=` is followed by the response code to send instead, such as `=200`, or by nothing",
                        ));
                    }
                    codes = rest;
                }
            }
            for a in codes {
                let v = a.as_str();
                let problem = match atoi(v) {
                    None | Some(499) => Some((
                        format!("invalid value \"{v}\""),
                        "each code is one number from 300 to 599 (not 499); list codes one by one",
                    )),
                    Some(n) if !(300..=599).contains(&n) => Some((
                        format!("value \"{v}\" must be between 300 and 599"),
                        "error_page handles codes from 300 to 599",
                    )),
                    _ => None,
                };
                if let Some((msg, help)) = problem {
                    out.push(Finding::new(a.span, msg).help(help));
                    break; // nginx stops at the first
                }
            }
        }
    }
}

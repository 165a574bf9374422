use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;

declare_rule! {
    /// ## What it does
    /// Reports a `fastcgi_split_path_info` regex with fewer than two
    /// capture groups (named groups count; `(?:...)` does not).
    ///
    /// ## Why is this bad?
    /// nginx takes `$fastcgi_script_name` from the first capture and
    /// `$fastcgi_path_info` from the second. With one capture the path info
    /// is always empty and, when nothing is captured, the split never
    /// happens: front controllers that route on PATH_INFO (Laravel, Symfony,
    /// WordPress permalinks through `index.php/...`) answer 404 or run the
    /// wrong script.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ \.php(/|$) {
    ///             fastcgi_split_path_info ^(.+\.php)/.*$;
    ///             fastcgi_pass 127.0.0.1:9000;
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
    ///         location ~ \.php(/|$) {
    ///             fastcgi_split_path_info ^(.+\.php)(/.*)$;
    ///             fastcgi_pass 127.0.0.1:9000;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_split_path_info>
    pub struct SplitPathInfoCaptures {
        name: "split-path-info-captures",
        category: Suspicious,
        severity: Warning,
        summary: "fastcgi_split_path_info with fewer than two captures",
        pass: &["events {}\nhttp { server { location ~ \\.php { fastcgi_split_path_info ^(?<script>.+?\\.php)(?<info>/.*)$; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location ~ \\.php { fastcgi_split_path_info ^(.+\\.php)$; } } }\n",
            "events {}\nhttp { server { location ~ \\.php { fastcgi_split_path_info ^(?:.+\\.php)(?:/.*)$; } } }\n",
        ],
    }
}

impl Rule for SplitPathInfoCaptures {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["fastcgi_split_path_info"]) {
            if d.name() != "fastcgi_split_path_info" || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let Some(arg) = cx.loaded.file(inst.file).ast.args(d).first() else { continue };
            // invalid-regex reports patterns that do not compile.
            let Ok(re) = pcre2::bytes::RegexBuilder::new().build(arg.as_str()) else { continue };
            let groups = re.captures_len().saturating_sub(1);
            if groups < 2 {
                out.push(
                    Finding::new(arg.span, format!("fastcgi_split_path_info regex has {groups} capture{}, nginx needs two", if groups == 1 { "" } else { "s" }))
                        .help("capture the script and the path info, for example `fastcgi_split_path_info ^(.+?\\.php)(/.*)$;`")
                        .label(d.head_span(), "in this directive"),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::load::LoadIssue;

declare_rule! {
    /// ## What it does
    /// Reports an `include` of a plain file (no `*`, `?` or `[`) that does not
    /// exist. Relative paths resolve against the directory of the main
    /// configuration file, also inside included files, as nginx does; path
    /// maps (`--map /etc/nginx=.`) apply first. A glob matching nothing is fine,
    /// and the stock files nginx packages ship (`mime.types`, `fastcgi_params`,
    /// `fastcgi.conf`, `proxy_params`, `snippets/fastcgi-php.conf`, ...) are
    /// known to ngxlint when they are not in the checked tree.
    ///
    /// nginx error text: `open() "PATH" failed (2: No such file or directory)`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     include does-not-exist/site.conf;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     include sites-enabled/*.conf;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#include>
    pub struct IncludeNotFound {
        name: "include-not-found",
        category: Correctness,
        severity: Error,
        summary: "an include names a file that does not exist",
        pass: &["events {}\nhttp { include no-such-dir/*.conf; include mime.types; }\n"],
        fail: &["events {}\nhttp { include no-such-file.conf; }\n"],
    }
}

impl Rule for IncludeNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for issue in &cx.loaded.issues {
            if let LoadIssue::IncludeNotFound { at, path, mapped_from } = issue {
                let shown = cx.loaded.show(path);
                let help = match mapped_from {
                    Some(orig) => format!(
                        "\"{}\" was looked up as \"{shown}\" through a path map; add the file, or map the directory elsewhere with --map FROM=TO",
                        cx.loaded.show(orig)
                    ),
                    None => "create the file, fix the path (relative paths start at the main config's directory), or use a glob if it may be absent".to_string(),
                };
                out.push(Finding::new(*at, format!("included file \"{shown}\" does not exist")).help(help));
            }
        }
    }
}

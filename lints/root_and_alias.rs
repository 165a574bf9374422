use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `root` and `alias` in the same location. A location maps
    /// URIs to files one way: `root` appends the whole URI to a directory,
    /// `alias` replaces the matched prefix. nginx refuses the second of the
    /// two (set in an included file too). `alias` in a named location
    /// (`location @x`), which has no prefix to replace, is refused too.
    ///
    /// nginx error texts: `"alias" directive is duplicate, "root" directive
    /// was specified earlier`, `"root" directive is duplicate, "alias"
    /// directive was specified earlier`, `the "alias" directive cannot be
    /// used inside the named location`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /static/ {
    ///             root /srv/www;
    ///             alias /srv/static/;
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
    ///         location /static/ {
    ///             alias /srv/static/;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#alias>
    pub struct RootAndAlias {
        name: "root-and-alias",
        category: Correctness,
        severity: Error,
        summary: "root and alias in one location",
        pass: &["events {}\nhttp { server { root /srv; location /s/ { alias /srv/s/; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location /s/ { root /srv; alias /srv/s/; } } }\n",
            "events {}\nhttp { server { location /s/ { alias /srv/s/; root /srv; } } }\n",
            "events {}\nhttp { server { location @fallback { alias /srv/; } } }\n",
        ],
    }
}

impl Rule for RootAndAlias {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for &alias in m.named("alias") {
            let Some(level) = m.parent(alias) else { continue };
            if cx.tree.directive(cx.loaded, level).name() == "location"
                && m.arg(level, 0).is_some_and(|n| n.starts_with('@'))
            {
                out.push(
                    Finding::new(m.span(alias), "the \"alias\" directive cannot be used inside the named location")
                        .help("a named location has no prefix to replace: use `root`, or move `alias` to a prefix location")
                        .label(m.span(level), "named location"),
                );
                continue;
            }
            let (Some(&root), Some(&first_alias)) = (m.local(level, "root").first(), m.local(level, "alias").first())
            else {
                continue;
            };
            if !seen.insert(level) {
                continue;
            }
            let (later, earlier, later_name, earlier_name) = if root < first_alias {
                (first_alias, root, "alias", "root")
            } else {
                (root, first_alias, "root", "alias")
            };
            out.push(
                Finding::new(
                    m.span(later),
                    format!(
                        "\"{later_name}\" directive is duplicate, \"{earlier_name}\" directive was specified earlier"
                    ),
                )
                .help("keep one: `root` appends the whole URI to its directory, `alias` replaces the location's prefix")
                .label(m.span(earlier), format!("`{earlier_name}` set here")),
            );
        }
    }
}

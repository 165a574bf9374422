use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::load::LoadIssue;

declare_rule! {
    /// ## What it does
    /// Reports an `include` that resolves outside the checked tree, either by
    /// its path (`/etc/shadow`, `../../secret.conf`) or through a symbolic
    /// link, and tells that ngxlint did not read it. The tree is the directory
    /// of the main config (or of a snippet's conf dir), the directory walked,
    /// or what `--root` names; the targets of `--map FROM=TO` are part of it.
    ///
    /// Includes of the stock files nginx and Debian ship (`mime.types`,
    /// `fastcgi_params`, `snippets/fastcgi-php.conf`, ...) are not reported:
    /// ngxlint knows their contents without reading them.
    ///
    /// ## Why is this bad?
    /// ngxlint runs on configurations it should not trust (pull requests, a
    /// file half-typed in an editor). Reading whatever path they name would let
    /// a configuration pull private files into findings and CI logs. The part
    /// it does not read is also not checked.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     include /etc/shadow;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     include conf.d/*.conf;
    /// }
    /// ```
    ///
    /// If the file is meant to come from elsewhere on the machine that runs
    /// nginx, map it into the checked tree with `--map /srv/shared=shared`,
    /// or widen the tree with `--root`.
    ///
    /// ## Options
    /// None (`--root DIR` sets the tree).
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#include>
    pub struct IncludeOutsideRoot {
        name: "include-outside-root",
        category: Security,
        severity: Warning,
        summary: "an include reaches outside the checked tree and is not read",
        pass: &["events {}\nhttp { include conf.d/*.conf; include /etc/nginx/mime.types; }\n"],
        fail: &[
            "events {}\nhttp { include /etc/passwd; }\n",
            "events {}\nhttp { include ../../../../../../../../etc/*.conf; }\n",
        ],
    }
}

impl Rule for IncludeOutsideRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for issue in &cx.loaded.issues {
            if let LoadIssue::IncludeOutsideRoot { at, path, root } = issue {
                let (path, root) = (cx.loaded.show(path), cx.loaded.show(root));
                let root = if root.is_empty() { "." } else { root.as_str() };
                out.push(
                    Finding::new(*at, format!("not reading \"{path}\": it resolves outside the checked tree \"{root}\""))
                        .help("keep includes inside the tree, map the directory in with --map FROM=TO, or widen the tree with --root DIR"),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a `SCRIPT_FILENAME` FastCGI parameter set twice in the list
    /// that applies where requests are passed: typically `include
    /// fastcgi.conf;` (which sets it) followed by an explicit
    /// `fastcgi_param SCRIPT_FILENAME ...;`. The finding is on the second.
    ///
    /// ## Why is this bad?
    /// nginx sends both parameters and PHP-FPM uses only one of them, so
    /// the one that looks authoritative in the file may be ignored; when the
    /// two differ, PHP runs a different script than the reader expects (or
    /// none: "Primary script unknown").
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ \.php$ {
    ///             include fastcgi.conf;
    ///             fastcgi_param SCRIPT_FILENAME /srv/app/public$fastcgi_script_name;
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
    ///         location ~ \.php$ {
    ///             include fastcgi_params;
    ///             fastcgi_param SCRIPT_FILENAME /srv/app/public$fastcgi_script_name;
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
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_param>
    pub struct DuplicateScriptFilename {
        name: "duplicate-script-filename",
        category: Suspicious,
        severity: Warning,
        summary: "SCRIPT_FILENAME passed twice to FastCGI",
        pass: &["events {}\nhttp { server { location ~ \\.php$ { include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location ~ \\.php$ { include fastcgi.conf; fastcgi_param SCRIPT_FILENAME $request_filename; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
    }
}

impl Rule for DuplicateScriptFilename {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if p.kind != PassKind::Fastcgi {
                continue;
            }
            let Some((level, _)) = m.effective_list(p.level, &["fastcgi_param"]) else { continue };
            if !seen.insert(level) {
                continue;
            }
            let sf: Vec<_> =
                m.pairs(p.level, "fastcgi_param").into_iter().filter(|(_, k, _)| *k == "SCRIPT_FILENAME").collect();
            for w in sf.windows(2) {
                let (first, second) = (w[0], w[1]);
                let same = first.2 == second.2;
                // The second one from a stock file (`include fastcgi.conf`
                // after the user's own line) is fixed at that include.
                let site = m.user_site(second.0, level);
                let mut f = Finding::new(
                        m.span(site),
                        if same {
                            "SCRIPT_FILENAME is passed twice".to_string()
                        } else {
                            format!("SCRIPT_FILENAME is passed twice, as \"{}\" and \"{}\"", first.2, second.2)
                        },
                    )
                    .help("keep one: include fastcgi_params (which has no SCRIPT_FILENAME) instead of fastcgi.conf, or drop this line")
                    .label(m.span(first.0), "first set here");
                if site != second.0 {
                    f = f.label(m.span(second.0), "set again in the included file");
                }
                out.push(f);
            }
        }
    }
}

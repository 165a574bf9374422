use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `fastcgi_pass` to PHP (a location or target that names
    /// `php` or `fpm`, or port 9000) where no `SCRIPT_FILENAME` parameter is
    /// in effect: none set at the level whose `fastcgi_param` list applies,
    /// directly or through an included file such as `fastcgi.conf` or
    /// Debian's `snippets/fastcgi-php.conf`. `fastcgi_params`, unlike
    /// `fastcgi.conf`, does not set it. Levels whose includes could not be
    /// read are skipped, and so are PHP-FPM's status and ping pages (a
    /// literal `SCRIPT_NAME` such as `/fpm-status`, which FPM answers
    /// without a script; a literal `SCRIPT_NAME` of a `.php` script such as
    /// `/index.php` names a script and still needs its file).
    ///
    /// When an outer level sets `SCRIPT_FILENAME` and the level's own
    /// `fastcgi_param` lines replace that list, the finding covers the first
    /// of them (or the `include` of a stock file that brings it) and the
    /// pass, and labels the outer `SCRIPT_FILENAME`.
    ///
    /// ## Why is this bad?
    /// PHP-FPM does not know which script to run: it answers "Primary script
    /// unknown" (a 404 or a blank page) for every request, or, behind some
    /// setups, 502 Bad Gateway.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/www;
    ///         location ~ \.php$ {
    ///             include fastcgi_params;
    ///             fastcgi_pass unix:/run/php/php8.2-fpm.sock;
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
    ///         root /srv/www;
    ///         location ~ \.php$ {
    ///             include fastcgi_params;
    ///             fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    ///             fastcgi_pass unix:/run/php/php8.2-fpm.sock;
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
    pub struct FastcgiMissingScriptFilename {
        name: "fastcgi-missing-script-filename",
        category: Suspicious,
        severity: Warning,
        summary: "a PHP FastCGI location passes no SCRIPT_FILENAME",
        pass: &[
            "events {}\nhttp { server { location ~ \\.php$ { include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { fastcgi_param SCRIPT_FILENAME $request_filename; server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location /app { fastcgi_pass 127.0.0.1:7000; } } }\n",
            "events {}\nhttp { server { location = /fpm-status { allow 127.0.0.1; deny all; fastcgi_param SCRIPT_NAME /fpm-status; fastcgi_pass unix:/run/php/php8.2-fpm.sock; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass unix:/run/php/php-fpm.sock; } } }\n",
            "events {}\nhttp { fastcgi_param SCRIPT_FILENAME $request_filename; server { location ~ \\.php$ { fastcgi_param HTTPS on; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { root /srv/app/public; location @front { include fastcgi_params; fastcgi_param SCRIPT_NAME /index.php; fastcgi_pass unix:/run/php/php8.2-fpm.sock; } } }\n",
            "events {}\nhttp { server { include fastcgi.conf; location ~ \\.php$ { include fastcgi_params; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
    }
}

impl Rule for FastcgiMissingScriptFilename {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if !m.is_php_pass(p) || m.has_unresolved_include(p.level) {
                continue;
            }
            if m.pair(p.level, "fastcgi_param", "SCRIPT_FILENAME").is_some() {
                continue;
            }
            // PHP-FPM answers its status and ping pages by SCRIPT_NAME
            // (`pm.status_path`, `ping.path`): a literal one needs no file.
            if m.pair(p.level, "fastcgi_param", "SCRIPT_NAME").is_some_and(|(_, v)| {
                v.starts_with('/') && !v.contains('$') && !v.to_ascii_lowercase().ends_with(".php")
            }) {
                continue;
            }
            // A level's own fastcgi_param list hides the inherited one, with
            // its SCRIPT_FILENAME: the finding is at the first of the level's
            // own (or the include of a stock file that brings it), once.
            let dropped = m.effective_list(p.level, &["fastcgi_param"]).and_then(|(own, list)| {
                let (outer, _) = m.parent(own).and_then(|o| m.pair(o, "fastcgi_param", "SCRIPT_FILENAME"))?;
                let outer = m.parent(outer).map_or(outer, |l| m.user_site(outer, l));
                Some((m.user_site(list[0], own), list[0], outer))
            });
            let f = match dropped {
                Some((site, first, outer)) => {
                    if !seen.insert(site) {
                        continue;
                    }
                    let msg = if site == first {
                        "this fastcgi_param replaces every inherited one, and with them SCRIPT_FILENAME"
                    } else {
                        "the fastcgi_param lines this include brings in replace every inherited one, and with them SCRIPT_FILENAME"
                    };
                    // Over the fastcgi_param that drops the list and the pass
                    // that goes without it, when both are in one file.
                    let (a, b) = (m.span(site), m.span(p.inst));
                    let span = if a.file == b.file {
                        crate::span::Span::new(a.file, a.start.min(b.start), a.end.max(b.end))
                    } else {
                        a
                    };
                    let mut f = Finding::new(span, msg)
                    .help("repeat the inherited parameters here (`include fastcgi.conf;` or the snippet that sets them), or move this fastcgi_param out to where the others are set")
                    .label(m.span(outer), "SCRIPT_FILENAME set here is not inherited")
                    .label(m.span(p.inst), "PHP-FPM gets no script to run here");
                    if site != first {
                        f = f.label(m.span(first), "the first fastcgi_param of this level");
                    }
                    f
                }
                None => Finding::new(m.span(p.inst), "no SCRIPT_FILENAME is passed to PHP-FPM here")
                    .help("add `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;` (or `include fastcgi.conf;` instead of fastcgi_params)"),
            };
            out.push(f);
        }
    }
}

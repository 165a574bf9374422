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
        ],
    }
}

impl Rule for FastcgiMissingScriptFilename {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
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
            let mut f = Finding::new(m.span(p.inst), "no SCRIPT_FILENAME is passed to PHP-FPM here")
                .help("add `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;` (or `include fastcgi.conf;` instead of fastcgi_params)");
            // A level's own fastcgi_param list hides the inherited one.
            if let Some((own, list)) = m.effective_list(p.level, &["fastcgi_param"]) {
                if let Some(outer) = m.parent(own).and_then(|o| m.pair(o, "fastcgi_param", "SCRIPT_FILENAME")) {
                    f = f
                        .label(m.span(list[0]), "this fastcgi_param replaces every inherited one")
                        .label(m.span(outer.0), "SCRIPT_FILENAME set here is not inherited");
                }
            }
            out.push(f);
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::PassKind;

declare_rule! {
    /// ## What it does
    /// Reports a `SCRIPT_FILENAME` that cannot name the requested script:
    ///
    /// - built from a directory (`/var/www/old$fastcgi_script_name`) other
    ///   than the effective `root` of the location (variables count as
    ///   written: `/srv/$site$fastcgi_script_name` with root
    ///   `/srv/$site/public` is reported);
    /// - a fixed script in a directory above the root
    ///   (`/var/www/app/index.php` with root `/var/www/app/public`: the
    ///   public directory forgotten);
    /// - built from `$document_root$fastcgi_script_name` (or `$realpath_root`) in a location that
    ///   uses `alias`, where `$document_root` is the alias directory but
    ///   `$fastcgi_script_name` still starts with the location's prefix.
    ///
    /// ## Why is this bad?
    /// PHP-FPM looks for the script in the wrong place and answers "Primary
    /// script unknown" (404 or "File not found."), or, worse, runs an old
    /// copy of the application left in the other directory.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/app/current/public;
    ///         location ~ \.php$ {
    ///             include fastcgi_params;
    ///             fastcgi_param SCRIPT_FILENAME /srv/app/releases/41/public$fastcgi_script_name;
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
    ///         root /srv/app/current/public;
    ///         location ~ \.php$ {
    ///             include fastcgi_params;
    ///             fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
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
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#alias>
    /// - <https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_param>
    pub struct ScriptFilenameRootMismatch {
        name: "script-filename-root-mismatch",
        category: Suspicious,
        severity: Warning,
        summary: "SCRIPT_FILENAME built from another directory than the location's root",
        pass: &[
            "events {}\nhttp { server { root /srv/www; location ~ \\.php$ { fastcgi_param SCRIPT_FILENAME /srv/www$fastcgi_script_name; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location /app/ { alias /srv/app/; location ~ \\.php$ { fastcgi_param SCRIPT_FILENAME $request_filename; fastcgi_pass 127.0.0.1:9000; } } } }\n",
            "events {}\nhttp { server { root /var/www/app/public; location = /status.php { include fastcgi_params; fastcgi_param SCRIPT_FILENAME /opt/monitor/status.php; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { root /srv/tenants/$host/public; location ~ \\.php$ { try_files $uri =404; include fastcgi_params; fastcgi_param SCRIPT_FILENAME /srv/tenants/$host/public$fastcgi_script_name; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { root /srv/new; location ~ \\.php$ { fastcgi_param SCRIPT_FILENAME /srv/old/$fastcgi_script_name; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location /app/ { alias /srv/app/; location ~ \\.php$ { include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } } }\n",
            "events {}\nhttp { server { location ^~ /webmail/ { alias /usr/share/roundcube/; location ~ \\.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name; } } } }\n",
            "events {}\nhttp { server { root /var/www/laravel/public; location = /index.php { include fastcgi_params; fastcgi_param SCRIPT_FILENAME /var/www/laravel/index.php; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { root /srv/tenants/$host/public; location ~ \\.php$ { try_files $uri =404; include fastcgi_params; fastcgi_param SCRIPT_FILENAME /srv/tenants/$host$fastcgi_script_name; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
    }
}

impl Rule for ScriptFilenameRootMismatch {
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
            let Some((sf, value)) = m.pair(p.level, "fastcgi_param", "SCRIPT_FILENAME") else { continue };
            // alias on the location (or an enclosing one): nginx does not inherit alias,
            // but a nested regex location under an alias location captures with it.
            let alias = m.chain(p.level).find_map(|l| m.local(l, "alias").last().copied());
            let root_var = ["$document_root", "$realpath_root"]
                .into_iter()
                .find(|r| value.contains(&format!("{r}$fastcgi_script_name")));
            if let Some(root_var) = root_var {
                if let Some(a) = alias {
                    if seen.insert((sf, p.level)) {
                        out.push(
                            Finding::new(
                                m.span(sf),
                                format!("{root_var}$fastcgi_script_name under alias names a file that does not exist"),
                            )
                            .help("use `fastcgi_param SCRIPT_FILENAME $request_filename;` in locations that use alias")
                            .label(m.span(a), "alias set here")
                            .label(m.span(p.inst), "passed to FastCGI here"),
                        );
                    }
                }
                continue;
            }
            if alias.is_some() || !value.starts_with('/') {
                continue;
            }
            let Some((root, root_v)) = m.value(p.level, "root") else { continue };
            let root_v = root_v.trim_end_matches('/');
            let dir = if let Some(dir) = value.strip_suffix("$fastcgi_script_name") {
                // The same variables in both (`/srv/$site/public`) stand for the same value.
                if !root_v.starts_with('/') {
                    continue;
                }
                dir
            } else if !value.contains('$') {
                // A fixed script (a front controller) is reported only in a
                // directory above the root: `/var/www/app/index.php` with
                // root `/var/www/app/public`, the public directory forgotten.
                let Some((dir, file)) = value.rsplit_once('/') else { continue };
                let above = root_v.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'));
                if !above || !file.to_ascii_lowercase().ends_with(".php") || root_v.contains('$') {
                    continue;
                }
                dir
            } else {
                let Some(dir) = value.split('$').next() else { continue };
                if root_v.contains('$') {
                    continue;
                }
                dir
            };
            let (a, b) = (dir.trim_end_matches('/'), root_v);
            if a != b && seen.insert((sf, p.level)) {
                out.push(
                    Finding::new(m.span(sf), format!("SCRIPT_FILENAME looks in {a}, but the location's root is {b}"))
                        .help("build it from the root: `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;`")
                        .label(m.span(root), "root set here")
                        .label(m.span(p.inst), "passed to FastCGI here"),
                );
            }
        }
    }
}

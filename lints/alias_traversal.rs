use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `alias` ending in `/` inside a prefix location whose path
    /// does not end in `/`, such as `location /img { alias /data/img/; }`.
    /// With the option `report-siblings`, also a directory alias where
    /// neither ends in `/`, such as `location /img { alias /data/img; }`,
    /// which serves `/data/img-private/` for `/img-private/` (no way out of
    /// the parent directory, so it is off by default).
    ///
    /// ## Why is this bad?
    /// nginx replaces the matched prefix with the alias. The location
    /// `/img` also matches `/img../secret.txt`, which becomes
    /// `/data/img/../secret.txt`: anyone can read files one directory above
    /// the alias (often the application's code, keys or `.env` files).
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /static {
    ///             alias /srv/app/static/;
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
    ///             alias /srv/app/static/;
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// - `report-siblings` (bool, default `false`): also report a prefix and
    ///   a directory alias that both lack the trailing slash.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#alias>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/aliastraversal.md>
    pub struct AliasTraversal {
        name: "alias-traversal",
        category: Security,
        severity: Warning,
        summary: "alias under a location without trailing slash lets requests climb one directory up",
        pass: &[
            "events {}\nhttp { server { location /img/ { alias /data/img/; } } }\n",
            "events {}\nhttp { server { location /favicon.ico { alias /data/icons/favicon.ico; } } }\n",
            "events {}\nhttp { server { location = /favicon.ico { alias /data/icons/; } } }\n",
            "events {}\nhttp { server { location ~ ^/img/(.*)$ { alias /data/img/$1; } } }\n",
            "events {}\nhttp { server { location /img { alias /data/img; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location /img { alias /data/img/; } } }\n",
            "events {}\nhttp { server { location ^~ /files { alias /srv/files/; } } }\n",
            "# with: --option alias-traversal:report-siblings=true\nevents {}\nhttp { server { location /img { alias /data/img; } } }\n",
        ],
        options: &[crate::lint::RuleOption {
            name: "report-siblings",
            kind: crate::lint::OptionKind::Bool,
            default: "false",
            doc: "also report `location /img { alias /data/img; }`, which serves the siblings of the directory",
        }],
    }
}

impl Rule for AliasTraversal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let siblings = cx.option(&Self::META, "report-siblings") == "true";
        for &id in m.named("alias") {
            let Some(loc) = m.parent(id) else { continue };
            if m.directive(loc).name() != "location" {
                continue;
            }
            let exact = m.arg(loc, 0).is_some_and(|a| a.starts_with('='));
            let Some((prefix, false)) = m.location_pattern(loc) else { continue };
            let Some(path) = m.arg(id, 0) else { continue };
            if exact || prefix.starts_with('@') || prefix.ends_with('/') {
                continue;
            }
            if !path.ends_with('/') {
                if !siblings {
                    continue;
                }
                // `/files` -> `/home`: `/files-old/x` reads `/home-old/x`. A
                // file alias (`/favicon.ico`) has nothing that shares its prefix.
                let last = |p: &str| p.rsplit('/').next().unwrap_or("").contains('.');
                if path.contains('$') || last(path) || last(prefix) {
                    continue;
                }
                out.push(
                    Finding::new(
                        m.span(id),
                        format!(
                            "a request for \"{prefix}-old/\" reads \"{path}-old/\": every sibling that begins with \"{path}\" is served"
                        ),
                    )
                    .help(format!("end both with a slash: `location {prefix}/ {{ alias {path}/; }}`"))
                    .label(m.span(loc), "this prefix has no trailing slash"),
                );
                continue;
            }
            out.push(
                Finding::new(
                    m.span(id),
                    format!("requests for \"{prefix}../\" read files in the parent of \"{path}\" (path traversal)"),
                )
                .help(format!("end the location with a slash: `location {prefix}/ {{ alias {path}; }}`"))
                .label(m.span(loc), "this prefix has no trailing slash"),
            );
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::graph::{Model, PassKind};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports a location that passes PHP to FastCGI but never sees some or
    /// all of its requests, because of a location of the same server checked
    /// before it:
    ///
    /// - an earlier regex location that matches every sample PHP path the
    ///   PHP location matches (`/index.php`, `/test.php`, `/wp-login.php`,
    ///   `/app/v1/api.php`), or, for a location of one script
    ///   (`location ~ /wp-login\.php$`), that script's path; nginx uses the
    ///   first regex that matches. Reported at the PHP location;
    /// - an earlier regex location that neither passes PHP on (itself or
    ///   through a nested location) nor refuses it (`deny`, `return`), and
    ///   takes one script (`location ~ ^/wp-login\.php$ { limit_req ...; }`)
    ///   or the scripts of a directory it names (`location ~ ^/wp-admin/`
    ///   takes `/wp-admin/index.php`) when it knows the directory holds
    ///   scripts (its `try_files` or `index` names a `.php` file, or the
    ///   directory is one where WordPress, Drupal, Joomla or phpMyAdmin keep
    ///   scripts: `wp-admin`, `wp-includes`, `core`, `modules`, `includes`,
    ///   `administrator`, `phpmyadmin`). Reported at that earlier location,
    ///   where the fix goes;
    /// - a `^~` prefix location for `/`, which stops the regex search for
    ///   every request.
    ///
    /// Each PHP location is compared with the first 64 regex locations of its
    /// server, which bounds the work on servers with thousands of them.
    ///
    /// ## Why is this bad?
    /// PHP files are served by the other location: downloaded as source
    /// code (leaking credentials in `wp-config.php`), answered 403/404, or
    /// proxied elsewhere, while the FastCGI setup looks right.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~* \.(css|js|php|png)$ { expires 30d; }
    ///         location ~ \.php$ { fastcgi_pass 127.0.0.1:9000; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~* \.(css|js|png)$ { expires 30d; }
    ///         location ~ \.php$ { fastcgi_pass 127.0.0.1:9000; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#location>
    pub struct ShadowedPhpLocation {
        name: "shadowed-php-location",
        category: Suspicious,
        severity: Warning,
        summary: "a PHP location that an earlier location always wins over",
        pass: &[
            "events {}\nhttp { server { location ~ ^/uploads/.*\\.php$ { deny all; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } location ~ \\.(php|html)$ { } } }\n",
            "events {}\nhttp { server { location ^~ /static/ { } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ ^/index\\.php(/|$) { fastcgi_pass unix:/run/php/php8.2-fpm.sock; include fastcgi.conf; internal; } location ~ \\.php$ { return 404; } } }\n",
            "events {}\nhttp { server { location ~ ^/wp-admin/ { auth_basic staff; auth_basic_user_file /etc/nginx/htpasswd; location ~ \\.php$ { include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~* ^/(assets|static)/ { expires 30d; } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=login:1m rate=1r/s; server { location ~ /wp-login\\.php$ { limit_req zone=login; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ /xmlrpc\\.php$ { deny all; } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location ~ \\.(html|php)$ { try_files $uri =404; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ^~ / { try_files $uri /index.html; } location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php(/|$) { return 404; } location ~ ^/index\\.php(/|$) { fastcgi_pass unix:/run/php/php8.2-fpm.sock; include fastcgi.conf; } } }\n",
            "events {}\nhttp { server { location ~ ^/wp-admin/ { auth_basic staff; auth_basic_user_file /etc/nginx/htpasswd; try_files $uri $uri/ /wp-admin/index.php?$args; } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=login:1m rate=1r/s; server { location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } location ~ /wp-login\\.php$ { limit_req zone=login; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~* ^/(?:core|modules|themes)/ { expires 30d; try_files $uri =404; } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { limit_req_zone $binary_remote_addr zone=login:1m rate=1r/s; server { location ~ ^/wp-login\\.php$ { limit_req zone=login; } location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
    }
}

/// At most this many earlier regex locations are compared with each PHP
/// location.
const MAX_COMPARED: usize = 64;

const SAMPLES: [&[u8]; 6] =
    [b"/index.php", b"/test.php", b"/wp-login.php", b"/app/v1/api.php", b"/index.php/path/info", b"/app.php"];

/// Script paths inside the directories an earlier pattern names:
/// `^/wp-admin/` gives `/wp-admin/index.php`, and every literal word `w`
/// of the pattern gives `/w/index.php`.
fn dir_probes(pattern: &str) -> impl Iterator<Item = String> + '_ {
    let anchored = pattern.strip_prefix("^/").map(|rest| {
        let lit: String =
            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')).collect();
        format!("/{}/index.php", lit.trim_end_matches('/'))
    });
    let words = pattern
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("php"))
        .take(16)
        .map(|w| format!("/{w}/index.php"));
    anchored.into_iter().chain(words)
}

/// Directories that hold the scripts of well-known PHP applications
/// (WordPress, Drupal, Joomla, phpMyAdmin): `/core/install.php`,
/// `/wp-admin/options.php`.
const SCRIPT_DIRS: [&str; 7] =
    ["wp-admin", "wp-includes", "core", "modules", "includes", "administrator", "phpmyadmin"];

/// True when a location's directory holds scripts: its `try_files` or
/// `index` names a `.php` file (`try_files $uri /wp-admin/index.php?$args`),
/// or the probed directory is one of [`SCRIPT_DIRS`].
fn expects_php(m: &Model<'_>, loc: InstId, probe: &str) -> bool {
    let dir = probe.trim_start_matches('/').split('/').next().unwrap_or("");
    SCRIPT_DIRS.iter().any(|d| d.eq_ignore_ascii_case(dir))
        || ["try_files", "index"]
            .iter()
            .flat_map(|n| m.local(loc, n))
            .any(|&d| m.args(d).iter().any(|a| a.as_str().to_ascii_lowercase().contains(".php")))
}

/// The one path a pattern of literal characters stands for:
/// `/wp-login\.php$` and `^/xmlrpc\.php$` give `/wp-login.php` and `/xmlrpc.php`.
fn literal_path(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let body = body.strip_suffix('$').unwrap_or(body);
    let mut out = String::with_capacity(body.len() + 1);
    if !body.starts_with('/') {
        out.push('/');
    }
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('.' | '-' | '/' | '_')) => out.push(e),
                _ => return None,
            },
            c if c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-') => out.push(c),
            _ => return None,
        }
    }
    out.to_ascii_lowercase().ends_with(".php").then_some(out)
}

/// True when a location deals with the scripts it takes: it (or a location
/// inside it) passes requests on, or it refuses them (`deny`, `return`), or
/// it is internal.
fn handles_php(m: &Model<'_>, loc: InstId) -> bool {
    const DEALS: [&str; 11] = [
        "deny",
        "return",
        "internal",
        "rewrite",
        "fastcgi_pass",
        "proxy_pass",
        "uwsgi_pass",
        "scgi_pass",
        "grpc_pass",
        "memcached_pass",
        "error_page",
    ];
    let deals = |l: InstId| DEALS.iter().any(|n| !m.local(l, n).is_empty());
    deals(loc)
        || m.local(loc, "location").iter().any(|&inner| deals(inner))
        || m.local(loc, "if").iter().any(|&i| deals(i))
}

impl Rule for ShadowedPhpLocation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut shadowing = rustc_hash::FxHashSet::default();
        for p in &m.passes {
            if p.kind != PassKind::Fastcgi || m.inner(p.level) != Some(Context::Location) {
                continue;
            }
            let php = p.level;
            let Some(parent) = m.parent(php) else { continue };
            if m.inner(parent) != Some(Context::Server) || !seen.insert(php) {
                continue;
            }
            let Some(re) = m.location_regex(php) else { continue };
            let mut mine: Vec<&[u8]> = SAMPLES.iter().copied().filter(|s| re.is_match(s).unwrap_or(false)).collect();
            // A location for one script (`location ~ /wp-login\.php$`, set
            // apart for a rate limit) is checked on that script's path.
            let literal = m.location_pattern(php).and_then(|(p, _)| literal_path(p));
            if let Some(path) = literal.as_deref().filter(|l| re.is_match(l.as_bytes()).unwrap_or(false)) {
                if !mine.contains(&path.as_bytes()) {
                    mine.push(path.as_bytes());
                }
            } else if mine.len() < 2 {
                continue;
            }
            // Regex locations compared with this one: the first
            // MAX_COMPARED of the server (a server with thousands of PHP
            // locations would otherwise cost millions of regex matches).
            let mut compared = 0;
            for &other in m.local(parent, "location") {
                let a = m.args(other);
                if a.first().is_some_and(|x| x.as_str() == "^~") && a.get(1).is_some_and(|x| x.as_str() == "/") {
                    out.push(
                        Finding::new(
                            m.span(php),
                            "this PHP location never matches: `location ^~ /` stops the regex search",
                        )
                        .help("use `location /` (without ^~) so regex locations are checked")
                        .label(m.span(other), "every request ends here"),
                    );
                    break;
                }
                if other >= php || compared >= MAX_COMPARED {
                    continue;
                }
                let Some(ore) = m.location_regex(other) else { continue };
                compared += 1;
                if mine.iter().all(|s| ore.is_match(s).unwrap_or(false)) {
                    let f = match (&literal, mine.len()) {
                        (Some(path), 1) => Finding::new(
                            m.span(php),
                            format!("this location for {path} never matches: an earlier regex location takes {path} first"),
                        )
                        .help(format!(
                            "make it an exact location (`location = {path}`), which is checked before regex locations, or move it above the earlier one"
                        )),
                        _ => Finding::new(
                            m.span(php),
                            "this PHP location never matches: an earlier regex location takes every .php request",
                        )
                        .help("move the PHP location above it, or remove `php` from the earlier pattern"),
                    };
                    out.push(f.label(m.span(other), "matches first"));
                    break;
                }
                // Part of the scripts: one script (`location ~ ^/wp-login\.php$`
                // set apart for a rate limit), or a directory the earlier
                // location takes whole, scripts included, without running
                // or refusing them. The fix goes there: the finding too.
                if handles_php(m, other) {
                    continue;
                }
                let Some((pattern, _)) = m.location_pattern(other) else { continue };
                let both = |probe: &str| {
                    ore.is_match(probe.as_bytes()).unwrap_or(false) && re.is_match(probe.as_bytes()).unwrap_or(false)
                };
                let script = literal_path(pattern).filter(|p| both(p));
                let taken = script
                    .clone()
                    .or_else(|| dir_probes(pattern).find(|probe| both(probe) && expects_php(m, other, probe)));
                if let Some(probe) = taken {
                    if shadowing.insert(other) {
                        let (msg, help) = if script.is_some() {
                            (
                                format!("this location takes {probe} before the PHP location and does not run it: the script is sent as a file"),
                                "pass it to PHP here too (the PHP location's fastcgi settings and fastcgi_pass), or refuse it here (`deny all;`)",
                            )
                        } else {
                            (
                                format!("this location takes {probe} before the PHP location and does not run PHP: scripts are sent as files"),
                                "pass .php requests on here too (fastcgi_pass, or a nested PHP location), refuse them here, or make it a prefix location so that regex locations are still checked",
                            )
                        };
                        out.push(
                            Finding::new(m.span(other), msg)
                                .help(help)
                                .label(m.span(php), "PHP is run here, for the requests that reach it"),
                        );
                    }
                    break;
                }
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::graph::{Model, PassKind};
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// Reports a regex location that passes `.php` requests to FastCGI and
    /// also matches a path such as `/uploads/avatar.jpg/x.php` (or, for a
    /// whitelist such as `(index|get)\.php$`, `/uploads/avatar.jpg/index.php`:
    /// unanchored, it accepts its names after any prefix), without a
    /// guard that the script exists: `try_files $uri =404;` (or
    /// `$fastcgi_script_name =404`, as Debian's `snippets/fastcgi-php.conf`
    /// writes it), or an `if (!-f ...) { return 404; }`.
    ///
    /// ## Why is this bad?
    /// With PHP's default `cgi.fix_pathinfo=1`, PHP-FPM runs the longest
    /// existing prefix of the path when the named script does not exist:
    /// a request for `/uploads/avatar.jpg/x.php` executes the uploaded
    /// "image" as PHP. Any site that accepts uploads is open to remote code
    /// execution.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         root /srv/www;
    ///         location ~ \.php$ {
    ///             include fastcgi.conf;
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
    ///             try_files $uri =404;
    ///             include fastcgi.conf;
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
    /// - <https://www.nginx.com/resources/wiki/start/topics/examples/phpfcgi/>
    /// - <https://www.php.net/manual/en/ini.core.php#ini.cgi.fix-pathinfo>
    pub struct PhpLocationWithoutGuard {
        name: "php-location-without-guard",
        category: Security,
        severity: Warning,
        summary: "a PHP location runs any file PHP-FPM finds (cgi.fix_pathinfo)",
        pass: &[
            "events {}\nhttp { server { location ~ \\.php$ { include snippets/fastcgi-php.conf; fastcgi_pass unix:/run/php/php-fpm.sock; } } }\n",
            "events {}\nhttp { server { location ~ ^/index\\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ \\.php$ { if (!-f $request_filename) { return 404; } fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~ ^/(index|get|static|health_check)\\.php$ { include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } } }\n",
            "events {}\nhttp { server { location ~* [^/]\\.php(/|$) { fastcgi_split_path_info ^(.+?\\.php)(/.*)$; fastcgi_pass php; } } }\n",
            "events {}\nhttp { server { location ~ (index|get|static|health_check)\\.php$ { include fastcgi.conf; fastcgi_pass 127.0.0.1:9000; } } }\n",
        ],
    }
}

/// A URI that abuses cgi.fix_pathinfo.
const PROBE: &[u8] = b"/uploads/avatar.jpg/x.php";

/// [`PROBE`], then the same path with each name the pattern spells out
/// instead of `x` (a whitelist such as `(index|get|static)\.php$` accepts
/// only those names, but unanchored it accepts them after any prefix).
fn probes(pattern: &str) -> impl Iterator<Item = String> + '_ {
    let names = pattern
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("php"))
        .take(32)
        .map(|w| format!("/uploads/avatar.jpg/{w}.php"));
    std::iter::once(String::from_utf8_lossy(PROBE).into_owned()).chain(names)
}

/// The level that holds a guard for `loc`: try_files ending in =404 (or a
/// named location), or an if with a file test.
fn guarded(m: &Model<'_>, loc: InstId) -> bool {
    if m.local(loc, "try_files").iter().any(|&t| {
        m.args(t).last().is_some_and(|a| {
            let a = a.as_str();
            a.starts_with('=') || a.starts_with('@')
        })
    }) {
        return true;
    }
    m.local(loc, "if").iter().any(|&i| m.args(i).iter().any(|a| a.as_str().contains("-f") || a.as_str().contains("-e")))
}

impl Rule for PhpLocationWithoutGuard {
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
            let Some(loc) =
                std::iter::once(p.level).chain(m.chain(p.level)).find(|&l| m.directive(l).name() == "location")
            else {
                continue;
            };
            if !seen.insert(loc) || m.has_unresolved_include(loc) {
                continue;
            }
            let Some((pattern, true)) = m.location_pattern(loc) else { continue };
            if !pattern.to_ascii_lowercase().contains("php") {
                continue;
            }
            let Some(re) = m.location_regex(loc) else { continue };
            if !probes(pattern).any(|probe| re.is_match(probe.as_bytes()).unwrap_or(false)) {
                continue;
            }
            if guarded(m, loc) || (p.level != loc && guarded(m, p.level)) {
                continue;
            }
            out.push(
                Finding::new(m.span(loc), "PHP location passes requests for scripts that may not exist (cgi.fix_pathinfo)")
                    .help("add `try_files $uri =404;` (or `try_files $fastcgi_script_name =404;` with fastcgi_split_path_info) to this location")
                    .label(m.span(p.inst), "passed to PHP here"),
            );
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::backends::{parse_addr, serves};
use crate::model::directives::edit_distance;
use crate::model::graph::PassKind;
use crate::model::tree::InstId;

declare_rule! {
    /// ## What it does
    /// When backends are declared (`--backend NAME=ADDRESS`, repeatable, and
    /// `--php-fpm-pool FILE`, whose `listen =` lines name the pool's
    /// sockets), reports every `*_pass` target, and every server of an
    /// `upstream` block it uses, that matches none of them. FastCGI targets
    /// are checked once any backend or pool is declared; other targets only
    /// when `--backend` is given. Does nothing when nothing is declared.
    ///
    /// A target that is one variable (`fastcgi_pass $php_sock;`) is checked
    /// for each value a `set` in scope or a `map` line gives it; the finding
    /// is on that `set` or `map` line.
    ///
    /// ## Why is this bad?
    /// A target where nothing listens fails every request with 502 Bad
    /// Gateway ("connect() failed (111: Connection refused)", or "(2: No such
    /// file or directory)" for a socket), typically after an upgrade renamed
    /// `php7.4-fpm.sock` to `php8.2-fpm.sock`.
    ///
    /// ## Example
    /// ```nginx
    /// # with: --backend php=unix:/run/php/php8.2-fpm.sock
    /// events {}
    /// http {
    ///     server {
    ///         location ~ \.php$ { fastcgi_pass unix:/run/php/php7.4-fpm.sock; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// # with: --backend php=unix:/run/php/php8.2-fpm.sock
    /// events {}
    /// http {
    ///     server {
    ///         location ~ \.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// The declarations themselves: `--backend NAME=ADDRESS` where ADDRESS is
    /// `host:port`, a bare port (any host of this machine), or
    /// `unix:/path`; `--php-fpm-pool FILE` (repeatable).
    ///
    /// ## References
    /// - <https://www.php.net/manual/en/install.fpm.configuration.php>
    pub struct UndeclaredBackend {
        name: "undeclared-backend",
        category: Suspicious,
        severity: Warning,
        summary: "a pass target matches no declared backend",
        pass: &[
            "events {}\nhttp { server { location / { proxy_pass http://127.0.0.1:1; } } }\n",
            "# with: --backend app=127.0.0.1:8000\nevents {}\nhttp { upstream a { server localhost:8000; } server { location / { proxy_pass http://a; } } }\n",
        ],
        fail: &[
            "# with: --backend app=127.0.0.1:8000\nevents {}\nhttp { server { location / { proxy_pass http://127.0.0.1:8001; } } }\n",
            "# with: --backend fpm=unix:/run/php/php8.2-fpm.sock\nevents {}\nhttp { upstream php { server unix:/run/php/php7.4-fpm.sock; } server { location / { fastcgi_pass php; } } }\n",
            "# with: --backend fpm=unix:/run/php/php8.2-fpm.sock\nevents {}\nhttp { map $host $sock {\n    default unix:/run/php/php8.2-fpm.sock;\n    shop.example.com unix:/run/php/php8.2-shop.sock;\n}\nserver { location / { fastcgi_pass $sock; } } }\n",
        ],
    }
}

/// (host, port, unix path, the upstream server line).
type Dest = (String, Option<u16>, Option<String>, Option<InstId>);

impl Rule for UndeclaredBackend {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let declared = &cx.opts.backends;
        if declared.is_empty() {
            return;
        }
        let m = cx.model();
        let any_flag = declared.iter().any(|b| b.source == "--backend");
        let addrs: Vec<_> = declared.iter().map(|b| parse_addr(&b.address)).collect();
        for p in m.passes.iter().chain(m.passes_via_variables()) {
            if p.target.dynamic || (p.kind != PassKind::Fastcgi && !any_flag) {
                continue;
            }
            let mut dests: Vec<Dest> = Vec::new();
            match p.target.upstream.and_then(|u| m.upstream(u)) {
                Some(u) => dests.extend(
                    m.servers_of(u)
                        .iter()
                        .map(|s| (s.host.to_string(), s.port.or(Some(80)), s.unix.clone(), Some(s.inst))),
                ),
                None => dests.push((p.target.host.clone(), p.target.effective_port(), p.target.unix.clone(), None)),
            }
            for (host, port, unix, line) in dests {
                if addrs.iter().any(|a| serves(a, &host, port, unix.as_deref())) {
                    continue;
                }
                let shown = match (&unix, port) {
                    (Some(u), _) => format!("unix:{u}"),
                    (None, Some(port)) => format!("{host}:{port}"),
                    (None, None) => host.clone(),
                };
                // The closest declaration of the same kind (socket or TCP) as a hint.
                let near = declared
                    .iter()
                    .filter(|b| b.address.starts_with("unix:") == unix.is_some())
                    .min_by_key(|b| edit_distance(&b.address, &shown));
                // An upstream's server line, the `set`/`map` line that gives the
                // address, or the pass itself.
                let at = line.or(p.via).unwrap_or(p.inst);
                let mut f = Finding::new(m.span(at), format!("nothing declared listens on {shown}"));
                f = match near {
                    Some(b) => f.help(format!(
                        "{} ({}) listens on {}; use that address, or declare this one",
                        b.name, b.source, b.address
                    )),
                    None => f.help("declare the backend with --backend NAME=ADDRESS, or fix the address"),
                };
                if at != p.inst {
                    f = f.label(m.span(p.inst), "requests are passed here");
                }
                if let (Some(via), Some(_)) = (p.via, line) {
                    f = f.label(m.span(via), "the upstream is chosen here");
                }
                out.push(f);
            }
        }
    }
}

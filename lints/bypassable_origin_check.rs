use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `if` that trusts a request by matching `$http_origin` or
    /// `$http_referer` against a regex that other sites can also satisfy
    /// (also a regex key of a `map` from either variable, and a regex of
    /// `valid_referers` that names the server's own site; it sees the
    /// referer without its scheme):
    /// a dot that is not escaped (`example.com` also matches `exampleXcom`),
    /// no `$` at the end (`^https://example\.com` also matches
    /// `https://example.com.evil.net`), or no `^` at the start
    /// (`example\.com$` also matches `https://evilexample.com`).
    ///
    /// ## Why is this bad?
    /// These checks guard CORS responses, CSRF protection and hotlinking
    /// rules. An attacker registers a domain the regex accepts and the check
    /// lets their pages in.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ {
    ///             if ($http_origin ~* ^https://app.example.com) {
    ///                 add_header Access-Control-Allow-Origin $http_origin;
    ///             }
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
    ///         location /api/ {
    ///             if ($http_origin ~* ^https://app\.example\.com$) {
    ///                 add_header Access-Control-Allow-Origin $http_origin;
    ///             }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#if>
    /// - <https://github.com/yandex/gixy/blob/master/docs/en/plugins/origins.md>
    pub struct BypassableOriginCheck {
        name: "bypassable-origin-check",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "an Origin or Referer regex that other domains also match",
        pass: &[
            "events {}\nhttp { server { if ($http_referer ~* /admin) { return 302 /; } } }\n",
            "events {}\nhttp { server { if ($http_origin ~* ^https://(app|www)\\.example\\.com$) { return 204; } } }\n",
            "events {}\nhttp { server { if ($http_referer !~ ^https://([a-z0-9-]+\\.)*example\\.org(/|$)) { return 403; } } }\n",
            "events {}\nhttp { server { if ($http_origin = https://example.com) { return 204; } } }\n",
            "events {}\nhttp { server { if ($http_origin !~ '^https?:\\/\\/example\\.com\\/') { return 403; } } }\n",
            "events {}\nhttp { map $http_origin $cors { default \"\"; ~^https://(app|www)\\.example\\.com$ $http_origin; } map $http_referer $r { default $http_referer; ~^(?<t>.*)\\? $t; } server { server_name example.com; valid_referers none server_names ~^(www\\.)?example\\.com/ ~\\.google\\.; } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { if ($http_origin ~ example\\.com) { return 204; } } }\n",
            "events {}\nhttp { server { if ($http_referer !~ \"^https?://([^/]+\\.)?a\\.com/|([^/]+\\.)?b\\.com/\") { return 403; } } }\n",
            "events {}\nhttp { server { if ($http_origin ~* ^https?://([^/]+\\.)?example\\.com) { return 204; } } }\n",
            "events {}\nhttp { server { if ($http_referer !~* ^https://example.com/) { return 403; } } }\n",
            "events {}\nhttp { server { if ($http_referer !~ \"^https?://([^/]+metrika.*yandex\\.(ru|com))/\") { return 403; } } }\n",
            "events {}\nhttp { map $http_origin $cors_allowed_origin { default \"\"; ~^https://.*example\\.com $http_origin; } }\n",
            "events {}\nhttp { server { server_name www.example.com example.com; location /img/ { valid_referers server_names ~example\\.com; if ($invalid_referer) { return 403; } } } }\n",
            "events {}\nhttp { server { server_name cdn.example.com; location /media/ { valid_referers server_names ~\\.example\\.com; if ($invalid_referer) { return 403; } } } }\n",
        ],
    }
}

/// What is loose about a regex that should pin down an origin or referer.
/// The site a host name belongs to: its last two labels (`example.com` for
/// `cdn.example.com`), or three under a short second level (`example.co.uk`).
fn site_of(host: &str) -> &str {
    let dots: Vec<usize> = host.match_indices('.').map(|(i, _)| i).collect();
    let keep = match dots.len() {
        0 | 1 => return host,
        n => {
            let second = &host[dots[n - 2] + 1..dots[n - 1]];
            if second.len() <= 3 {
                3
            } else {
                2
            }
        }
    };
    if dots.len() < keep {
        return host;
    }
    &host[dots[dots.len() - keep] + 1..]
}

fn weaknesses(re: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    // `\/` is a plain slash in PCRE.
    let unescaped = re.replace("\\/", "/");
    let re = unescaped.as_str();
    // Each top-level alternative must be anchored on its own.
    let branches = top_level_branches(re);
    if branches.iter().any(|b| !b.starts_with('^')) {
        out.push("it is not anchored with ^, so any site that contains the name matches");
    }
    // A referer has a path: a `/` after the host ends the host part too.
    // An origin has no path: a required `/` after the host matches no origin at all.
    let host_end = |b: &str| b.ends_with('$') || b.ends_with("$)") || host_ends_with_slash(b);
    if !branches.iter().all(|b| host_end(b)) {
        out.push("it does not end with $, so a longer domain such as \"example.com.evil.net\" matches");
    }
    if has_unescaped_dot(re) {
        out.push("an unescaped \".\" matches any character, so a look-alike domain matches");
    }
    if wildcard_into_name(re) {
        out.push("a wildcard runs straight into a name, so a domain that merely ends with it (or a path) matches");
    }
    out
}

/// A `.*`, `.+`, `[^/]+`-like repetition followed directly by a letter or
/// digit: `[^/]+example\.com` accepts `evil-example.com`.
fn wildcard_into_name(re: &str) -> bool {
    let b = re.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => {
                let start = i;
                while i < b.len() && b[i] != b']' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let negated = b.get(start + 1) == Some(&b'^');
                if negated
                    && matches!(b.get(i + 1), Some(b'+' | b'*'))
                    && b.get(i + 2).is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    return true;
                }
            }
            b'.' if matches!(b.get(i + 1), Some(b'+' | b'*'))
                && b.get(i + 2).is_some_and(|c| c.is_ascii_alphanumeric()) =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// True when a regex names a site: a scheme, or a dotted domain.
fn names_a_site(re: &str) -> bool {
    re.contains("://") || re.contains(":\\/\\/") || re.contains("\\.") || has_unescaped_dot(re)
}

/// The alternatives of a regex at its top level (`a|b` -> [a, b]).
fn top_level_branches(re: &str) -> Vec<&str> {
    let b = re.as_bytes();
    let (mut depth, mut in_class, mut start) = (0i32, false, 0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'(' if !in_class => depth += 1,
            b')' if !in_class => depth -= 1,
            b'|' if !in_class && depth == 0 => {
                out.push(&re[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&re[start.min(re.len())..]);
    out
}

/// True when the host part of a referer regex is closed by a `/`.
fn host_ends_with_slash(re: &str) -> bool {
    let after_scheme = re.find("://").map(|i| &re[i + 3..]).unwrap_or(re);
    let mut in_class = false;
    let mut escaped = false;
    for c in after_scheme.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => return true,
            _ => {}
        }
    }
    false
}

/// A `.` outside a class, not escaped and not followed by a quantifier
/// (`.*`, `.+` are deliberate wildcards).
fn has_unescaped_dot(re: &str) -> bool {
    let b = re.as_bytes();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'.' if !in_class => {
                let next = b.get(i + 1).copied();
                let prev_alnum = i > 0 && b[i - 1].is_ascii_alphanumeric();
                if prev_alnum && next.is_some_and(|c| c.is_ascii_alphanumeric()) {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

impl Rule for BypassableOriginCheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("if") {
            let Some((var, Some(op), Some(re))) = m.if_condition(id) else { continue };
            if !op.contains('~') {
                continue;
            }
            let var = var.to_ascii_lowercase();
            if !matches!(var.as_str(), "$http_origin" | "$http_referer") {
                continue;
            }
            // A referer matched against a path routes requests; it checks no site.
            if !names_a_site(re) {
                continue;
            }
            let weak = weaknesses(re);
            if weak.is_empty() {
                continue;
            }
            out.push(
                Finding::new(m.span(id), format!("the check of {var} can be bypassed: {}", weak.join("; ")))
                    .help("anchor the regex at both ends and escape the dots: `~* ^https://(www\\.)?example\\.com$`"),
            );
        }
        // A map from the Origin or Referer: its regex keys are the allow list.
        for &id in m.named("map") {
            let a = m.args(id);
            let Some(var) = a.first().map(|v| v.as_str().to_ascii_lowercase()) else { continue };
            if a.len() != 2 || !matches!(var.as_str(), "$http_origin" | "$http_referer") {
                continue;
            }
            for line in m.block_lines(id) {
                let key = m.directive(line).name();
                let Some(re) = key.strip_prefix("~*").or_else(|| key.strip_prefix('~')) else { continue };
                let weak = weaknesses(re);
                if !names_a_site(re) || weak.is_empty() {
                    continue;
                }
                out.push(
                    Finding::new(m.span(line), format!("this {var} pattern can be bypassed: {}", weak.join("; ")))
                        .help("anchor the regex at both ends and escape the dots: `~^https://(www\\.)?example\\.com$`")
                        .label(m.span(id), format!("requests are told apart by {var} here")),
                );
            }
        }
        // valid_referers regexes see the referer without its scheme. Only
        // those that name this server's own site are meant to pin it down:
        // `~\.google\.` deliberately lets every Google site in.
        for &id in m.named("valid_referers") {
            let names = m.parent(id).and_then(|l| m.server_of(l)).map(|s| s.names.as_slice()).unwrap_or(&[]);
            for arg in m.args(id) {
                let Some(re) = arg.as_str().strip_prefix('~') else { continue };
                let plain = re.replace('\\', "").to_ascii_lowercase();
                let own = names.iter().any(|n| {
                    let n = n.trim_start_matches("*.").trim_start_matches('.').to_ascii_lowercase();
                    n.contains('.') && plain.contains(site_of(&n))
                });
                let weak = weaknesses(re);
                if !own || weak.is_empty() {
                    continue;
                }
                out.push(
                    Finding::new(arg.span, format!("this referer pattern can be bypassed: {}", weak.join("; ")))
                        .help("anchor the host and end it with a slash: `~^(www\\.)?example\\.com/`, or list the names (`*.example.com`)"),
                );
            }
        }
    }
}

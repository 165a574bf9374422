use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `ssl_ciphers` (and `proxy_ssl_ciphers`, `grpc_ssl_ciphers`,
    /// `uwsgi_ssl_ciphers`) that enable cipher suites without encryption or
    /// authentication, or with broken algorithms: NULL/eNULL/aNULL,
    /// EXPORT, RC4, RC2, DES and 3DES, MD5, anonymous Diffie-Hellman
    /// (ADH, AECDH), LOW; unless the same list removes them with `!`.
    /// `ALL` counts as enabling anonymous suites and 3DES, `MEDIUM` as 3DES.
    ///
    /// ## Why is this bad?
    /// A client (or a man in the middle forcing a downgrade) may negotiate
    /// one of them: traffic readable or forgeable by anyone on the path
    /// (NULL, anonymous suites, EXPORT keys), or decryptable in practice
    /// (RC4, 3DES with Sweet32).
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     ssl_ciphers HIGH:RC4-SHA:DES-CBC3-SHA;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     ssl_ciphers HIGH:!aNULL:!MD5:!3DES;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_ciphers>
    /// - <https://docs.openssl.org/master/man1/openssl-ciphers/>
    pub struct WeakSslCiphers {
        name: "weak-ssl-ciphers",
        category: Security,
        severity: Warning,
        summary: "ssl_ciphers enables NULL, EXPORT, RC4, DES or other broken suites",
        pass: &[
            "events {}\nhttp { ssl_ciphers HIGH:!aNULL:!MD5; }\n",
            "events {}\nhttp { ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384; }\n",
            "events {}\nhttp { ssl_ciphers 'EECDH+AESGCM:EDH+AESGCM:!RC4:!3DES'; }\n",
            "events {}\nhttp { ssl_ciphers ALL:!aNULL:!eNULL:!MEDIUM:!LOW:!EXPORT:!RC4:!MD5; }\n",
        ],
        fail: &[
            "events {}\nhttp { ssl_ciphers ALL:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP; }\n",
            "events {}\nhttp { server { ssl_ciphers \"ECDHE-RSA-AES128-SHA:DES-CBC3-SHA:!aNULL\"; } }\n",
            "events {}\nhttp { server { ssl_ciphers ALL:!aNULL; } }\n",
        ],
    }
}

/// Weak families: the cipher-string components that select them, and the
/// broad groups that include them (OpenSSL's `ALL` takes anonymous suites
/// and 3DES along, `MEDIUM` holds 3DES since OpenSSL 1.1.0).
const WEAK: &[(&str, &[&str], &[&str])] = &[
    ("NULL", &["NULL", "eNULL", "aNULL"], &["ALL"]),
    ("EXPORT", &["EXPORT", "EXP", "EXPORT40", "EXPORT56"], &[]),
    ("RC4", &["RC4"], &[]),
    ("RC2", &["RC2"], &[]),
    ("DES", &["DES", "3DES", "CBC3"], &["ALL", "MEDIUM"]),
    ("MD5", &["MD5"], &[]),
    ("anonymous DH", &["ADH", "AECDH"], &[]),
    ("LOW", &["LOW"], &[]),
];

impl Rule for WeakSslCiphers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for directive in ["ssl_ciphers", "proxy_ssl_ciphers", "grpc_ssl_ciphers", "uwsgi_ssl_ciphers"] {
            for &id in m.named(directive) {
                let Some(list) = m.arg(id, 0) else { continue };
                let tokens: Vec<&str> = list.split([':', ',', ' ']).filter(|t| !t.is_empty()).collect();
                let removed = |parts: &[&str]| {
                    tokens
                        .iter()
                        .any(|t| t.strip_prefix('!').is_some_and(|n| parts.iter().any(|p| p.eq_ignore_ascii_case(n))))
                };
                let mut found: Vec<&str> = Vec::new();
                for (family, parts, groups) in WEAK {
                    let enabled = tokens.iter().any(|t| {
                        !t.starts_with(['!', '-'])
                            && t.trim_start_matches('+')
                                .split(['-', '+'])
                                .any(|c| parts.iter().chain(*groups).any(|p| p.eq_ignore_ascii_case(c)))
                    });
                    let groups_removed = groups.iter().any(|&g| g != "ALL" && removed(&[g]));
                    if enabled && !removed(parts) && !groups_removed {
                        found.push(family);
                    }
                }
                if found.is_empty() {
                    continue;
                }
                out.push(
                    Finding::new(m.span(id), format!("{directive} enables weak cipher suites: {}", found.join(", ")))
                        .help(format!("remove them, or end the list with `:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5`; `{directive} HIGH:!aNULL:!MD5;` is nginx's default")),
                );
            }
        }
    }
}

use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;

declare_rule! {
    /// ## What it does
    /// Reports `ssl_prefer_server_ciphers off;` where a TLS server it applies
    /// to offers cipher suites without forward secrecy: entries that are not
    /// TLS 1.3 suites and name no ephemeral key exchange (ECDHE, EECDH, DHE,
    /// EDH). nginx's default list, `HIGH:!aNULL:!MD5`, is such a list: it
    /// includes RSA key exchange. Only a written `off` is reported: it is
    /// also nginx's default, which most configurations never touch.
    ///
    /// ## Why is this bad?
    /// With `off` the client's order of preference picks the suite. A client
    /// that lists RSA key exchange first (old libraries, some middleboxes)
    /// gets it although the server offers ECDHE: that session's traffic can
    /// be decrypted later by whoever obtains the certificate's private key.
    /// Mozilla's server-side TLS guidance pairs `off` only with a list of
    /// forward-secret suites; a list that keeps others wants `on`, so that
    /// the server's order, strongest first, decides.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     ssl_ciphers HIGH:!aNULL:!MD5;
    ///     ssl_prefer_server_ciphers off;
    ///     server { listen 443 ssl; }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ///     ssl_prefer_server_ciphers off;
    ///     server { listen 443 ssl; }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_prefer_server_ciphers>
    /// - <https://wiki.mozilla.org/Security/Server_Side_TLS>
    pub struct SslPreferServerCiphersOff {
        name: "ssl-prefer-server-ciphers-off",
        category: Security,
        severity: Warning,
        confidence: Medium,
        summary: "ssl_prefer_server_ciphers off lets clients pick suites without forward secrecy",
        pass: &[
            "events {}\nhttp { ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:TLS_AES_128_GCM_SHA256; ssl_prefer_server_ciphers off; server { listen 443 ssl; } }\n",
            "events {}\nhttp { ssl_ciphers 'EECDH+AESGCM:EDH+AESGCM'; ssl_prefer_server_ciphers off; server { listen 443 ssl; } }\n",
            "events {}\nhttp { ssl_prefer_server_ciphers on; server { listen 443 ssl; } }\n",
            "events {}\nhttp { ssl_ciphers EECDH+CHACHA20:EECDH+AES; ssl_prefer_server_ciphers off; server { listen 443 ssl; } }\n",
            "events {}\nhttp { ssl_prefer_server_ciphers off; server { listen 80; } }\n",
            "events {}\nhttp { ssl_prefer_server_ciphers off; server { listen 443 ssl; ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384; } }\n",
        ],
        fail: &[
            "events {}\nhttp { ssl_prefer_server_ciphers off; server { listen 443 ssl; } }\n",
            "events {}\nhttp { server { listen 443 ssl; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES256-SHA; ssl_prefer_server_ciphers off; } }\n",
            "events {}\nhttp { ssl_ciphers 'EECDH+AESGCM:AESGCM'; server { listen 443 ssl; ssl_prefer_server_ciphers off; } }\n",
        ],
    }
}

/// nginx's `ssl_ciphers` when none is set.
const DEFAULT_CIPHERS: &str = "HIGH:!aNULL:!MD5";

/// The first enabled entry of an OpenSSL cipher list that may select a
/// suite without forward secrecy (not a TLS 1.3 suite, no ephemeral key
/// exchange named): what a client could pick that the server should not
/// leave to it.
fn without_forward_secrecy(list: &str) -> Option<&str> {
    list.split([':', ',', ' ']).filter(|t| !t.is_empty()).find(|t| {
        if t.starts_with(['!', '-', '@']) {
            return false;
        }
        let t = t.trim_start_matches('+').to_ascii_uppercase();
        let ephemeral = t
            .split(['+', '-'])
            .any(|p| matches!(p, "ECDHE" | "EECDH" | "DHE" | "EDH" | "KEECDH" | "KEDH" | "KECDHE" | "KDHE"));
        !(t.starts_with("TLS_") || ephemeral)
    })
}

impl Rule for SslPreferServerCiphersOff {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("ssl_prefer_server_ciphers") {
            if m.arg(id, 0) != Some("off") || !matches!(m.tree.insts[id as usize].ctx, Context::Http | Context::Server)
            {
                continue;
            }
            let Some(level) = m.parent(id) else { continue };
            // The TLS servers whose setting this is.
            let hit = m.servers.iter().find_map(|s| {
                let tls = s.listens.iter().any(|(_, l)| l.ssl || l.quic);
                if !tls || m.effective(s.inst, "ssl_prefer_server_ciphers") != Some(id) {
                    return None;
                }
                let list = m.effective(s.inst, "ssl_ciphers");
                let text = list.and_then(|c| m.arg(c, 0)).unwrap_or(DEFAULT_CIPHERS);
                without_forward_secrecy(text).map(|e| (s.inst, list, e.to_string()))
            });
            let Some((server, list, entry)) = hit else { continue };
            let mut f = Finding::new(
                m.span(id),
                format!("ssl_prefer_server_ciphers off lets the client choose, and \"{entry}\" in the cipher list offers suites without forward secrecy"),
            )
            .help("set `ssl_prefer_server_ciphers on;`, or keep `off` with forward-secret suites only (for example `EECDH+AESGCM:EECDH+CHACHA20`)");
            f = match list {
                Some(c) => f.label(m.span(c), "the cipher list in effect"),
                None if server != level => {
                    f.label(m.span(server), "this TLS server uses nginx's default HIGH:!aNULL:!MD5")
                }
                None => f,
            };
            out.push(f);
        }
    }
}

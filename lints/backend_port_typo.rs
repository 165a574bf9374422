use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::InstId;
use rustc_hash::FxHashMap;

declare_rule! {
    /// ## What it does
    /// Reports a backend host reached on a port that is used once, when the
    /// same host is reached from at least two other places on a port that
    /// differs in one digit (`8000` and `8001`, `3000` and `3030`), by two
    /// swapped digits, or by one digit too many or too few (`3000` and
    /// `30000`). Hosts on this machine (`localhost`, `127.0.0.1`, `::1`) count
    /// as one host.
    ///
    /// A `server` line of an `upstream` block is reported only for a digit too
    /// many or too few, or two swapped digits other than a 0 (`8081` and
    /// `8018`) on a host reached on at most four ports: pools often run one
    /// instance per port on purpose (`8000`,
    /// `8001`, ..., `8010`), and a port that differs in one digit from its
    /// siblings is how those are numbered.
    ///
    /// ## Why is this bad?
    /// A mistyped port sends one location's traffic to the wrong service,
    /// or to nothing, and the 502 errors show up only on that path.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ { proxy_pass http://127.0.0.1:8000; }
    ///         location /admin/ { proxy_pass http://127.0.0.1:8000; }
    ///         location /auth/ { proxy_pass http://127.0.0.1:8001; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ { proxy_pass http://127.0.0.1:8000; }
    ///         location /admin/ { proxy_pass http://127.0.0.1:8000; }
    ///         location /auth/ { proxy_pass http://127.0.0.1:8000; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass>
    pub struct BackendPortTypo {
        name: "backend-port-typo",
        category: Suspicious,
        severity: Warning,
        summary: "a backend port used once looks like a typo of a port used elsewhere",
        pass: &[
            "events {}\nhttp { server { location /a { proxy_pass http://127.0.0.1:8000; } location /b { proxy_pass http://127.0.0.1:9001; } location /c { proxy_pass http://127.0.0.1:8000; } } }\n",
            "events {}\nhttp { server { location /a { proxy_pass http://127.0.0.1:8000; } location /b { proxy_pass http://127.0.0.1:8001; } } }\n",
            "events {}\nhttp { upstream u { server 127.0.0.1:8000; server 127.0.0.1:8001; } server { location /a { proxy_pass http://127.0.0.1:8000; } location /b { proxy_pass http://127.0.0.1:8000; } location /c { proxy_pass http://u; } } }\n",
            "events {}\nhttp { upstream u { server 10.0.0.1:3000; server 10.0.0.2:3000; server 10.0.0.1:3001; } server { location / { proxy_pass http://u; } location /m { proxy_pass http://10.0.0.1:3000; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:8001; } upstream j { server 127.0.0.1:8010; } server { location / { proxy_pass http://a; } location /x/ { proxy_pass http://a; } location /j/ { proxy_pass http://j; } } }\n",
            "events {}\nhttp { upstream a { server 127.0.0.1:8081; } upstream b { server 127.0.0.1:8018; } upstream c { server 127.0.0.1:8233; } upstream d { server 127.0.0.1:8472; } upstream e { server 127.0.0.1:8590; } server { location / { proxy_pass http://a; } location /x/ { proxy_pass http://a; } location /b/ { proxy_pass http://b; } location /c/ { proxy_pass http://c; } location /d/ { proxy_pass http://d; } location /e/ { proxy_pass http://e; } } }\n",
        ],
        fail: &[
            "events {}\nhttp { server { location /a { proxy_pass http://localhost:3000; } location /b { proxy_pass http://127.0.0.1:3000/; } location /c { proxy_pass http://127.0.0.1:3030; } } }\n",
            "events {}\nhttp { server { location /a { proxy_pass http://app:8080; } } server { location /b { proxy_pass http://app:8080; } } server { location /c { proxy_pass http://app:8800; } } }\n",
            "events {}\nhttp { upstream web { server 10.0.0.5:8000; } server { location / { proxy_pass http://web; } location /static { proxy_pass http://web; } location /auth { proxy_pass http://10.0.0.5:8001; } } }\n",
            "events {}\nhttp { upstream api { server [fd00::10]:3000; server [fd00::11]:3000; server [fd00::10]:30000; } server { location / { proxy_pass http://api; } location /metrics { proxy_pass http://[fd00::10]:3000/metrics; } } }\n",
            "events {}\nhttp { server { location /a { proxy_pass http://10.1.1.1:8080; } location /b { proxy_pass http://10.1.1.1:8080; } location /c { proxy_pass http://10.1.1.1:808; } } }\n",
            "events {}\nhttp { upstream api { server 10.0.1.20:8081; server 10.0.1.21:8081; } upstream admin { server 10.0.1.20:8018; } server { location / { proxy_pass http://api; } location /v2/ { proxy_pass http://api; } location /admin/ { proxy_pass http://admin; } } }\n",
        ],
    }
}

/// At most this many ports on one host for a swap on an upstream line to
/// count as a typo.
const FEW_PORTS: usize = 4;

/// How two port numbers differ, when they look like one typed wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Typo {
    /// One digit differs.
    Changed,
    /// Two adjacent digits are swapped (`8081` and `8018`); `zero` when one
    /// of them is a 0 (`8001` and `8010` also number instances).
    Swapped { zero: bool },
    /// One digit too many or too few (`3000` and `30000`).
    Length,
}

/// The decimal digits of a port, without allocating.
fn digits(mut n: u16) -> ([u8; 5], usize) {
    let mut buf = [0u8; 5];
    let mut i = 5;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    (buf, i)
}

fn looks_alike(a: u16, b: u16) -> Option<Typo> {
    let ((da, ia), (db, ib)) = (digits(a), digits(b));
    let (a, b) = (&da[ia..], &db[ib..]);
    if a == b {
        return None;
    }
    if a.len() != b.len() {
        let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
        if long.len() != short.len() + 1 {
            return None;
        }
        // Deleting one digit of the longer gives the shorter.
        let same = (0..long.len()).any(|k| long[..k] == short[..k] && long[k + 1..] == short[k..]);
        return same.then_some(Typo::Length);
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => Some(Typo::Changed),
        [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i] => {
            Some(Typo::Swapped { zero: a[*i] == b'0' || a[*j] == b'0' })
        }
        _ => None,
    }
}

/// How a (host, port) is used.
#[derive(Default)]
struct Use {
    at: Vec<InstId>,
    /// Request paths: literal passes, plus for an upstream server the passes to its upstream.
    count: usize,
    /// Used by a literal pass target.
    literal: bool,
}

impl Rule for BackendPortTypo {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        // (kind, host) -> port -> (where it is used, how many requests paths use it, literal?)
        let mut uses: FxHashMap<(&str, String), FxHashMap<u16, Use>> = FxHashMap::default();
        // Ports that sit together in one upstream pool are siblings on purpose.
        let mut pooled: FxHashMap<String, Vec<Vec<u16>>> = FxHashMap::default();
        for u in &m.upstreams {
            let n = m.passes_to(u.inst).count();
            let kind = m.passes_to(u.inst).next().map(|p| p.kind.directive());
            let ports: Vec<u16> = m.servers_of(u).iter().filter_map(|x| x.port).collect();
            // Only a pool of two different ports can excuse a pair of ports
            // (tens of thousands of one-server pools cost memory for nothing).
            let pool = ports.iter().any(|&p| p != ports[0]);
            for s in m.servers_of(u) {
                let (Some(port), None) = (s.port, &s.unix) else { continue };
                let key = super::pass_protocol_mismatch::dest_key(&s.host, None, None);
                if pool {
                    pooled.entry(key.clone()).or_default().push(ports.clone());
                }
                if let (Some(kind), true) = (kind, n > 0) {
                    let e = uses.entry((kind, key)).or_default().entry(port).or_default();
                    e.at.push(s.inst);
                    e.count += n;
                }
            }
        }
        for p in &m.passes {
            let t = &p.target;
            if t.dynamic || t.upstream.is_some() || t.unix.is_some() {
                continue;
            }
            let Some(port) = t.effective_port() else { continue };
            let key = super::pass_protocol_mismatch::dest_key(&t.host, None, None);
            let e = uses.entry((p.kind.directive(), key)).or_default().entry(port).or_default();
            e.at.push(p.inst);
            e.count += 1;
            e.literal = true;
        }
        for ((_, host), ports) in &uses {
            if ports.len() < 2 {
                continue;
            }
            let pools = pooled.get(host.as_str()).map(|v| v.as_slice()).unwrap_or(&[]);
            let shown = host.trim_end_matches(":0");
            for (&lone, u) in ports {
                if u.count != 1 {
                    continue;
                }
                // A port a digit longer or shorter is a typo even in a pool;
                // one digit changed is how pools number their instances, and
                // so are swaps with a 0 (8001, 8010). Two other digits swapped
                // (8081, 8018) are no numbering scheme.
                let in_pool = |p: u16| pools.iter().any(|pool| pool.contains(&p) && pool.contains(&lone));
                let fits = |p: u16| match looks_alike(p, lone) {
                    Some(Typo::Length) => true,
                    // On upstream lines only where the host runs a few
                    // services: among dozens of ports (one host, many apps)
                    // some pairs are swaps of each other by chance.
                    Some(Typo::Swapped { zero: false }) => (u.literal || ports.len() <= FEW_PORTS) && !in_pool(p),
                    Some(Typo::Changed | Typo::Swapped { zero: true }) => u.literal && !in_pool(p),
                    None => false,
                };
                let Some((&common, there)) = ports
                    .iter()
                    .filter(|(&p, v)| v.count >= 2 && fits(p))
                    .max_by_key(|(&p, v)| (v.count, std::cmp::Reverse(p)))
                else {
                    continue;
                };
                out.push(
                    Finding::new(
                        m.span(u.at[0]),
                        format!(
                            "{shown} is reached on port {lone} only here, and on port {common} from {} other places",
                            there.count
                        ),
                    )
                    .help(format!("check the port: if it is a typo, write {common}"))
                    .label(m.span(there.at[0]), format!("port {common} used here")),
                );
            }
        }
    }
}

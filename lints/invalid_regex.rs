use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::Status;
use crate::span::Span;
use crate::syntax::ast::Arg;
use rustc_hash::{FxHashMap, FxHashSet};

declare_rule! {
    /// ## What it does
    /// Compiles every regular expression nginx compiles at startup, with
    /// PCRE2 (the library nginx uses) and nginx's options: `location ~` and
    /// `~*`, `server_name ~`, `if (... ~ ...)` and its `~*`, `!~`, `!~*` forms,
    /// `rewrite`, and `~` keys of `map`. The finding points at the regex, at
    /// the place PCRE2 names where it can.
    ///
    /// nginx error text: `pcre2_compile() failed: REASON in "REGEX"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location ~ ^/(api|static {
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
    ///         location ~ ^/(api|static) {
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://www.pcre.org/current/doc/html/pcre2pattern.html>
    pub struct InvalidRegex {
        name: "invalid-regex",
        category: Correctness,
        severity: Error,
        summary: "a regular expression PCRE2 cannot compile",
        pass: &["events {}\nhttp { map $uri $x { ~^/a(?<n>.*) 1; } server { server_name ~^(www\\.)?(?<d>.+)$; location ~* \\.(png|jpg)$ { } if ($uri ~ \"^/x{2}$\") { } rewrite ^/(.*)$ /$1 break; } }\n"],
        fail: &[
            "events {}\nhttp { server { location ~ (unclosed { } } }\n",
            "events {}\nhttp { server { server_name \"~^(www\"; } }\n",
            "events {}\nhttp { server { if ($uri ~ \"(\") { return 404; } } }\n",
            "events {}\nhttp { server { rewrite ^/[a- /b; } }\n",
            "events {}\nhttp { map $uri $x { \"~*(a\" 1; } }\n",
        ],
    }
}

impl Rule for InvalidRegex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        // Each pattern is compiled once, however many places repeat it; each
        // statement is looked at once, however often its file is included.
        // (pattern, caseless) -> the PCRE2 error (reason, offset), if any
        type Outcome = Option<(String, Option<usize>)>;
        let mut compiled: FxHashMap<(String, bool), Outcome> = FxHashMap::default();
        let mut done: FxHashSet<(u32, u32)> = FxHashSet::default();
        for inst in &cx.tree.insts {
            let repeated = cx.tree.expansions.get(inst.file as usize).is_some_and(|&n| n > 1);
            if repeated && !done.insert((inst.file, inst.node)) {
                continue;
            }
            let file = cx.loaded.file(inst.file);
            let d = file.ast.node(inst.node);
            let args = file.ast.args(d);
            let name = d.name();
            // (the argument holding the regex, the regex, caseless)
            let mut regexes: Vec<(&Arg, &str, bool)> = Vec::new();
            match (inst.ctx, name) {
                (Context::Map | Context::StreamMap, key) if key.starts_with('~') => {
                    let (re, ci) = strip_tilde(key);
                    regexes.push((&d.name, re, ci));
                }
                _ if !matches!(inst.status, Status::Found(_)) => continue,
                (_, "location") => match args {
                    [m, re] if m.as_str() == "~" || m.as_str() == "~*" => {
                        regexes.push((re, re.as_str(), m.as_str() == "~*"))
                    }
                    [re] if re.as_str().starts_with('~') => {
                        let (r, ci) = strip_tilde(re.as_str());
                        regexes.push((re, r, ci));
                    }
                    _ => {}
                },
                (_, "server_name") => {
                    for a in args.iter().filter(|a| a.as_str().starts_with('~')) {
                        regexes.push((a, &a.as_str()[1..], false));
                    }
                }
                (_, "rewrite") => {
                    if let Some(re) = args.first() {
                        regexes.push((re, re.as_str(), false));
                    }
                }
                (_, "if") => {
                    if let [_, op, re, ..] = args {
                        let re_text = if args.len() == 3 {
                            re.as_str().strip_suffix(')').unwrap_or(re.as_str())
                        } else {
                            re.as_str()
                        };
                        match op.as_str() {
                            "~" | "!~" => regexes.push((re, re_text, false)),
                            "~*" | "!~*" => regexes.push((re, re_text, true)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            for (arg, re, caseless) in regexes {
                let result = compiled.entry((re.to_string(), caseless)).or_insert_with(|| {
                    pcre2::bytes::RegexBuilder::new().caseless(caseless).build(re).err().map(|e| {
                        let text = e.to_string();
                        (text.rsplit_once(": ").map_or(text.as_str(), |(_, r)| r).to_string(), e.offset())
                    })
                });
                if let Some((reason, offset)) = result.clone() {
                    let mut f = Finding::new(arg.span, format!("pcre2_compile() failed: {reason} in \"{re}\""))
                        .help("fix the regular expression; quote it if it contains \"{\", \";\" or spaces");
                    // Point at the offset PCRE2 names, when it maps into the raw text.
                    if let Some(off) = offset {
                        let raw = file.slice(arg.span);
                        if let Some(pos) = raw.find(re) {
                            let at = arg.span.start + (pos + off.min(re.len())) as u32;
                            let end = (at + 1).min(arg.span.end).max(at);
                            f = f.label(Span::new(arg.span.file, at, end), "PCRE2 stops here");
                        }
                    }
                    out.push(f);
                }
            }
        }
    }
}

/// `~re` or `~*re` to (re, caseless).
fn strip_tilde(s: &str) -> (&str, bool) {
    match s.strip_prefix("~*") {
        Some(r) => (r, true),
        None => (s.strip_prefix('~').unwrap_or(s), false),
    }
}

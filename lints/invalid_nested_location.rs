use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::context::Context;
use crate::model::tree::Status;
use crate::syntax::ast::Arg;

declare_rule! {
    /// ## What it does
    /// Reports a `location` nested in another one in a way nginx refuses: any
    /// location inside an exact (`=`) or a named (`@`) location, a named
    /// location anywhere but at the server level, and a prefix location
    /// whose path does not start with the enclosing location's (for a regex
    /// parent, its pattern text). Regex locations may nest anywhere else.
    ///
    /// nginx error texts: `location "X" cannot be inside the exact location
    /// "Y"`, `location "X" cannot be inside the named location "Y"`, `named
    /// location "X" can be on the server level only`, `location "X" is
    /// outside location "Y"`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         location /api/ {
    ///             location /static/ {
    ///                 root /srv;
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
    ///             location /api/static/ {
    ///                 root /srv;
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
    /// - <https://nginx.org/en/docs/http/ngx_http_core_module.html#location>
    pub struct InvalidNestedLocation {
        name: "invalid-nested-location",
        category: Correctness,
        severity: Error,
        summary: "a location nested where nginx does not allow it",
        pass: &["events {}\nhttp { server { location /a/ { location /a/b { } location ~ \\.php$ { } location = /a/x { } } location ~ ^/r { location ~ x { } } location @n { } } }\n"],
        fail: &[
            "events {}\nhttp { server { location /a { location /b { } } } }\n",
            "events {}\nhttp { server { location = /a { location /a/b { } } } }\n",
            "events {}\nhttp { server { location /a { location @x { } } } }\n",
            "events {}\nhttp { server { location @x { location ~ y { } } } }\n",
            "events {}\nhttp { server { location ~ ^/a { location /b { } } } }\n",
        ],
    }
}

/// A location as nginx names it: (name, exact, named, regex).
struct Loc<'a> {
    name: &'a str,
    exact: bool,
    named: bool,
    regex: bool,
}

fn parse(args: &[Arg]) -> Option<Loc<'_>> {
    match args {
        [m, n] => {
            let name = n.as_str();
            match m.as_str() {
                "=" => Some(Loc { name, exact: true, named: false, regex: false }),
                "^~" => Some(Loc { name, exact: false, named: false, regex: false }),
                "~" | "~*" => Some(Loc { name, exact: false, named: false, regex: true }),
                _ => None, // invalid-location-modifier reports it
            }
        }
        [n] => {
            let v = n.as_str();
            Some(if let Some(r) = v.strip_prefix('=') {
                Loc { name: r, exact: true, named: false, regex: false }
            } else if let Some(r) = v.strip_prefix("^~") {
                Loc { name: r, exact: false, named: false, regex: false }
            } else if let Some(r) = v.strip_prefix('~') {
                Loc { name: r.strip_prefix('*').unwrap_or(r), exact: false, named: false, regex: true }
            } else {
                Loc { name: v, exact: false, named: v.starts_with('@'), regex: false }
            })
        }
        _ => None,
    }
}

impl Rule for InvalidNestedLocation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for (_, inst, d) in cx.tree.occurrences(cx.loaded, &["location"]) {
            if inst.ctx != Context::Location || d.name() != "location" || !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            let Some(pid) = inst.parent else { continue };
            let p = cx.tree.directive(cx.loaded, pid);
            if p.name() != "location" {
                continue;
            }
            let pinst = &cx.tree.insts[pid as usize];
            let (Some(child), Some(parent)) =
                (parse(cx.loaded.file(inst.file).ast.args(d)), parse(cx.loaded.file(pinst.file).ast.args(p)))
            else {
                continue;
            };
            let (c, pn) = (child.name, parent.name);
            let (msg, help) = if parent.exact {
                (
                    format!("location \"{c}\" cannot be inside the exact location \"{pn}\""),
                    "an exact location matches one URI: move this location out, next to it".to_string(),
                )
            } else if parent.named {
                (
                    format!("location \"{c}\" cannot be inside the named location \"{pn}\""),
                    "move this location out of the named location".to_string(),
                )
            } else if child.named {
                (
                    format!("named location \"{c}\" can be on the server level only"),
                    "move the named location to the server block".to_string(),
                )
            } else if !child.regex && !c.as_bytes().starts_with(pn.as_bytes()) {
                (
                    format!("location \"{c}\" is outside location \"{pn}\""),
                    if parent.regex {
                        "a prefix location inside a regex location must start with the regex's text; move it out, or make it a regex location".to_string()
                    } else {
                        format!("start its path with \"{pn}\", or move it out of \"{pn}\"")
                    },
                )
            } else {
                continue;
            };
            out.push(Finding::new(d.head_span(), msg).help(help).label(p.head_span(), "inside this location"));
        }
    }
}

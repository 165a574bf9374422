use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::model::tree::Status;
use crate::span::Span;

declare_rule! {
    /// ## What it does
    /// Reports an `if` whose condition nginx cannot read. nginx accepts
    /// exactly these shapes, in parentheses:
    ///
    /// - `($variable)`: true unless empty or `0`;
    /// - `($variable = value)`, `($variable != value)`;
    /// - `($variable ~ regex)`, `~*`, `!~`, `!~*`;
    /// - `(-f path)`, `!-f`, `-d`, `!-d`, `-e`, `!-e`, `-x`, `!-x`.
    ///
    /// Anything else (a bare word, a missing operand such as `($uri ~)`, an
    /// unknown operator such as `==` or `-z`, a missing parenthesis) is
    /// refused when nginx reads the line. Invalid regexes are reported by
    /// `invalid-regex`.
    ///
    /// nginx error texts: `invalid condition "X"`, `unexpected "X" in condition`.
    ///
    /// ## Why is this bad?
    /// nginx refuses to load the configuration.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         if ($request_method == POST) { return 405; }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     server {
    ///         if ($request_method = POST) { return 405; }
    ///     }
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#if>
    pub struct InvalidIfCondition {
        name: "invalid-if-condition",
        category: Correctness,
        severity: Error,
        summary: "an if condition nginx cannot read",
        pass: &["events {}\nhttp { server { if ($a) { return 404; } if ( $a = \"\" ) { return 403; } if ($uri ~* \"^/x\") { return 404; } if (!-f $request_filename) { return 404; } } }\n"],
        fail: &[
            "events {}\nhttp { server { location / { if (foo bar baz) { return 404; } } } }\n",
            "events {}\nhttp { server { if ($uri ~) { return 404; } } }\n",
            "events {}\nhttp { server { if ($a == b) { return 404; } } }\n",
            "events {}\nhttp { server { if ($a = b { return 404; } } }\n",
        ],
    }
}

/// Follows nginx's reading of an `if` condition: `None` when valid, else the
/// index of the word nginx names and a hint.
pub fn refuse(words: &[&str]) -> Option<(usize, &'static str)> {
    // Each word with the text nginx looks at after removing the parentheses.
    let mut w: Vec<&str> = words.to_vec();
    let mut last = w.len().checked_sub(1)?;
    if !w[0].starts_with('(') {
        return Some((0, "the condition goes in parentheses: `if ($var = value)`"));
    }
    let mut cur = 0;
    if w[0].len() == 1 {
        cur = 1;
    } else {
        w[0] = &w[0][1..];
    }
    if !w[last].ends_with(')') {
        return Some((last, "the condition ends with `)`"));
    }
    if w[last].len() == 1 {
        // nginx steps back over a lone `)` (also when it was the only word).
        last = last.checked_sub(1).unwrap_or(usize::MAX);
    } else {
        w[last] = &w[last][..w[last].len() - 1];
    }
    // nginx assumes words remain: with none, it would read past the end.
    if cur >= w.len() || last == usize::MAX || cur > last + 1 {
        return Some((cur.min(w.len() - 1), "the condition is empty"));
    }
    let p = if cur > last { ")" } else { w[cur] };
    if p.len() > 1 && p.starts_with('$') {
        if cur != last && cur + 2 != last {
            return Some((
                cur,
                "a variable is tested alone or compared with one operand: `($v)`, `($v = x)`, `($v ~ regex)`",
            ));
        }
        if cur == last {
            return None;
        }
        return match w[cur + 1] {
            "=" | "!=" | "~" | "~*" | "!~" | "!~*" => None,
            _ => Some((cur + 1, "the operators are = != ~ ~* !~ !~*")),
        };
    }
    if (p.len() == 2 && p.starts_with('-')) || (p.len() == 3 && p.starts_with("!-")) {
        if cur + 1 != last {
            return Some((cur, "a file test takes one operand: `(-f $request_filename)`"));
        }
        return match p {
            "-f" | "!-f" | "-d" | "!-d" | "-e" | "!-e" | "-x" | "!-x" => None,
            _ => Some((cur, "the file tests are -f -d -e -x and their negations !-f !-d !-e !-x")),
        };
    }
    Some((cur.min(w.len() - 1), "a condition starts with a variable (`$v`) or a file test (`-f`, `!-e`...)"))
}

impl Rule for InvalidIfCondition {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        let m = cx.model();
        for &id in m.named("if") {
            let Status::Found(spec) = cx.tree.insts[id as usize].status else { continue };
            if spec.module != "ngx_http_rewrite_module" {
                continue;
            }
            let args = m.args(id);
            if args.is_empty() {
                continue; // invalid-argument-count
            }
            let words: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
            let Some((i, why)) = refuse(&words) else { continue };
            // nginx prints the word without the parentheses it stripped.
            let shown = strip_shown(&words, i);
            let span: Span = args[i].span;
            // A bad operator after a variable has its own text.
            let message = if why.starts_with("the operators") {
                format!("unexpected \"{shown}\" in condition")
            } else {
                format!("invalid condition \"{shown}\"")
            };
            out.push(Finding::new(span, message).help(why));
        }
    }
}

/// The word as nginx prints it: without the `(` of the first word and the
/// `)` of the last, when those were removed before the error.
fn strip_shown<'a>(words: &[&'a str], i: usize) -> &'a str {
    let mut s = words[i];
    if i == 0 && s.len() > 1 && s.starts_with('(') {
        s = &s[1..];
    }
    if i == words.len() - 1 && s.len() > 1 && s.ends_with(')') && words[0].starts_with('(') {
        s = &s[..s.len() - 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::refuse;

    #[test]
    fn shapes() {
        let ok = |s: &str| refuse(&s.split(' ').collect::<Vec<_>>()).is_none();
        for good in [
            "($a)",
            "( $a )",
            "($a = b)",
            "($a != b)",
            "($a ~ x)",
            "($a ~* x)",
            "($a !~ x)",
            "($a !~* x)",
            "(-f $x)",
            "(!-e $x)",
            "( -d $x )",
            "($a ~ x )",
        ] {
            assert!(ok(good), "{good}");
        }
        for bad in [
            "(foo bar baz)",
            "($uri ~)",
            "($a == b)",
            "($a = b",
            "$a)",
            "(-z x)",
            "()",
            "(",
            "($)",
            "(-f)",
            "($a b c d)",
            "($a = )",
            "(!- x)",
        ] {
            assert!(!ok(bad), "{bad}");
        }
    }
}

//! Facts about nginx variables that the security rules share: which ones a
//! client controls, which may carry a line break, and the capture groups of
//! a regex.

/// The variable names a value refers to (`$host`, `${arg_x}`, `$1`), without `$`.
pub fn variables(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let rest = &s[i + 1..];
        if let Some(inner) = rest.strip_prefix('{') {
            if let Some(end) = inner.find('}') {
                out.push(&inner[..end]);
                i += end + 3;
                continue;
            }
        }
        let len = if rest.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
            1
        } else {
            rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count()
        };
        if len > 0 {
            out.push(&rest[..len]);
        }
        i += 1 + len;
    }
    out
}

/// True for a variable whose whole value the client chooses: request
/// headers, arguments, cookies, the raw request line and URI parts.
pub fn client_controlled(var: &str) -> bool {
    let v = var.to_ascii_lowercase();
    v.starts_with("http_")
        || v.starts_with("arg_")
        || v.starts_with("cookie_")
        || matches!(
            v.as_str(),
            "host" | "args" | "query_string" | "request_uri" | "uri" | "document_uri" | "request" | "request_body"
        )
}

/// True for a variable that may hold a line feed: the normalised URI is
/// percent-decoded, so `%0d%0a` in a request becomes CR LF.
pub fn may_hold_newline(var: &str) -> bool {
    matches!(var, "uri" | "document_uri" | "request_body")
}

/// True for a numbered or named regex capture (`$1`, `$name` from `(?<name>...)`).
pub fn is_numbered_capture(var: &str) -> bool {
    var.len() == 1 && var.as_bytes()[0].is_ascii_digit()
}

/// One capture group of a regex: its number, its name, and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    pub number: usize,
    pub name: Option<&'a str>,
    pub body: &'a str,
}

/// The capturing groups of a PCRE pattern, by a small scanner that knows
/// escapes, character classes and `(?...)` groups.
pub fn capture_groups(pattern: &str) -> Vec<Group<'_>> {
    let b = pattern.as_bytes();
    let mut out: Vec<Group<'_>> = Vec::new();
    // (start of body, index into out when capturing)
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !in_class => {
                in_class = true;
                // a `]` right after `[` or `[^` is literal
                if b.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if in_class => in_class = false,
            b'(' if !in_class => {
                let rest = &pattern[i + 1..];
                let (capturing, name, skip) = if let Some(r) = rest.strip_prefix("?<").or(rest.strip_prefix("?P<")) {
                    if r.starts_with('=') || r.starts_with('!') {
                        (false, None, 0)
                    } else {
                        let end = r.find('>').unwrap_or(0);
                        (true, Some(&r[..end]), rest.len() - r.len() + end + 1)
                    }
                } else if let Some(r) = rest.strip_prefix("?'") {
                    let end = r.find('\'').unwrap_or(0);
                    (true, Some(&r[..end]), 2 + end + 1)
                } else {
                    (!rest.starts_with('?') && !rest.starts_with('*'), None, 0)
                };
                let slot = capturing.then(|| {
                    out.push(Group { number: out.len() + 1, name, body: "" });
                    out.len() - 1
                });
                stack.push((i + 1 + skip, slot));
            }
            b')' if !in_class => {
                if let Some((start, Some(slot))) = stack.pop() {
                    out[slot].body = &pattern[start.min(i)..i];
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// True when a regex fragment can match a line feed: a negated class that
/// does not exclude it, `\s`, `\D`, `\W`, `\v`, `\R`, `\N`-free dot-all.
pub fn may_match_newline(fragment: &str) -> bool {
    if fragment.contains("(?s") {
        return true;
    }
    let b = fragment.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if matches!(b.get(i + 1), Some(b's' | b'D' | b'W' | b'v' | b'R' | b'n')) {
                    return true;
                }
                i += 2;
                continue;
            }
            b'[' => {
                let negated = b.get(i + 1) == Some(&b'^');
                let mut j = i + 1 + negated as usize;
                if b.get(j) == Some(&b']') {
                    j += 1;
                }
                let start = j;
                while j < b.len() && b[j] != b']' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let class = &fragment[start.min(b.len())..j.min(b.len())];
                let names_newline = class.contains("\\n") || class.contains("\\s") || class.contains('\n');
                if negated != names_newline {
                    return true;
                }
                i = j + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// True when a group body is a plain alternation of fixed words
/// (`foo|bar`, `v1|v2`): what it captures is chosen by the configuration.
pub fn is_literal_alternation(body: &str) -> bool {
    !body.is_empty()
        && body
            .split('|')
            .all(|w| !w.is_empty() && w.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'))
}

/// Why `$var`, read at `at`, holds a value `source` accepts (a request
/// variable the client chooses, say), if it may: it is one, or a `set` in
/// scope or a `map` line gives it a value that reads one (followed three
/// deep). With the reason, the `set` or `map` line that gives `$var` that
/// value, when it is not the request's own variable.
pub fn derived_from(
    m: &crate::model::graph::Model<'_>,
    at: crate::model::tree::InstId,
    var: &str,
    source: &dyn Fn(&str) -> bool,
    depth: u8,
) -> Option<(String, Option<crate::model::tree::InstId>)> {
    if source(var) {
        return Some((format!("${var} comes from the request"), None));
    }
    if depth >= 3 {
        return None;
    }
    m.var_sources_at(at, var).find_map(|s| {
        let (why, _) = variables(s.value).into_iter().find_map(|v| derived_from(m, s.at, v, source, depth + 1))?;
        let why = match s.map {
            Some(_) => format!("${var} is mapped from it: {why}"),
            None => format!("${var} is set from it: {why}"),
        };
        Some((why, Some(s.at)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_variables() {
        assert_eq!(variables("http://$host$request_uri"), ["host", "request_uri"]);
        assert_eq!(variables("${arg_x}y$1$2z"), ["arg_x", "1", "2"]);
        assert_eq!(variables("no vars $"), Vec::<&str>::new());
    }

    #[test]
    fn finds_groups() {
        let g = capture_groups(r"^/(?:a|b)/(?<id>[^/]+)/(.*)$");
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].number, g[0].name, g[0].body), (1, Some("id"), "[^/]+"));
        assert_eq!((g[1].number, g[1].body), (2, ".*"));
        let g = capture_groups(r"\((x)[(]");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].body, "x");
    }

    #[test]
    fn newline_fragments() {
        assert!(may_match_newline("[^/]+"));
        assert!(may_match_newline(r"\s*"));
        assert!(!may_match_newline(".*"));
        assert!(!may_match_newline(r"[^/\n]+"));
        assert!(!may_match_newline("[a-z0-9]+"));
        assert!(may_match_newline(r"(?s).*"));
    }
}

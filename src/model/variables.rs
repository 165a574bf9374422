//! Variables: the ones nginx and the Debian modules define by themselves
//! (kept in `src/model/variables.tbl`, format at the top of that file), and
//! the scanner nginx's script compiler applies to an argument with `$`.

use super::directives::Version;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// The variable namespace a directive's arguments resolve in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Http,
    Stream,
}

/// One built-in variable or prefix.
#[derive(Clone, Debug)]
pub struct VarSpec {
    /// Lowercase, without `$`; for a prefix, without the `*` (`arg_`).
    pub name: &'static str,
    pub prefix: bool,
    pub family: Family,
    pub module: &'static str,
    pub since: Option<Version>,
    pub removed: Option<Version>,
}

impl VarSpec {
    /// Whether the variable exists in nginx `v`.
    pub fn exists_in(&self, v: Version) -> bool {
        self.since.is_none_or(|s| s <= v) && self.removed.is_none_or(|r| v < r)
    }
}

/// The built-in variables.
#[derive(Debug)]
pub struct VariableTable {
    rows: Vec<VarSpec>,
    exact: FxHashMap<(Family, &'static str), u32>,
    prefixes: Vec<u32>,
}

impl VariableTable {
    pub fn all(&self) -> &[VarSpec] {
        &self.rows
    }

    /// The built-in that defines `name` (lowercase), by exact name or prefix.
    pub fn lookup(&self, family: Family, name: &str) -> Option<&VarSpec> {
        if let Some(&i) = self.exact.get(&(family, name)) {
            return Some(&self.rows[i as usize]);
        }
        self.prefixes.iter().map(|&i| &self.rows[i as usize]).find(|r| r.family == family && name.starts_with(r.name))
    }
}

fn load() -> Result<VariableTable, String> {
    let text = include_str!("variables.tbl");
    let mut rows = Vec::with_capacity(320);
    let mut module: Option<(&'static str, Family)> = None;
    for (i, line) in text.lines().enumerate() {
        let err = |m: &str| format!("variables.tbl:{}: {m}: {line}", i + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('@') {
            let w: Vec<&'static str> = rest.split_ascii_whitespace().collect();
            let (name, fam) = match w[..] {
                [n, f] | [n, f, _] => (n, f),
                _ => return Err(err("module line needs MODULE FAMILY [BINARY]")),
            };
            let fam = match fam {
                "http" => Family::Http,
                "stream" => Family::Stream,
                _ => return Err(err("unknown family")),
            };
            module = Some((name, fam));
            continue;
        }
        let (module, family) = module.ok_or_else(|| err("variable before any module line"))?;
        let mut words = line.split_ascii_whitespace();
        let word = words.next().ok_or_else(|| err("empty"))?;
        let (name, prefix) = match word.strip_suffix('*') {
            Some(p) => (p, true),
            None => (word, false),
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(err("bad name"));
        }
        let mut spec = VarSpec { name, prefix, family, module, since: None, removed: None };
        for w in words {
            let ver = |v: &str| Version::parse(v).ok_or_else(|| err("bad version"));
            match w.split_once('=') {
                Some(("since", v)) => spec.since = Some(ver(v)?),
                Some(("removed", v)) => spec.removed = Some(ver(v)?),
                _ => return Err(err(&format!("unknown attribute {w}"))),
            }
        }
        rows.push(spec);
    }
    let mut exact = FxHashMap::default();
    let mut prefixes = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.prefix {
            prefixes.push(i as u32);
        } else if exact.insert((r.family, r.name), i as u32).is_some() {
            return Err(format!("variables.tbl: {} listed twice", r.name));
        }
    }
    Ok(VariableTable { rows, exact, prefixes })
}

/// The variable table (parsed on first use).
pub fn variables() -> &'static VariableTable {
    static TABLE: OnceLock<VariableTable> = OnceLock::new();
    TABLE.get_or_init(|| match load() {
        Ok(t) => t,
        // The table is part of the binary and checked by a unit test.
        Err(e) => panic!("variable table: {e}"),
    })
}

/// What the script compiler finds at one `$` of an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarRef<'a> {
    /// `$name` or `${name}`: the name as written, and the byte range of the
    /// whole reference in the argument.
    Name(&'a str, usize, usize),
    /// `$1` .. `$9`: a regex capture, never checked at startup.
    Capture,
    /// `$` at the end or before a character that cannot start a name, or `${}`
    /// (nginx: `invalid variable name`); byte offset of the `$`.
    Invalid(usize),
    /// `${name` without `}` (nginx: `the closing bracket in "name" variable is
    /// missing`); the name so far and the offset of the `$`.
    Unclosed(&'a str, usize),
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Scans a value like `ngx_http_script_compile` does, calling `f` for each
/// `$`. Stops after an error, as nginx does.
pub fn scan<'a>(value: &'a str, mut f: impl FnMut(VarRef<'a>)) {
    let b = value.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr_dollar(&b[i..]) {
        let at = i + off;
        i = at + 1;
        if i == b.len() {
            f(VarRef::Invalid(at));
            return;
        }
        if (b'1'..=b'9').contains(&b[i]) {
            f(VarRef::Capture);
            i += 1;
            continue;
        }
        let bracket = b[i] == b'{';
        if bracket {
            i += 1;
            if i == b.len() {
                f(VarRef::Invalid(at));
                return;
            }
        }
        let start = i;
        while i < b.len() && is_name_byte(b[i]) {
            i += 1;
        }
        let name = &value[start..i];
        if bracket {
            if i < b.len() && b[i] == b'}' {
                i += 1;
            } else {
                f(VarRef::Unclosed(name, at));
                return;
            }
        }
        if name.is_empty() {
            f(VarRef::Invalid(at));
            return;
        }
        f(VarRef::Name(name, at, i));
    }
}

fn memchr_dollar(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_finds_prefixes() {
        let t = load().unwrap();
        assert!(t.all().len() > 250);
        let t = variables();
        assert!(t.lookup(Family::Http, "request_uri").is_some());
        assert!(t.lookup(Family::Http, "arg_page").is_some());
        assert!(t.lookup(Family::Http, "upstream_http_x").is_some());
        assert!(t.lookup(Family::Stream, "request_uri").is_none());
        assert!(t.lookup(Family::Stream, "protocol").is_some());
        assert!(t.lookup(Family::Http, "jwt_claim_sub").is_none());
        let h3 = t.lookup(Family::Http, "http3").unwrap();
        assert!(!h3.exists_in(Version { major: 1, minor: 22, patch: 1 }));
        assert!(h3.exists_in(Version { major: 1, minor: 25, patch: 0 }));
    }

    fn refs(s: &str) -> Vec<VarRef<'_>> {
        let mut v = Vec::new();
        scan(s, |r| v.push(r));
        v
    }

    #[test]
    fn scanner_follows_the_script_compiler() {
        assert_eq!(refs("$host$1x"), vec![VarRef::Name("host", 0, 5), VarRef::Capture]);
        assert_eq!(refs("a${uri}b"), vec![VarRef::Name("uri", 1, 7)]);
        assert_eq!(refs("$0"), vec![VarRef::Name("0", 0, 2)]);
        assert_eq!(refs("$host-$x.y"), vec![VarRef::Name("host", 0, 5), VarRef::Name("x", 6, 8)]);
        assert_eq!(refs("a$"), vec![VarRef::Invalid(1)]);
        assert_eq!(refs("$ a"), vec![VarRef::Invalid(0)]);
        assert_eq!(refs("${}"), vec![VarRef::Invalid(0)]);
        assert_eq!(refs("${host"), vec![VarRef::Unclosed("host", 0)]);
        assert_eq!(refs("${ho-st}"), vec![VarRef::Unclosed("ho", 0)]);
        assert_eq!(refs("no vars"), vec![]);
    }
}

//! The directive table: facts about every directive nginx and the modules
//! Debian packages know (contexts, arity, value kind, default, versions),
//! kept in `src/model/directives/*.tbl` (the format is described at the top of
//! each file) and parsed once on first use.

use super::context::{Context, ContextSet};
use rustc_hash::FxHashMap;
use std::fmt;
use std::sync::OnceLock;

/// The module family a directive belongs to (nginx's module type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModuleType {
    Core,
    Conf,
    Event,
    Http,
    Stream,
    Mail,
    Rtmp,
}

/// An nginx version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl Version {
    /// Parses `1.25` or `1.25.1`.
    pub fn parse(s: &str) -> Option<Version> {
        let mut it = s.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let patch = match it.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if it.next().is_some() {
            return None;
        }
        Some(Version { major, minor, patch })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How many arguments a directive takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    /// Bit n set: n arguments are accepted (n in 0..=7).
    pub mask: u8,
    /// 8 or more arguments are accepted.
    pub unbounded: bool,
    /// Exactly one `on`/`off`.
    pub flag: bool,
}

impl Arity {
    pub fn accepts(&self, nargs: usize) -> bool {
        if nargs > 7 {
            self.unbounded
        } else {
            self.mask & (1 << nargs) != 0
        }
    }

    /// "exactly 1 argument", "1 or 2 arguments", "at least 2 arguments"...
    pub fn describe(&self) -> String {
        if self.flag {
            return "exactly one argument, \"on\" or \"off\"".into();
        }
        if self.unbounded && self.mask == 0xff {
            return "any number of arguments".into();
        }
        let counts: Vec<u32> = (0..8).filter(|n| self.mask & (1 << n) != 0).collect();
        let plural = |n: u32| if n == 1 { "argument" } else { "arguments" };
        if self.unbounded {
            let min = counts.first().copied().unwrap_or(8);
            return format!("at least {min} {}", plural(min));
        }
        match counts.as_slice() {
            [] => "no arguments".into(),
            [0] => "no arguments".into(),
            [n] => format!("exactly {n} {}", plural(*n)),
            [a, b] if b - a == 1 => format!("{a} or {b} arguments"),
            [.., last] if counts.windows(2).all(|w| w[1] == w[0] + 1) => format!("{} to {last} arguments", counts[0]),
            _ => {
                let list: Vec<String> = counts.iter().map(u32::to_string).collect();
                format!("{} arguments", list.join(" or "))
            }
        }
    }

    fn parse(s: &str) -> Option<Arity> {
        let range = |a: u8, b: u8| (a..=b.min(7)).fold(0u8, |m, i| m | 1 << i);
        let one = |x: &str| x.parse::<u8>().ok().filter(|n| *n <= 7);
        Some(match s {
            "" | "0" => Arity { mask: 1, unbounded: false, flag: false },
            "flag" => Arity { mask: 2, unbounded: false, flag: true },
            "any" => Arity { mask: 0xff, unbounded: true, flag: false },
            s if s.ends_with('+') => Arity { mask: range(one(&s[..s.len() - 1])?, 7), unbounded: true, flag: false },
            s if s.contains('-') => {
                let (a, b) = s.split_once('-')?;
                Arity { mask: range(one(a)?, one(b)?), unbounded: false, flag: false }
            }
            s if s.contains('|') => Arity {
                mask: s.split('|').map(one).try_fold(0u8, |m, n| Some(m | 1 << n?))?,
                unbounded: false,
                flag: false,
            },
            s => Arity { mask: 1 << one(s)?, unbounded: false, flag: false },
        })
    }
}

/// The kind of a directive's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Flag,
    Size,
    Offset,
    Time,
    Sec,
    Number,
    /// A number or `auto` (worker_processes).
    NumberOrAuto,
    /// `expires`: `[modified] off|epoch|max|@time|[+-]time`.
    Expires,
    /// `rewrite REGEX REPLACEMENT [last|break|redirect|permanent]`.
    Rewrite,
    Enum(&'static str),
    Bitmask(&'static str),
    Bufs,
    Path,
    Addr,
    Url,
    Regex,
    Var,
    Complex,
    Str,
    Params,
    Block,
    /// Not described yet.
    Unknown,
}

impl ValueKind {
    fn parse(s: &'static str) -> Option<ValueKind> {
        Some(match s {
            "flag" => ValueKind::Flag,
            "size" => ValueKind::Size,
            "offset" => ValueKind::Offset,
            "time" => ValueKind::Time,
            "sec" => ValueKind::Sec,
            "number" => ValueKind::Number,
            "number-or-auto" => ValueKind::NumberOrAuto,
            "expires" => ValueKind::Expires,
            "rewrite" => ValueKind::Rewrite,
            "bufs" => ValueKind::Bufs,
            "path" => ValueKind::Path,
            "addr" => ValueKind::Addr,
            "url" => ValueKind::Url,
            "regex" => ValueKind::Regex,
            "var" => ValueKind::Var,
            "complex" => ValueKind::Complex,
            "str" => ValueKind::Str,
            "params" => ValueKind::Params,
            s if s.starts_with("enum:") => ValueKind::Enum(&s[5..]),
            s if s.starts_with("bitmask:") => ValueKind::Bitmask(&s[8..]),
            _ => return None,
        })
    }

    /// The words of an `Enum` or `Bitmask` kind.
    pub fn words(&self) -> Vec<&'static str> {
        match self {
            ValueKind::Enum(w) | ValueKind::Bitmask(w) => w.split('|').collect(),
            _ => Vec::new(),
        }
    }
}

/// One directive of one module.
#[derive(Clone, Debug)]
pub struct DirectiveSpec {
    pub name: &'static str,
    pub module: &'static str,
    pub module_type: ModuleType,
    /// `None` when built into nginx; else the dynamic module's name.
    pub binary: Option<&'static str>,
    pub contexts: ContextSet,
    pub arity: Arity,
    /// For blocks: the context inside (`if` stores [`Context::IfInLocation`]).
    pub opens: Option<Context>,
    pub kind: ValueKind,
    pub default: Option<&'static str>,
    pub since: Option<Version>,
    pub deprecated: Option<Version>,
    pub removed: Option<Version>,
    /// May appear several times at one level.
    pub repeat: bool,
    /// nginx refuses a second one at the same level ("is duplicate"), whatever
    /// its kind (for handlers the kind alone does not tell).
    pub once: bool,
    /// Present in nginx 1.22 (the version the shared oracle runs).
    pub in_1_22: bool,
    /// The same number for every row of one name (see [`DirectiveTable::key`]):
    /// directive names compared without hashing or comparing strings.
    pub key: u32,
}

impl DirectiveSpec {
    pub fn is_block(&self) -> bool {
        self.opens.is_some()
    }

    /// The context inside this block when it stands in `parent`.
    pub fn opened_context(&self, parent: Context) -> Option<Context> {
        match self.opens {
            Some(Context::IfInLocation) if self.name == "if" => {
                Some(if parent == Context::Server { Context::IfInServer } else { Context::IfInLocation })
            }
            other => other,
        }
    }
}

/// How nginx dispatches a name in a context.
#[derive(Debug)]
pub enum Dispatch<'a> {
    Found(&'a DirectiveSpec),
    /// Known, but no row allows this context (all rows of the name).
    NotAllowed(&'a [DirectiveSpec]),
    Unknown,
}

/// The table.
#[derive(Debug)]
pub struct DirectiveTable {
    rows: Vec<DirectiveSpec>,
    by_name: FxHashMap<&'static str, (u32, u32)>,
}

/// The module family that handles directives in a context.
fn family(ctx: Context) -> &'static [ModuleType] {
    use Context::*;
    match ctx {
        Main => &[ModuleType::Core, ModuleType::Conf],
        Events => &[ModuleType::Event, ModuleType::Conf],
        Stream | StreamServer | StreamUpstream | StreamMap | StreamGeo | StreamSplitClients | StreamGeoip2 => {
            &[ModuleType::Stream, ModuleType::Conf]
        }
        Mail | MailServer => &[ModuleType::Mail, ModuleType::Conf],
        Rtmp | RtmpServer | RtmpApplication | RtmpRecorder => &[ModuleType::Rtmp, ModuleType::Conf],
        _ => &[ModuleType::Http, ModuleType::Conf],
    }
}

impl DirectiveTable {
    /// All rows with this name (several modules may define it).
    pub fn get(&self, name: &str) -> &[DirectiveSpec] {
        match self.by_name.get(name) {
            Some(&(a, b)) => &self.rows[a as usize..b as usize],
            None => &[],
        }
    }

    /// The key of a name ([`DirectiveSpec::key`]), below [`DirectiveTable::key_count`].
    pub fn key(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).map(|r| r.0)
    }

    /// One more than the largest key.
    pub fn key_count(&self) -> usize {
        self.rows.len()
    }

    pub fn all(&self) -> &[DirectiveSpec] {
        &self.rows
    }

    /// nginx's dispatch: the first row whose module family handles `ctx` and
    /// whose contexts include it.
    pub fn dispatch(&self, name: &str, ctx: Context) -> Dispatch<'_> {
        self.dispatch_rows(self.get(name), ctx)
    }

    /// [`DirectiveTable::dispatch`] of the name with this key (a key at or
    /// above [`DirectiveTable::key_count`]: a name the table does not know),
    /// without hashing the name again.
    pub fn dispatch_key(&self, k: u32, ctx: Context) -> Dispatch<'_> {
        // Rows of one name are adjacent and the key is the first one's index.
        let rest = self.rows.get(k as usize..).unwrap_or(&[]);
        let n = rest.iter().take_while(|r| r.key == k).count();
        self.dispatch_rows(&rest[..n], ctx)
    }

    fn dispatch_rows<'t>(&'t self, rows: &'t [DirectiveSpec], ctx: Context) -> Dispatch<'t> {
        if rows.is_empty() {
            return Dispatch::Unknown;
        }
        let fam = family(ctx);
        match rows.iter().find(|r| fam.contains(&r.module_type) && r.contexts.contains(ctx)) {
            Some(r) => Dispatch::Found(r),
            None => Dispatch::NotAllowed(rows),
        }
    }

    /// The row that applies to `name` in `ctx`, if any.
    pub fn resolve(&self, name: &str, ctx: Context) -> Option<&DirectiveSpec> {
        match self.dispatch(name, ctx) {
            Dispatch::Found(r) => Some(r),
            _ => None,
        }
    }

    /// The closest known name ("did you mean"), preferring names valid in `ctx`.
    pub fn suggest(&self, name: &str, ctx: Option<Context>) -> Option<&'static str> {
        let limit = (name.chars().count() / 3).clamp(1, 3);
        let mut best: Option<(usize, bool, &'static str)> = None;
        for (&cand, &(a, b)) in &self.by_name {
            if cand.len().abs_diff(name.len()) > limit {
                continue;
            }
            let d = edit_distance(name, cand);
            if d == 0 || d > limit {
                continue;
            }
            let fits = ctx.is_some_and(|c| self.rows[a as usize..b as usize].iter().any(|r| r.contexts.contains(c)));
            let key = (d, !fits, cand);
            if best.is_none_or(|b| key < (b.0, b.1, b.2)) {
                best = Some(key);
            }
        }
        best.map(|b| b.2)
    }
}

/// The candidate closest to `name` ("did you mean"), if any is close enough.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d > 0 && *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

const SOURCES: [(&str, &str); 6] = [
    ("core.tbl", include_str!("directives/core.tbl")),
    ("http.tbl", include_str!("directives/http.tbl")),
    ("stream.tbl", include_str!("directives/stream.tbl")),
    ("mail.tbl", include_str!("directives/mail.tbl")),
    ("rtmp.tbl", include_str!("directives/rtmp.tbl")),
    ("thirdparty.tbl", include_str!("directives/thirdparty.tbl")),
];

/// Parses the table files; an error names the file and line.
fn load() -> Result<DirectiveTable, String> {
    let mut rows = Vec::with_capacity(1300);
    for (file, text) in SOURCES {
        let mut module: Option<(&'static str, ModuleType, Option<&'static str>)> = None;
        for (i, line) in text.lines().enumerate() {
            let err = |m: &str| format!("{file}:{}: {m}: {line}", i + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_ascii_whitespace();
            if let Some(rest) = line.strip_prefix('@') {
                let w: Vec<&'static str> = rest.split_ascii_whitespace().collect();
                let [name, ty, bin] = w[..] else { return Err(err("module line needs NAME TYPE BINARY")) };
                let ty = match ty {
                    "core" => ModuleType::Core,
                    "conf" => ModuleType::Conf,
                    "event" => ModuleType::Event,
                    "http" => ModuleType::Http,
                    "stream" => ModuleType::Stream,
                    "mail" => ModuleType::Mail,
                    "rtmp" => ModuleType::Rtmp,
                    _ => return Err(err("unknown module type")),
                };
                module = Some((name, ty, (bin != "builtin").then_some(bin)));
                continue;
            }
            let (module, module_type, binary) = module.ok_or_else(|| err("directive before any module line"))?;
            let name = words.next().ok_or_else(|| err("empty"))?;
            let ctx_word = words.next().ok_or_else(|| err("no contexts"))?;
            let mut contexts = ContextSet::EMPTY;
            for c in ctx_word.split(',') {
                contexts = contexts.with(Context::from_name(c).ok_or_else(|| err("unknown context"))?);
            }
            let arity_word = words.next().ok_or_else(|| err("no arity"))?;
            let (block, arity_word) = match arity_word.strip_prefix("block") {
                Some(rest) => (true, rest.trim_start_matches(':')),
                None => (false, arity_word),
            };
            let arity = Arity::parse(arity_word).ok_or_else(|| err("bad arity"))?;
            let mut spec = DirectiveSpec {
                name,
                module,
                module_type,
                binary,
                contexts,
                arity,
                opens: None,
                kind: if block {
                    ValueKind::Block
                } else if arity.flag {
                    ValueKind::Flag
                } else {
                    ValueKind::Unknown
                },
                default: None,
                since: None,
                deprecated: None,
                removed: None,
                repeat: false,
                once: false,
                in_1_22: true,
                key: 0,
            };
            for w in words {
                match w.split_once('=') {
                    Some(("opens", v)) => {
                        spec.opens = Some(if v == "if" {
                            Context::IfInLocation
                        } else {
                            Context::from_name(v).ok_or_else(|| err("unknown opened context"))?
                        })
                    }
                    Some(("kind", v)) => spec.kind = ValueKind::parse(v).ok_or_else(|| err("unknown kind"))?,
                    Some(("default", v)) => spec.default = Some(v),
                    Some(("since", v)) => spec.since = Some(Version::parse(v).ok_or_else(|| err("bad version"))?),
                    Some(("deprecated", v)) => {
                        spec.deprecated = Some(Version::parse(v).ok_or_else(|| err("bad version"))?)
                    }
                    Some(("removed", v)) => spec.removed = Some(Version::parse(v).ok_or_else(|| err("bad version"))?),
                    None if w == "repeat" => spec.repeat = true,
                    None if w == "once" => spec.once = true,
                    None if w == "new" => spec.in_1_22 = false,
                    _ => return Err(err(&format!("unknown attribute {w}"))),
                }
            }
            if block && spec.opens.is_none() {
                return Err(err("a block needs opens="));
            }
            rows.push(spec);
        }
    }
    // Group rows by name, keeping file order within a name (nginx's module order).
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_by_key(|&i| (rows[i as usize].name, i));
    let mut rows: Vec<DirectiveSpec> = order.into_iter().map(|i| rows[i as usize].clone()).collect();
    let mut by_name = FxHashMap::default();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j < rows.len() && rows[j].name == rows[i].name {
            j += 1;
        }
        by_name.insert(rows[i].name, (i as u32, j as u32));
        for r in &mut rows[i..j] {
            r.key = i as u32;
        }
        i = j;
    }
    Ok(DirectiveTable { rows, by_name })
}

/// The directive table (parsed on first use).
pub fn table() -> &'static DirectiveTable {
    static TABLE: OnceLock<DirectiveTable> = OnceLock::new();
    TABLE.get_or_init(|| match load() {
        Ok(t) => t,
        // The tables are part of the binary and checked by a unit test.
        Err(e) => panic!("directive table: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load() {
        let t = load().unwrap();
        assert!(t.all().len() > 1200);
    }

    #[test]
    fn dispatch_follows_the_block_family() {
        let t = table();
        assert!(
            matches!(t.dispatch("proxy_pass", Context::Location), Dispatch::Found(s) if s.module == "ngx_http_proxy_module")
        );
        assert!(
            matches!(t.dispatch("proxy_pass", Context::StreamServer), Dispatch::Found(s) if s.module == "ngx_stream_proxy_module")
        );
        assert!(matches!(t.dispatch("proxy_pass", Context::Server), Dispatch::NotAllowed(_)));
        assert!(matches!(t.dispatch("include", Context::Map), Dispatch::Found(_)));
        assert!(matches!(t.dispatch("no_such_thing", Context::Http), Dispatch::Unknown));
        let s = t.resolve("if", Context::Server).unwrap();
        assert_eq!(s.opened_context(Context::Server), Some(Context::IfInServer));
        assert_eq!(s.opened_context(Context::Location), Some(Context::IfInLocation));
    }

    #[test]
    fn arity_and_suggestions() {
        let t = table();
        let a = t.resolve("location", Context::Server).unwrap().arity;
        assert!(a.accepts(1) && a.accepts(2) && !a.accepts(0) && !a.accepts(3));
        assert_eq!(a.describe(), "1 or 2 arguments");
        assert_eq!(t.suggest("proxy_passs", Some(Context::Location)), Some("proxy_pass"));
        assert_eq!(t.suggest("sever_name", Some(Context::Server)), Some("server_name"));
        assert_eq!(t.suggest("zzzzzzzzzz", None), None);
    }
}

//! The configuration file: `ngxlint.toml` or `.ngxlint.toml`, found by
//! walking up from each checked path (the closest wins), with `extend` to
//! inherit from another file. Every error carries the file, line and column.
//!
//! Paths in a configuration file are relative to the directory it is in.

use crate::lint::{Backend, Level, Selection};
use crate::model::directives::{closest, Version};
use rustc_hash::FxHashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The names a configuration file may have, in order of preference.
pub const FILE_NAMES: [&str; 2] = ["ngxlint.toml", ".ngxlint.toml"];

/// The top-level keys, for "did you mean".
const KEYS: [&str; 13] = [
    "extend",
    "nginx-version",
    "conf-dir",
    "extra-directives",
    "php-fpm-pools",
    "backends",
    "include",
    "exclude",
    "rules",
    "categories",
    "docs-url",
    "select",
    "ignore",
];

/// A glob over checked paths, relative to the directory of the file that set it.
#[derive(Clone, Debug)]
pub struct PathGlob {
    pub base: PathBuf,
    pub pattern: glob::Pattern,
}

impl PathGlob {
    /// A pattern with a `/` matches the path relative to the base; one
    /// without matches the file name or any directory name.
    pub fn matches(&self, path: &Path) -> bool {
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let Ok(rel) = path.strip_prefix(&self.base) else { return false };
        if self.pattern.as_str().contains('/') {
            return self.pattern.matches_path_with(rel, opts);
        }
        rel.components().any(|c| self.pattern.matches_with(&c.as_os_str().to_string_lossy(), opts))
    }
}

/// The settings read from a configuration file (and the files it extends).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The files read, the closest first (empty: no configuration file).
    pub files: Vec<PathBuf>,
    pub rule_levels: FxHashMap<String, Level>,
    pub category_levels: FxHashMap<String, Level>,
    /// (rule, option) -> raw value, validated against the rule's options.
    pub rule_options: FxHashMap<(String, String), String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub nginx_version: Option<Version>,
    pub extra_directives: Vec<String>,
    pub backends: Vec<Backend>,
    /// php-fpm pool files to read backends from (absolute).
    pub php_fpm_pools: Vec<PathBuf>,
    /// Directory relative includes resolve against (absolute).
    pub conf_dir: Option<PathBuf>,
    /// Walked files must match one of these (empty: the default choice).
    pub include: Vec<PathGlob>,
    /// Checked files matching one of these are skipped.
    pub exclude: Vec<PathGlob>,
    /// Base of rule documentation links (`{base}/NAME.html`).
    pub docs_url: Option<String>,
}

impl Config {
    /// Applies the levels and the select/ignore lists to a selection (the
    /// command line's lists come on top).
    pub fn apply_to(&self, sel: &mut Selection) {
        sel.rule_levels.extend(self.rule_levels.iter().map(|(k, v)| (k.clone(), *v)));
        sel.category_levels.extend(self.category_levels.iter().map(|(k, v)| (k.clone(), *v)));
        if sel.select.is_empty() {
            sel.select = self.select.clone();
        }
        sel.ignore.extend(self.ignore.iter().cloned());
    }

    /// True when a checked path is excluded by the configuration.
    pub fn excluded(&self, path: &Path) -> bool {
        self.exclude.iter().any(|g| g.matches(path))
    }

    /// The php-fpm pool files named by the configuration, for the pool reader.
    pub fn php_fpm_pool_files(&self) -> &[PathBuf] {
        &self.php_fpm_pools
    }
}

/// A configuration error, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)
        }
    }
}

/// Finds the closest configuration file for `dir` (a directory), walking up.
pub fn find(dir: &Path) -> Option<PathBuf> {
    for d in dir.ancestors() {
        for name in FILE_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Finds the closest configuration file of many directories. Each directory
/// is looked into once, so many files in one tree cost one walk up.
#[derive(Debug, Default)]
pub struct Finder {
    /// Per directory: the configuration file directly in it.
    here: FxHashMap<PathBuf, Option<PathBuf>>,
}

impl Finder {
    /// The closest configuration file for `dir` (a directory), walking up.
    pub fn closest(&mut self, dir: &Path) -> Option<PathBuf> {
        self.closest_below(dir, None)
    }

    /// Like [`Finder::closest`], but only files in directories strictly
    /// below `stop` count (`None`: no limit).
    pub fn closest_below(&mut self, dir: &Path, stop: Option<&Path>) -> Option<PathBuf> {
        for d in dir.ancestors() {
            if stop.is_some_and(|s| d == s || !d.starts_with(s)) {
                return None;
            }
            let found = self
                .here
                .entry(d.to_path_buf())
                .or_insert_with(|| FILE_NAMES.iter().map(|n| d.join(n)).find(|p| p.is_file()));
            if let Some(f) = found {
                return Some(f.clone());
            }
        }
        None
    }
}

/// Reads a configuration file and the files it extends.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let mut cfg = Config::default();
    let mut chain: Vec<PathBuf> = Vec::new();
    let mut cur = Some((std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()), None::<ConfigError>));
    // Collect the chain closest-first, then apply it base-first.
    let mut texts: Vec<(PathBuf, String)> = Vec::new();
    while let Some((p, at)) = cur.take() {
        if chain.contains(&p) {
            let mut e = at.unwrap_or_else(|| whole(&p, String::new()));
            e.message = format!("\"extend\" cycle: {} is extended again", p.display());
            return Err(e);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| {
            let mut err = at.clone().unwrap_or_else(|| whole(&p, String::new()));
            err.message = format!("cannot read {}: {e}", p.display());
            err
        })?;
        chain.push(p.clone());
        let doc = DeTable::parse(&text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((0, 0));
            ConfigError { path: p.clone(), line, column, message: e.message().trim().to_string() }
        })?;
        if let Some(ext) = doc.get_ref().get("extend") {
            let Some(s) = ext.get_ref().as_str() else {
                return Err(at_span(&p, &text, ext.span(), "\"extend\" must be a path string".into()));
            };
            let base = p.parent().unwrap_or(Path::new(".")).join(s);
            cur = Some((base, Some(at_span(&p, &text, ext.span(), String::new()))));
        }
        texts.push((p, text));
    }
    for (p, text) in texts.iter().rev() {
        let doc = DeTable::parse(text).map_err(|e| whole(p, e.message().to_string()))?;
        apply(&mut cfg, p, text, doc.get_ref())?;
    }
    cfg.files = chain;
    Ok(cfg)
}

fn whole(path: &Path, message: String) -> ConfigError {
    ConfigError { path: path.to_path_buf(), line: 0, column: 0, message }
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() as u32 + 1)
}

fn at_span(path: &Path, text: &str, span: Range<usize>, message: String) -> ConfigError {
    let (line, column) = line_col(text, span.start);
    ConfigError { path: path.to_path_buf(), line, column, message }
}

fn suggest(name: &str, known: &[&str]) -> String {
    match closest(name, known.iter().copied()) {
        Some(s) => format!("; did you mean \"{s}\"?"),
        None => String::new(),
    }
}

/// Applies one file's settings on top of `cfg`.
fn apply(cfg: &mut Config, path: &Path, text: &str, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let err = |span: Range<usize>, msg: String| at_span(path, text, span, msg);
    let str_of = |v: &Spanned<DeValue<'_>>, what: &str| -> Result<String, ConfigError> {
        v.get_ref().as_str().map(str::to_string).ok_or_else(|| err(v.span(), format!("{what} must be a string")))
    };
    let list_of = |v: &Spanned<DeValue<'_>>, what: &str| -> Result<Vec<Spanned<String>>, ConfigError> {
        let Some(arr) = v.get_ref().as_array() else {
            return Err(err(v.span(), format!("{what} must be an array of strings")));
        };
        arr.iter().map(|e| Ok(Spanned::new(e.span(), str_of(e, what)?))).collect()
    };
    let rule_names: Vec<&str> = crate::lints::ALL.iter().map(|r| r.meta().name).collect();
    let categories = ["syntax", "correctness", "suspicious", "security", "performance", "style"];
    let check_selector = |s: &Spanned<String>| -> Result<(), ConfigError> {
        let name = s.get_ref().as_str();
        if rule_names.contains(&name) || categories.contains(&name) {
            return Ok(());
        }
        let mut known = rule_names.clone();
        known.extend(categories);
        Err(err(s.span(), format!("unknown rule or category \"{name}\"{}", suggest(name, &known))))
    };
    let level_of = |v: &Spanned<DeValue<'_>>| -> Result<Level, ConfigError> {
        let s = str_of(v, "a level")?;
        Level::parse(&s).ok_or_else(|| {
            err(
                v.span(),
                format!("unknown level \"{s}\"; one of {}{}", Level::NAMES.join(", "), suggest(&s, &Level::NAMES)),
            )
        })
    };
    for (key, value) in doc.iter() {
        let k: &str = key.get_ref();
        match k {
            "extend" => {}
            "nginx-version" => {
                let s = str_of(value, "\"nginx-version\"")?;
                cfg.nginx_version = Some(
                    Version::parse(&s)
                        .ok_or_else(|| err(value.span(), format!("\"{s}\" is not a version like 1.24 or 1.25.1")))?,
                );
            }
            "conf-dir" => cfg.conf_dir = Some(normalize(&dir.join(str_of(value, "\"conf-dir\"")?))),
            "docs-url" => cfg.docs_url = Some(str_of(value, "\"docs-url\"")?.trim_end_matches('/').to_string()),
            "extra-directives" => {
                cfg.extra_directives =
                    list_of(value, "\"extra-directives\"")?.into_iter().map(|s| s.into_inner()).collect()
            }
            "php-fpm-pools" => {
                cfg.php_fpm_pools = list_of(value, "\"php-fpm-pools\"")?
                    .into_iter()
                    .map(|s| normalize(&dir.join(s.into_inner())))
                    .collect()
            }
            "include" | "exclude" => {
                let mut globs = Vec::new();
                for s in list_of(value, &format!("\"{k}\""))? {
                    let pattern = glob::Pattern::new(s.get_ref())
                        .map_err(|e| err(s.span(), format!("bad glob \"{}\": {}", s.get_ref(), e.msg)))?;
                    globs.push(PathGlob { base: dir.clone(), pattern });
                }
                if k == "include" {
                    cfg.include = globs;
                } else {
                    cfg.exclude = globs;
                }
            }
            "select" | "ignore" => {
                let list = list_of(value, &format!("\"{k}\""))?;
                for s in &list {
                    check_selector(s)?;
                }
                let list = list.into_iter().map(|s| s.into_inner()).collect();
                if k == "select" {
                    cfg.select = list;
                } else {
                    cfg.ignore = list;
                }
            }
            "backends" => {
                let Some(arr) = value.get_ref().as_array() else {
                    return Err(err(value.span(), "\"backends\" must be an array of tables ([[backends]])".into()));
                };
                cfg.backends.clear();
                for b in arr.iter() {
                    let Some(t) = b.get_ref().as_table() else {
                        return Err(err(b.span(), "a backend must be a table with name and address".into()));
                    };
                    let (mut name, mut address) = (None, None);
                    for (bk, bv) in t.iter() {
                        match &**bk.get_ref() {
                            "name" => name = Some(str_of(bv, "\"name\"")?),
                            "address" => address = Some(str_of(bv, "\"address\"")?),
                            other => {
                                return Err(err(
                                    bk.span(),
                                    format!("unknown backend key \"{other}\"{}", suggest(other, &["name", "address"])),
                                ))
                            }
                        }
                    }
                    let Some(address) = address else {
                        return Err(err(b.span(), "a backend needs an \"address\"".into()));
                    };
                    cfg.backends.push(Backend {
                        name: name.unwrap_or_else(|| address.clone()),
                        address,
                        source: path.display().to_string(),
                    });
                }
            }
            "categories" => {
                let Some(t) = value.get_ref().as_table() else {
                    return Err(err(value.span(), "\"categories\" must be a table".into()));
                };
                for (ck, cv) in t.iter() {
                    let name: &str = ck.get_ref();
                    if !categories.contains(&name) {
                        return Err(err(
                            ck.span(),
                            format!(
                                "unknown category \"{name}\"; one of {}{}",
                                categories.join(", "),
                                suggest(name, &categories)
                            ),
                        ));
                    }
                    cfg.category_levels.insert(name.to_string(), level_of(cv)?);
                }
            }
            "rules" => {
                let Some(t) = value.get_ref().as_table() else {
                    return Err(err(value.span(), "\"rules\" must be a table".into()));
                };
                for (rk, rv) in t.iter() {
                    let name: &str = rk.get_ref();
                    let Some(rule) = crate::lints::by_name(name) else {
                        return Err(err(rk.span(), format!("unknown rule \"{name}\"{}", suggest(name, &rule_names))));
                    };
                    let meta = rule.meta();
                    match rv.get_ref() {
                        DeValue::String(_) => {
                            cfg.rule_levels.insert(name.to_string(), level_of(rv)?);
                        }
                        DeValue::Table(opts) => {
                            for (ok, ov) in opts.iter() {
                                let oname: &str = ok.get_ref();
                                if oname == "level" {
                                    cfg.rule_levels.insert(name.to_string(), level_of(ov)?);
                                    continue;
                                }
                                let Some(opt) = meta.options.iter().find(|o| o.name == oname) else {
                                    let mut known: Vec<&str> = meta.options.iter().map(|o| o.name).collect();
                                    let list = if known.is_empty() {
                                        "it has none".to_string()
                                    } else {
                                        format!("it has {}", known.join(", "))
                                    };
                                    known.push("level");
                                    return Err(err(
                                        ok.span(),
                                        format!(
                                            "rule \"{name}\" has no option \"{oname}\" ({list}){}",
                                            suggest(oname, &known)
                                        ),
                                    ));
                                };
                                let raw = match ov.get_ref() {
                                    DeValue::String(s) => s.to_string(),
                                    DeValue::Integer(i) => i.as_str().to_string(),
                                    DeValue::Boolean(b) => b.to_string(),
                                    DeValue::Array(a) => a
                                        .iter()
                                        .map(|e| str_of(e, "a list item"))
                                        .collect::<Result<Vec<_>, _>>()?
                                        .join(","),
                                    other => {
                                        return Err(err(ov.span(), format!("unexpected {} value", other.type_str())))
                                    }
                                };
                                opt.kind
                                    .validate(&raw)
                                    .map_err(|m| err(ov.span(), format!("option \"{oname}\" of \"{name}\": {m}")))?;
                                cfg.rule_options.insert((name.to_string(), oname.to_string()), raw);
                            }
                        }
                        other => {
                            return Err(err(
                                rv.span(),
                                format!("a rule takes a level string or a table of options, not {}", other.type_str()),
                            ))
                        }
                    }
                }
            }
            other => {
                return Err(err(key.span(), format!("unknown key \"{other}\"{}", suggest(other, &KEYS))));
            }
        }
    }
    Ok(())
}

/// Lexical normalisation (`a/./b/../c` to `a/c`).
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, text: &str) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!("ngxlint-config-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("ngxlint.toml");
        std::fs::write(&p, text).unwrap();
        let r = load(&p);
        let _ = std::fs::remove_dir_all(&dir);
        r
    }

    #[test]
    fn levels_options_and_lists() {
        let c = load_text(
            "ok",
            "nginx-version = \"1.24\"\nextra-directives = [\"my_thing\"]\n[rules]\nduplicate-listen = \"warn\"\n\
             [categories]\nsuspicious = \"error\"\n[[backends]]\nname = \"app\"\naddress = \"127.0.0.1:8080\"\n",
        )
        .unwrap();
        assert_eq!(c.rule_levels["duplicate-listen"], Level::Warn);
        assert_eq!(c.category_levels["suspicious"], Level::Error);
        assert_eq!(c.nginx_version, Version::parse("1.24"));
        assert_eq!(c.extra_directives, ["my_thing"]);
        assert_eq!(c.backends[0].address, "127.0.0.1:8080");
    }

    #[test]
    fn errors_have_positions_and_suggestions() {
        let e = load_text("typo", "[rules]\nduplicate-lisen = \"warn\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.contains("did you mean \"duplicate-listen\""), "{}", e.message);
        let e = load_text("level", "[rules]\nduplicate-listen = \"wrn\"\n").unwrap_err();
        assert!(e.message.contains("did you mean \"warn\""), "{}", e.message);
        let e = load_text("opt", "[rules.duplicate-listen]\nsize = \"8k\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("has no option \"size\""), "{}", e.message);
        let e = load_text("key", "nginx-verison = \"1.2\"\n").unwrap_err();
        assert!(e.message.contains("did you mean \"nginx-version\""), "{}", e.message);
        let e = load_text("syntax", "a = \n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn globs_match_relative_paths_and_names() {
        let g = PathGlob { base: PathBuf::from("/r"), pattern: glob::Pattern::new("vendor").unwrap() };
        assert!(g.matches(Path::new("/r/vendor/a.conf")));
        assert!(!g.matches(Path::new("/r/sites/a.conf")));
        let g = PathGlob { base: PathBuf::from("/r"), pattern: glob::Pattern::new("sites/*.conf").unwrap() };
        assert!(g.matches(Path::new("/r/sites/a.conf")));
        assert!(!g.matches(Path::new("/r/sites/x/a.conf")));
    }
}

//! Built-in text of the stock files nginx and Debian ship, used when an
//! include names one that is not in the checked tree (so later rules still see,
//! for example, the `SCRIPT_FILENAME` that `fastcgi.conf` sets). The texts
//! under `stock/` are ngxlint's own, listing the directives those files hold.

use std::path::Path;

/// A stock file nginx or Debian ships.
#[derive(Debug)]
pub struct StockFile {
    /// Its name relative to the conf dir (`fastcgi.conf`, `snippets/fastcgi-php.conf`).
    pub name: &'static str,
    pub text: &'static str,
}

static ALL: [StockFile; 12] = [
    StockFile { name: "mime.types", text: include_str!("stock/mime.types") },
    StockFile { name: "fastcgi_params", text: include_str!("stock/fastcgi_params") },
    StockFile { name: "fastcgi.conf", text: include_str!("stock/fastcgi.conf") },
    StockFile { name: "uwsgi_params", text: include_str!("stock/uwsgi_params") },
    StockFile { name: "scgi_params", text: include_str!("stock/scgi_params") },
    StockFile { name: "proxy_params", text: include_str!("stock/proxy_params") },
    StockFile { name: "snippets/fastcgi-php.conf", text: include_str!("stock/snippets/fastcgi-php.conf") },
    StockFile { name: "snippets/snakeoil.conf", text: include_str!("stock/snippets/snakeoil.conf") },
    StockFile { name: "koi-utf", text: include_str!("stock/koi-utf") },
    StockFile { name: "koi-win", text: include_str!("stock/koi-win") },
    StockFile { name: "win-utf", text: include_str!("stock/win-utf") },
    // nginx's own tree names it fastcgi.conf; some distributions ship this too.
    StockFile { name: "fastcgi_params.conf", text: include_str!("stock/fastcgi_params") },
];

/// Finds the stock file an include path names: by its last component, or its
/// last two for `snippets/...`.
pub fn lookup(path: &Path) -> Option<&'static StockFile> {
    ALL.iter().find(|s| path.ends_with(s.name))
}

/// Every stock file.
pub fn all() -> &'static [StockFile] {
    &ALL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_tail() {
        assert_eq!(lookup(Path::new("/etc/nginx/fastcgi.conf")).unwrap().name, "fastcgi.conf");
        assert_eq!(lookup(Path::new("fastcgi_params")).unwrap().name, "fastcgi_params");
        assert_eq!(
            lookup(Path::new("/etc/nginx/snippets/fastcgi-php.conf")).unwrap().name,
            "snippets/fastcgi-php.conf"
        );
        assert_eq!(lookup(Path::new("/usr/local/openresty/nginx/conf/mime.types")).unwrap().name, "mime.types");
        assert!(lookup(Path::new("foo.conf")).is_none());
        assert!(lookup(Path::new("/etc/nginx/other/fastcgi-php.conf")).is_none());
    }

    #[test]
    fn stock_texts_parse_cleanly() {
        for s in all() {
            let p = crate::syntax::parse(0, s.text, &Default::default());
            assert!(p.errors.is_empty(), "{}: {:?}", s.name, p.errors);
            assert!(!p.ast.nodes.is_empty(), "{} is empty", s.name);
        }
    }

    /// Text with `#` comments removed (stock texts hold no quotes).
    fn strip_comments(text: &str) -> String {
        text.lines().map(|l| l.split('#').next().unwrap_or("")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn stock_texts_are_balanced_and_terminated() {
        for s in all() {
            let code = strip_comments(s.text);
            assert!(!code.contains(['"', '\'']), "{}: quotes would defeat this check", s.name);
            let mut depth = 0i32;
            let mut last = None;
            for c in code.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        assert!(matches!(last, Some(';' | '{' | '}')), "{}: statement before `}}` lacks `;`", s.name);
                        depth -= 1;
                        assert!(depth >= 0, "{}: unbalanced `}}`", s.name);
                    }
                    _ => {}
                }
                if !c.is_whitespace() {
                    last = Some(c);
                }
            }
            assert_eq!(depth, 0, "{}: unbalanced braces", s.name);
            assert!(matches!(last, Some(';' | '}')), "{}: last statement lacks `;`", s.name);
            // One statement (or block edge) a line in every stock text.
            for line in code.lines().map(str::trim).filter(|l| !l.is_empty()) {
                assert!(line.ends_with([';', '{', '}']), "{}: line `{line}` does not end a statement", s.name);
            }
        }
    }

    #[test]
    fn every_stock_file_is_found_by_its_own_name() {
        for s in all() {
            assert_eq!(lookup(&Path::new("/etc/nginx").join(s.name)).unwrap().text, s.text, "{}", s.name);
        }
        for name in ["koi-utf", "koi-win", "win-utf", "uwsgi_params", "scgi_params", "proxy_params"] {
            assert_eq!(lookup(Path::new(name)).unwrap().name, name);
        }
        assert_eq!(lookup(Path::new("snippets/snakeoil.conf")).unwrap().name, "snippets/snakeoil.conf");
        assert!(lookup(Path::new("fastcgi-php.conf")).is_none());
        assert!(lookup(Path::new("/etc/nginx/conf.d/mime.types.bak")).is_none());
    }

    #[test]
    fn charset_maps_cover_the_upper_half_only() {
        for name in ["koi-utf", "koi-win", "win-utf"] {
            let text = strip_comments(lookup(Path::new(name)).unwrap().text);
            assert!(text.trim_start().starts_with("charset_map "), "{name}");
            let entries: Vec<&str> = text.lines().map(str::trim).filter(|l| l.ends_with(';')).collect();
            assert!(entries.len() >= 64, "{name}: only {} entries", entries.len());
            let mut prev = 0x7f;
            for e in entries {
                let (from, to) = e.trim_end_matches(';').split_once(char::is_whitespace).unwrap();
                let from = u8::from_str_radix(from, 16).unwrap();
                assert!(from > prev, "{name}: {e} out of order");
                prev = from;
                let to = to.trim();
                assert!(to.len() % 2 == 0 && to.len() <= 8 && u32::from_str_radix(to, 16).is_ok(), "{name}: {e}");
                if name.ends_with("-utf") {
                    let bytes: Vec<u8> =
                        (0..to.len()).step_by(2).map(|i| u8::from_str_radix(&to[i..i + 2], 16).unwrap()).collect();
                    assert!(std::str::from_utf8(&bytes).is_ok_and(|s| s.chars().count() == 1), "{name}: {e}");
                }
            }
        }
        // Capital short U (U+040E) is D0 8E in UTF-8.
        assert!(lookup(Path::new("koi-utf")).unwrap().text.contains("BE  D08E;"));
        assert!(lookup(Path::new("win-utf")).unwrap().text.contains("A1  D08E;"));
    }

    #[test]
    fn fastcgi_conf_sets_script_filename_and_params_does_not() {
        assert!(lookup(Path::new("fastcgi.conf")).unwrap().text.contains("SCRIPT_FILENAME"));
        assert!(!lookup(Path::new("fastcgi_params")).unwrap().text.contains("SCRIPT_FILENAME"));
    }
}

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

static ALL: [StockFile; 9] = [
    StockFile { name: "mime.types", text: include_str!("stock/mime.types") },
    StockFile { name: "fastcgi_params", text: include_str!("stock/fastcgi_params") },
    StockFile { name: "fastcgi.conf", text: include_str!("stock/fastcgi.conf") },
    StockFile { name: "uwsgi_params", text: include_str!("stock/uwsgi_params") },
    StockFile { name: "scgi_params", text: include_str!("stock/scgi_params") },
    StockFile { name: "proxy_params", text: include_str!("stock/proxy_params") },
    StockFile { name: "snippets/fastcgi-php.conf", text: include_str!("stock/snippets/fastcgi-php.conf") },
    StockFile { name: "snippets/snakeoil.conf", text: include_str!("stock/snippets/snakeoil.conf") },
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

    #[test]
    fn fastcgi_conf_sets_script_filename_and_params_does_not() {
        assert!(lookup(Path::new("fastcgi.conf")).unwrap().text.contains("SCRIPT_FILENAME"));
        assert!(!lookup(Path::new("fastcgi_params")).unwrap().text.contains("SCRIPT_FILENAME"));
    }
}

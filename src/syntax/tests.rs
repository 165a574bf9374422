use super::*;

fn p(src: &str) -> Parsed {
    parse(0, src, &ParseOptions::default())
}

fn errs(src: &str) -> Vec<(u32, String)> {
    let r = p(src);
    let ix = crate::span::LineIndex::new(src.as_bytes());
    r.errors.iter().map(|e| (ix.line_col(src.as_bytes(), e.span.start).0, e.message.clone())).collect()
}

fn words(src: &str) -> Vec<Vec<String>> {
    let r = p(src);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r.ast
        .nodes
        .iter()
        .map(|d| {
            std::iter::once(d.name.value.to_string()).chain(r.ast.args(d).iter().map(|a| a.value.to_string())).collect()
        })
        .collect()
}

#[test]
fn words_end_only_at_space_semicolon_brace() {
    assert_eq!(words("a\"b'c x#y 2}$;"), vec![vec!["a\"b'c", "x#y", "2}$"]]);
    assert_eq!(words("return 200 ${host}x;"), vec![vec!["return", "200", "${host}x"]]);
    assert_eq!(words("a b;#c\nd;"), vec![vec!["a", "b"], vec!["d"]]);
}

#[test]
fn quotes_and_escapes() {
    assert_eq!(
        words(r#"return 200 "q\"q \\\\ t\tn\nx\y" 'it\'s' a\;b;"#),
        vec![vec!["return", "200", "q\"q \\\\ t\tn\nx\\y", "it's", "a\\;b"]]
    );
    assert_eq!(words("if ($a = \"x\") { }"), vec![vec!["if", "($a", "=", "x", ")"]]);
    assert_eq!(words("\"http\" { 'server' { \"listen\" '8080'; } }").len(), 3);
}

#[test]
fn structure_errors_match_nginx() {
    assert_eq!(errs("events {}\nhttp { listen 80 }\n"), vec![(2, "unexpected \"}\"".to_string())]);
    assert_eq!(errs("events {}\n}\n"), vec![(2, "unexpected \"}\"".to_string())]);
    assert_eq!(errs("a;\n;\n"), vec![(2, "unexpected \";\"".to_string())]);
    assert_eq!(errs("http {\n"), vec![(2, "unexpected end of file, expecting \"}\"".to_string())]);
    assert_eq!(errs("http {}\nfoo"), vec![(2, "unexpected end of file, expecting \";\" or \"}\"".to_string())]);
    assert_eq!(errs("return 200 \"x\"y;"), vec![(1, "unexpected \"y\"".to_string())]);
    assert_eq!(errs("a \"x\"}"), vec![(1, "unexpected \"}\"".to_string())]);
    assert_eq!(errs("a \"x\"#c\n;"), vec![(1, "unexpected \"#\"".to_string())]);
    assert_eq!(errs("a \"x\n\n"), vec![(3, "unexpected end of file, expecting \";\" or \"}\"".to_string())]);
}

#[test]
fn lone_cr_is_whitespace_and_no_newline() {
    assert_eq!(errs("a;\rb;\r}"), vec![(1, "unexpected \"}\"".to_string())]);
}

#[test]
fn too_long_words() {
    let long = "x".repeat(5000);
    assert_eq!(errs(&format!("a\n{long};")), vec![(2, "too long parameter \"xxxxxxxxxx...\" started".to_string())]);
    let ok = "x".repeat(4095);
    assert!(errs(&format!("a {ok};")).is_empty());
    let q = "x".repeat(5000);
    assert_eq!(
        errs(&format!("a \"{q}")),
        vec![(1, "too long parameter, probably missing terminating \"\"\" character".to_string())]
    );
}

#[test]
fn lua_blocks_are_raw() {
    let src = "content_by_lua_block {\n  local s = \"}\" -- }\n  local t = [==[ ]] } ]==] --[[ } ]]\n  if x then y = {1} end\n}\nfoo;\n";
    let r = p(src);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.ast.nodes.len(), 2);
    let raw = r.ast.nodes[0].block.as_ref().unwrap().raw.as_ref().unwrap();
    assert!(raw.value.contains("y = {1}"));
    assert_eq!(
        errs("content_by_lua_block {\n if x then {\n"),
        vec![(2, "unexpected end of file, expecting terminating characters for lua code block".to_string())]
    );
    assert_eq!(words("set_by_lua_block $x { return 1 }").len(), 1);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let src = "a {".repeat(100_000);
    let r = p(&src);
    assert!(r.errors.iter().any(|e| e.message.contains("nested deeper")));
    let src = "{".repeat(100_000);
    let r = p(&src);
    assert!(!r.errors.is_empty());
}

#[test]
fn slices_rejoin_tokens_across_cuts() {
    // Build > 64 KiB so the lexer slices; a quoted word with newlines crosses a cut.
    let mut src = String::new();
    for i in 0..3000 {
        src.push_str(&format!("set $v{i} \"line one\nline two {i}\";\n"));
    }
    let r = p(&src);
    assert!(r.errors.is_empty(), "{:?}", &r.errors[..1]);
    assert_eq!(r.ast.nodes.len(), 3000);
    assert!(r.ast.nodes.iter().all(|d| r.ast.args(d).len() == 2));
}

/// A file on one very long line is lexed in slices cut after `;`, braces or
/// spaces: the words must be those of the same statements on separate lines,
/// whatever falls at a cut (quotes holding `;`, escapes, `${`, comments).
#[test]
fn a_long_line_is_sliced_without_changing_the_words() {
    let unit = r#"location = /a\;b { return 200 "x; { } y" ; set $v ${host}z; } "#;
    let one_line: String = unit.repeat(9000);
    assert!(one_line.len() > 4 * 65536 && !one_line.contains('\n'));
    let unit_lines = "location = /a\\;b {\nreturn 200 \"x; { } y\" ;\nset $v ${host}z;\n}\n";
    let lines: String = unit_lines.repeat(9000);
    let (a, b) = (words(&one_line), words(&lines));
    assert_eq!(a.len(), 3 * 9000);
    assert_eq!(a, b);
    // The same with a comment closing the line (it runs to the end of the file).
    let tail = format!("{one_line}# ; {{ }} \"");
    assert_eq!(words(&tail), a);
}

/// The fast path (`file`) and the Lua path (`file_lua`) must lex everything
/// outside Lua blocks alike.
#[test]
fn the_fast_and_lua_lexers_agree() {
    const MARK: &str = "#_by_lua_block\n";
    let inputs = [
        "a\"b'c x#y 2}$;",
        "return 200 ${host}x;",
        "a b;#c\nd;",
        "set $a \"q\\\"uo\\\\\" 'it\\'s';",
        "x a\\ b\\;c d\\{e;",
        "s { t $x{y} \"${a}\"; }",
        "u \u{e9}t\u{e9} \u{1}\u{b}\u{c}\u{1f} ~*\\.(png|jpe?g)$ ^~ =;",
        "k 'unterminated",
        "k \"v\"x;",
        "k v\\",
        "k \"v\\",
        "k 'v\\",
        "}; {",
        "a\r\nb\t;\r\n# c\r\n",
    ];
    for src in inputs {
        let fast = p(src);
        let lua = p(&format!("{MARK}{src}"));
        let shift = MARK.len() as u32;
        let show = |r: &Parsed, shift: u32| {
            let nodes: Vec<_> = r
                .ast
                .nodes
                .iter()
                .map(|d| {
                    let mut w = vec![(d.name.value.to_string(), d.name.span.start - shift, d.name.span.end - shift)];
                    w.extend(
                        r.ast.args(d).iter().map(|a| (a.value.to_string(), a.span.start - shift, a.span.end - shift)),
                    );
                    (w, d.head_end - shift)
                })
                .collect();
            let errors: Vec<_> = r.errors.iter().map(|e| (e.span.start - shift, e.message.clone())).collect();
            (nodes, errors)
        };
        assert_eq!(show(&fast, 0), show(&lua, shift), "input {src:?}");
    }
}

#[test]
fn a_backslash_as_the_last_byte_is_an_unexpected_end_of_file() {
    // nginx: unexpected end of file, expecting ";" or "}" (not a lexer failure).
    for src in ["events {}\nhttp { server_name a\\", "k \"v\\", "k \\", "k;\\", "k;\n\\"] {
        let e = errs(src);
        assert_eq!(e.len(), 1, "{src:?}: {e:?}");
        assert!(e[0].1.starts_with("unexpected end of file"), "{src:?}: {e:?}");
    }
    assert_eq!(errs("k \"v\"\\")[0].1, "unexpected \"\\\"");
    // In a comment it is just a byte of the comment.
    let r = p("k; # c \\");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.ast.comments[0].span.end, 8);
    // An escaped backslash is a word byte.
    assert_eq!(words("k a\\\\;"), vec![vec!["k", "a\\"]]);
}

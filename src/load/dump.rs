//! `nginx -T` dumps: every file nginx read, each after a
//! `# configuration file PATH:` line. Splitting one back into its files lets
//! findings name the original files and their own line numbers.

use std::path::PathBuf;

const HEADER: &[u8] = b"# configuration file ";

/// The dump without nginx's own messages before it (`nginx: the
/// configuration file ... syntax is ok`, there when stderr was captured too).
fn body(text: &[u8]) -> &[u8] {
    let mut rest = text;
    while rest.starts_with(b"nginx: ") {
        rest = rest.iter().position(|b| *b == b'\n').map_or(&[][..], |i| &rest[i + 1..]);
    }
    rest
}

/// True when the text starts like an `nginx -T` dump.
pub fn looks_like_dump(text: &[u8]) -> bool {
    let first = body(text).split(|b| *b == b'\n').next().unwrap_or_default();
    first.starts_with(HEADER) && first.ends_with(b":")
}

/// Splits a dump into (path, text) in the order nginx read the files; the
/// first is the main configuration. `None` when the text is not a dump.
pub fn split(text: &[u8]) -> Option<Vec<(PathBuf, Vec<u8>)>> {
    if !looks_like_dump(text) {
        return None;
    }
    let text = body(text);
    let mut out: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = text[pos..].iter().position(|b| *b == b'\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..line_end];
        let next = (line_end + 1).min(text.len());
        let is_header = line.starts_with(HEADER) && line.ends_with(b":") && line.len() > HEADER.len() + 1;
        if is_header {
            let name = &line[HEADER.len()..line.len() - 1];
            out.push((PathBuf::from(String::from_utf8_lossy(name).into_owned()), Vec::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.extend_from_slice(&text[pos..next]);
        }
        pos = next;
    }
    // nginx ends every file with a newline of its own and one blank line.
    for (_, body) in &mut out {
        if body.ends_with(b"\n\n") || body == b"\n" {
            body.pop();
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_files_and_keeps_their_lines() {
        let dump = b"# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n\n# configuration file /etc/nginx/conf.d/a.conf:\nserver {\n  listen 80\n}\n\n";
        let files = split(dump).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].0, PathBuf::from("/etc/nginx/nginx.conf"));
        assert_eq!(files[1].1, b"server {\n  listen 80\n}\n");
        assert!(split(b"events {}\n").is_none());
        let with_messages = [&b"nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"[..], dump].concat();
        assert_eq!(split(&with_messages).unwrap(), files);
    }
}

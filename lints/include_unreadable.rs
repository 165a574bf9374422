use crate::declare_rule;
use crate::lint::{Finding, Findings, LintContext, Rule, RuleMeta};
use crate::load::LoadIssue;

declare_rule! {
    /// ## What it does
    /// Reports an `include` that names something ngxlint will not read as a
    /// configuration file: a directory, a FIFO, a device such as `/dev/zero`,
    /// a file it may not read, or a file over the size limit
    /// (`--max-file-size`). Also reports when a run reaches the file-count
    /// limit (`--max-files`).
    ///
    /// nginx error text: `pread() "PATH" failed (21: Is a directory)`,
    /// `open() "PATH" failed (13: Permission denied)`.
    ///
    /// ## Why is this bad?
    /// nginx fails on a directory or an unreadable file, and blocks or runs out
    /// of memory on a FIFO or an endless device.
    ///
    /// ## Example
    /// ```nginx
    /// events {}
    /// http {
    ///     include conf.d;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// events {}
    /// http {
    ///     include conf.d/*.conf;
    /// }
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - <https://nginx.org/en/docs/ngx_core_module.html#include>
    pub struct IncludeUnreadable {
        name: "include-unreadable",
        category: Correctness,
        severity: Error,
        summary: "an include names a directory, device, FIFO or unreadable file",
        pass: &["events {}\nhttp { include conf.d/*.conf; }\n"],
        fail: &["events {}\nhttp { include src; }\n"],
    }
}

impl Rule for IncludeUnreadable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &LintContext<'_>, out: &mut Findings<'_>) {
        for issue in &cx.loaded.issues {
            match issue {
                LoadIssue::IncludeUnreadable { at, path, reason } => out.push(
                    Finding::new(*at, format!("cannot read included \"{}\": {reason}", cx.loaded.show(path)))
                        .help("include regular configuration files only"),
                ),
                LoadIssue::TooManyFiles { at: Some(at), limit } => out.push(
                    Finding::new(*at, format!("stopped reading files at the limit of {limit} files"))
                        .help("raise the limit with --max-files if this many files are intended"),
                ),
                _ => {}
            }
        }
    }
}

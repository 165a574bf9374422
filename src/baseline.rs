//! Baselines: the findings a project already has, so that only new ones are
//! reported. Entries are keyed on file, rule and the finding's line text
//! (whitespace collapsed) with a count, so they survive lines moving.

use crate::lint::Diagnostic;
use crate::load::Loaded;
use crate::render::anchor_text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One kind of finding at one place, and how many there are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    /// The line the finding starts on, whitespace collapsed.
    pub text: String,
    pub count: u32,
}

/// A baseline file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version, `1`.
    pub version: u32,
    pub entries: Vec<Entry>,
}

type Key = (String, String, String);

fn key(d: &Diagnostic, loaded: &Loaded) -> Key {
    (loaded.file(d.finding.span.file).display.clone(), d.rule.to_string(), anchor_text(loaded, d.finding.span))
}

impl Baseline {
    /// The baseline of the given findings (sorted, so that it diffs well).
    pub fn of(diags: &[Diagnostic], loaded: &Loaded) -> Baseline {
        let mut counts: BTreeMap<Key, u32> = BTreeMap::new();
        for d in diags {
            *counts.entry(key(d, loaded)).or_insert(0) += 1;
        }
        let entries = counts.into_iter().map(|((file, rule, text), count)| Entry { file, rule, text, count }).collect();
        Baseline { version: 1, entries }
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if b.version != 1 {
            return Err(format!("unsupported baseline version {}", b.version));
        }
        Ok(b)
    }

    /// Keeps the findings the baseline does not account for; returns the
    /// entries (with the count left over) that matched fewer findings than
    /// recorded: fixed since, so stale.
    pub fn filter(&self, diags: &mut Vec<Diagnostic>, loaded: &Loaded) -> Vec<Entry> {
        let mut left: BTreeMap<Key, u32> =
            self.entries.iter().map(|e| ((e.file.clone(), e.rule.clone(), e.text.clone()), e.count)).collect();
        diags.retain(|d| match left.get_mut(&key(d, loaded)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        left.into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|((file, rule, text), count)| Entry { file, rule, text, count })
            .collect()
    }
}

//! Our directive table against the facts extracted from the installed nginx
//! (../shared/oracle/directives.tsv). Skips when ../shared is absent.

mod common;

use ngxlint::model::context::Context;
use ngxlint::model::directives::{table, ModuleType};

fn arity_text(s: &ngxlint::model::directives::DirectiveSpec) -> String {
    let a = s.arity;
    let inner = if a.flag {
        "flag".to_string()
    } else if a.unbounded && a.mask == 0xff {
        "any".to_string()
    } else if a.unbounded {
        format!("{}+", a.mask.trailing_zeros())
    } else {
        let counts: Vec<u32> = (0..8).filter(|n| a.mask & (1 << n) != 0).collect();
        let contiguous = counts.windows(2).all(|w| w[1] == w[0] + 1);
        match counts.as_slice() {
            [n] => n.to_string(),
            [first, .., last] if contiguous => format!("{first}-{last}"),
            _ => counts.iter().map(u32::to_string).collect::<Vec<_>>().join("|"),
        }
    };
    if s.is_block() {
        if inner == "0" {
            "block".into()
        } else {
            format!("block:{inner}")
        }
    } else {
        inner
    }
}

#[test]
fn table_agrees_with_the_oracle_facts() {
    let Some(shared) = common::shared() else { return };
    let tsv = std::fs::read_to_string(shared.join("oracle/directives.tsv")).expect("directives.tsv");
    let t = table();
    let (mut rows, mut agree) = (0, 0);
    let mut problems = Vec::new();
    let mut matched = std::collections::HashSet::new();
    for line in tsv.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (name, module, contexts, arity, opens, mtype, binary) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
        rows += 1;
        let Some(ours) = t.get(name).iter().find(|s| s.module == module) else {
            problems.push(format!("missing: {name} ({module})"));
            continue;
        };
        matched.insert((name, module));
        let mut diffs = Vec::new();
        let ctx: Vec<&str> = ours.contexts.iter().map(Context::name).collect();
        let want_ctx: Vec<&str> = contexts.split(',').collect();
        let (mut a, mut b) = (ctx.clone(), want_ctx.clone());
        a.sort();
        b.sort();
        if a != b {
            diffs.push(format!("contexts {} vs {}", ctx.join(","), contexts));
        }
        if arity_text(ours) != arity {
            diffs.push(format!("arity {} vs {arity}", arity_text(ours)));
        }
        let our_opens = match ours.opens {
            Some(Context::IfInLocation) if name == "if" => "if_in_server|if_in_location".to_string(),
            Some(c) => c.name().to_string(),
            None => String::new(),
        };
        if our_opens != opens {
            diffs.push(format!("opens {our_opens} vs {opens}"));
        }
        let our_type = match ours.module_type {
            ModuleType::Core => "core",
            ModuleType::Conf => "conf",
            ModuleType::Event => "event",
            ModuleType::Http => "http",
            ModuleType::Stream => "stream",
            ModuleType::Mail => "mail",
            ModuleType::Rtmp => "rtmp",
        };
        if our_type != mtype {
            diffs.push(format!("module type {our_type} vs {mtype}"));
        }
        let our_bin = ours.binary.map_or("builtin".to_string(), |b| format!("{b}.so"));
        if our_bin != binary {
            diffs.push(format!("binary {our_bin} vs {binary}"));
        }
        if !ours.in_1_22 {
            diffs.push("marked newer than 1.22".into());
        }
        if diffs.is_empty() {
            agree += 1;
        } else {
            problems.push(format!("{name} ({module}): {}", diffs.join("; ")));
        }
    }
    let extra: Vec<String> = t
        .all()
        .iter()
        .filter(|s| !matched.contains(&(s.name, s.module)))
        .map(|s| format!("{}{}", s.name, if s.in_1_22 { " (claims to be in 1.22!)" } else { "" }))
        .collect();
    let bad_extra: Vec<&String> = extra.iter().filter(|e| e.contains("claims")).collect();
    println!(
        "directive table vs directives.tsv: {rows} rows, {agree} agree, {} differ or missing, {} extra rows newer than 1.22",
        problems.len(),
        extra.len() - bad_extra.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(problems.is_empty() && bad_extra.is_empty(), "{problems:?} {bad_extra:?}");
}

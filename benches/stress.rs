//! Stress run (a script, not a test): mutates real configurations and runs the
//! release binary on each mutant under a time limit, measuring its peak memory.
//!
//! ```sh
//! cargo build --release
//! cargo bench --bench stress -- [--mutants N] [--seed S] [--jobs J]
//!     [--corpus DIR] [--bin PATH] [--time-limit SECS]
//! ```
//!
//! Mutations work on bytes (bit flips, bytes nginx's lexer treats specially,
//! deletions, duplications, splices from other files) and on structure
//! (lines and blocks deleted, duplicated, swapped, nested hundreds deep).
//! Each mutant is checked with `ngxlint check FILE --format json` inside
//! `timeout -s KILL` and GNU `/usr/bin/time`. A run is
//! - a crash: killed by a signal, exit code other than 0 or 1, a panic or an
//!   "internal error" on stderr, output that is not one JSON document, or a
//!   control character in it;
//! - a timeout: over the time limit (default 1 s) of CPU time (user + system;
//!   wall time is inflated on a loaded machine), or still running after ten
//!   times the limit in wall time (a process that blocks uses no CPU);
//! - a memory excess: peak RSS over 10 x the input size + 16 MiB.
//!
//! Failing mutants are kept under `target/stress/failures/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

const MEM_CONSTANT_KB: u64 = 16 * 1024;
const MEM_FACTOR: u64 = 10;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn range(&mut self, len: usize) -> (usize, usize) {
        let a = self.below(len + 1);
        let most = if self.below(4) == 0 { 4096 } else { 64 };
        let max = (len - a).min(most);
        (a, a + self.below(max + 1))
    }
}

/// Bytes and snippets that steer nginx's lexer, loader and rules.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b";",
    b"\"",
    b"'",
    b"\\",
    b"#",
    b"\n",
    b"\r",
    b"\t",
    b" ",
    b"$",
    b"${",
    b"\0",
    b"\xff",
    b"\x1a",
    b"\x1b[31m",
    b"\xc2\x9b",
    b"\xe2\x80\xae",
    b"include m.conf;",
    b"include *.conf;",
    b"include /etc/passwd;",
    b"include ../../x.conf;",
    b"location ~ ( {",
    b"location = / { }",
    b"if ($a) {",
    b"server {",
    b"http {",
    b"events {}",
    b"content_by_lua_block {",
    b"map $a $b {",
    b"types {",
    b"listen 80;",
    b"listen [::]:80 ssl;",
    b"upstream u { server 127.0.0.1; }",
    b"proxy_pass http://u;",
    b"rewrite ^(.*)$ $1 last;",
    b"server_name ~^(?<n>.+)$;",
    b"proxy_buffers 0 0;",
    b"--[[",
    b"]]",
];

fn mutate(rng: &mut Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    let mut m = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = m.len();
        match rng.below(12) {
            // A bit flip.
            0 if len > 0 => {
                let i = rng.below(len);
                m[i] ^= 1 << rng.below(8);
            }
            // A random byte.
            1 if len > 0 => {
                let i = rng.below(len);
                m[i] = rng.next() as u8;
            }
            // A special token inserted or overwriting.
            2 | 3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(len + 1);
                if rng.below(2) == 0 {
                    m.splice(i..i, t.iter().copied());
                } else {
                    let end = (i + t.len()).min(len);
                    m.splice(i..end, t.iter().copied());
                }
            }
            // A range deleted.
            4 => {
                let (a, b) = rng.range(len);
                m.drain(a..b);
            }
            // A range duplicated somewhere else.
            5 => {
                let (a, b) = rng.range(len);
                let piece = m[a..b].to_vec();
                let i = rng.below(len + 1);
                m.splice(i..i, piece);
            }
            // A splice from another file.
            6 => {
                let (a, b) = rng.range(other.len());
                let i = rng.below(len + 1);
                let (c, d) = rng.range(len - i);
                m.splice(i + c..i + d, other[a..b].iter().copied());
            }
            // Lines: one deleted, duplicated or two swapped.
            7 | 8 => {
                let mut lines: Vec<Vec<u8>> = m.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let n = lines.len();
                let (i, j) = (rng.below(n), rng.below(n));
                match rng.below(3) {
                    0 if n > 1 => {
                        lines.remove(i);
                    }
                    1 => {
                        let l = lines[i].clone();
                        lines.insert(j, l);
                    }
                    _ => lines.swap(i, j),
                }
                m = lines.join(&b'\n');
            }
            // A token repeated: nesting, long words, many statements.
            9 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let most = if rng.below(4) == 0 { 20_000 } else { 300 };
                let times = 1 + rng.below(most);
                let i = rng.below(len + 1);
                m.splice(i..i, t.repeat(times));
            }
            // A range wrapped in a block, possibly many times.
            10 => {
                let (a, b) = rng.range(len);
                let depth = 1 + rng.below(300);
                let mut w = b"location / {\n".repeat(depth);
                w.extend_from_slice(&m[a..b]);
                w.extend(b"}\n".repeat(depth));
                m.splice(a..b, w);
            }
            // Truncated (a half-typed file).
            _ => {
                let at = rng.below(len + 1);
                m.truncate(at);
            }
        }
    }
    m
}

#[derive(Default)]
struct Tally {
    runs: usize,
    crashes: usize,
    timeouts: usize,
    memory: usize,
    /// Longest CPU time (user + system) and wall time.
    max_secs: f64,
    max_wall: f64,
    max_rss_kb: u64,
    /// Highest peak RSS as a fraction of the run's limit.
    max_ratio: f64,
}

fn corpus_files(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            corpus_files(&p, out);
        } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("tsv" | "md")) {
            if let Ok(b) = std::fs::read(&p) {
                if !b.is_empty() && b.len() <= 256 * 1024 {
                    out.push(b);
                }
            }
        }
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let mut mutants = 20_000usize;
    let mut seed = 0x6e67_786c_696e_7421u64;
    let mut jobs = 2usize;
    let mut corpus = root.join("../shared/corpus");
    let mut bin = target.join("release/ngxlint");
    let mut limit_secs = 1.0f64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--mutants" => mutants = val().parse().expect("--mutants N"),
            "--seed" => seed = val().parse().expect("--seed S"),
            "--jobs" => jobs = val().parse().expect("--jobs J"),
            "--corpus" => corpus = PathBuf::from(val()),
            "--bin" => bin = PathBuf::from(val()),
            "--time-limit" => limit_secs = val().parse().expect("--time-limit SECS"),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    let mut files = Vec::new();
    corpus_files(&corpus, &mut files);
    files.extend(
        ["examples/demo/nginx.conf", "examples/demo/sites-enabled/app.conf", "examples/demo/sites-enabled/php.conf"]
            .iter()
            .filter_map(|p| std::fs::read(root.join(p)).ok()),
    );
    for tool in ["/usr/bin/time", "timeout"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("stress: {tool} (GNU) is needed; skipping");
            return;
        }
    }
    if !bin.is_file() {
        eprintln!("stress: no binary at {} (cargo build --release, or --bin PATH)", bin.display());
        std::process::exit(2);
    }
    println!(
        "stress: {mutants} mutants of {} files from {} and examples/, {jobs} jobs, limits {limit_secs} s and {MEM_FACTOR} x input + {} MiB",
        files.len(),
        corpus.display(),
        MEM_CONSTANT_KB / 1024
    );
    let work = target.join("stress");
    let failures = work.join("failures");
    std::fs::create_dir_all(&failures).expect("create target/stress");
    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    let started = Instant::now();
    std::thread::scope(|s| {
        for job in 0..jobs {
            let (files, next, tally, work, failures, bin) = (&files, &next, &tally, &work, &failures, &bin);
            s.spawn(move || {
                let dir = work.join(format!("job{job}"));
                std::fs::create_dir_all(&dir).expect("job dir");
                let (input, timing) = (dir.join("m.conf"), dir.join("time.txt"));
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= mutants {
                        break;
                    }
                    let mut rng = Rng(seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    rng.next();
                    let base = &files[rng.below(files.len())];
                    let other = &files[rng.below(files.len())];
                    let m = mutate(&mut rng, base, other);
                    std::fs::write(&input, &m).expect("write mutant");
                    let out = Command::new("/usr/bin/time")
                        .args(["-f", "%e %U %S %M", "-o"])
                        .arg(&timing)
                        .args(["timeout", "-s", "KILL", &format!("{}", limit_secs * 10.0)])
                        .arg(bin)
                        .args(["check", "m.conf", "--format", "json"])
                        .current_dir(&dir)
                        .output()
                        .expect("run ngxlint");
                    let t = std::fs::read_to_string(&timing).unwrap_or_default();
                    let t = t.lines().last().unwrap_or("");
                    let mut it = t.split_whitespace();
                    let mut num = || it.next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
                    let (wall, user, sys, rss) = (num(), num(), num(), num() as u64);
                    let secs = user + sys;
                    let code = out.status.code();
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    let timeout = secs > limit_secs || code == Some(137) && wall >= limit_secs * 9.5;
                    let bad_output = serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err()
                        || out.stdout.iter().any(|b| *b < 0x20 && *b != b'\n');
                    let crash = !timeout
                        && (!matches!(code, Some(0) | Some(1))
                            || stderr.contains("panicked")
                            || stderr.contains("internal error")
                            || bad_output);
                    let mem_limit = MEM_FACTOR * (m.len() as u64).div_ceil(1024) + MEM_CONSTANT_KB;
                    let memory = rss > mem_limit;
                    let mut tl = tally.lock().expect("tally");
                    tl.runs += 1;
                    tl.max_secs = tl.max_secs.max(secs);
                    tl.max_wall = tl.max_wall.max(wall);
                    tl.max_rss_kb = tl.max_rss_kb.max(rss);
                    tl.max_ratio = tl.max_ratio.max(rss as f64 / mem_limit as f64);
                    let kind = if crash {
                        tl.crashes += 1;
                        "crash"
                    } else if timeout {
                        tl.timeouts += 1;
                        "timeout"
                    } else if memory {
                        tl.memory += 1;
                        "memory"
                    } else {
                        ""
                    };
                    if !kind.is_empty() {
                        let _ = std::fs::write(failures.join(format!("{kind}-{i}.conf")), &m);
                        if tl.crashes + tl.timeouts + tl.memory <= 20 {
                            eprintln!(
                                "{kind}: mutant {i} ({} bytes, exit {code:?}, {secs:.2} s CPU, {rss} KiB): {}",
                                m.len(),
                                stderr.lines().find(|l| l.contains("panicked")).unwrap_or("")
                            );
                        }
                    }
                    if tl.runs % 5000 == 0 {
                        eprintln!("  {} mutants, {:.0} s", tl.runs, started.elapsed().as_secs_f64());
                    }
                }
            });
        }
    });
    let t = tally.into_inner().expect("tally");
    println!(
        "mutants {}, crashes {}, timeouts {}, memory excess {}, max CPU time {:.2} s (max wall {:.2} s), max RSS {} KiB, max RSS / limit {:.2}, wall {:.0} s",
        t.runs,
        t.crashes,
        t.timeouts,
        t.memory,
        t.max_secs,
        t.max_wall,
        t.max_rss_kb,
        t.max_ratio,
        started.elapsed().as_secs_f64()
    );
    if t.crashes + t.timeouts + t.memory > 0 {
        println!("failing mutants: {}", failures.display());
        std::process::exit(1);
    }
}

#!/usr/bin/env bash
# Benchmark: wall time and peak memory of `ngxlint check` on generated trees.
#
#   benches/tree-bench.sh [extra ngxlint args...]     e.g. --select unknown-directive
#
# Generates trees with ../shared/bench/gen-tree (1,000 and 10,000 sites) and
# prints, per tree: files, lines, bytes, min and median wall time over several
# runs (after one warm-up run), and peak RSS; then the 10,000 / 1,000 ratios.
# A benchmark, not a test: it prints figures and asserts nothing, except that
# every run exits 0 or 1 (1 means findings; 2 or a signal is a failed run).
#
# Environment:
#   NGXLINT_BIN   binary (or command) to run instead of building the release
#                 binary; e.g. NGXLINT_BIN=cat to try the script without it
#   RUNS          timed runs on the 1,000-site tree (default 10)
#   RUNS10        timed runs on the 10,000-site tree (default 3)
#   CARGO_TARGET_DIR  where cargo puts the build (default: target/ in the repo)
#
# Wall time: min and median of the timed runs (posix_spawn + wait4, measured
# in python). Peak RSS: GNU time's %M on the warm-up run (fallback without
# GNU time: ru_maxrss from wait4, which includes python's RSS as a floor).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gen="$repo/../shared/bench/gen-tree"
if [ ! -x "$gen" ]; then
  echo "skipping: $gen not found (the benchmark needs ../shared next to the repo)"
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "tree-bench: python3 is needed to measure the runs" >&2
  exit 2
fi

if [ -z "${NGXLINT_BIN:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  target="${CARGO_TARGET_DIR:-target}"
  case "$target" in /*) ;; *) target="$repo/$target" ;; esac
  NGXLINT_BIN="$target/release/ngxlint"
fi
# A bare command name (NGXLINT_BIN=cat) is looked up on PATH.
case "$NGXLINT_BIN" in
  */*) bin="$NGXLINT_BIN" ;;
  *) bin=$(command -v "$NGXLINT_BIN" || true) ;;
esac
if [ -z "$bin" ] || [ ! -x "$bin" ] || [ -d "$bin" ]; then
  echo "tree-bench: no executable ngxlint at '${NGXLINT_BIN}'" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tree-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# GNU time measures peak RSS without counting the measuring process (a Python
# child would carry Python's own ~10 MiB into ru_maxrss before exec).
gnu_time=""
if /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
  gnu_time=/usr/bin/time
else
  echo "note: GNU time not found (apt-get install time); peak RSS includes python's own RSS as a floor"
fi

measure() { # TREE RUNS [extra args] -> a figures line and a RESULT line
  python3 - "$bin" "$gnu_time" "$@" <<'PY'
import os, re, statistics, sys, time
binary, gnu_time, tree, runs, extra = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
cmd = [binary, "check", os.path.join(tree, "nginx.conf"), "--format", "json", *extra]
files = lines = size = 0
for root, _, names in os.walk(tree):
    for n in names:
        with open(os.path.join(root, n), "rb") as f:
            data = f.read()
        files += 1
        size += len(data)
        lines += data.count(b"\n")
errlog = tree + ".stderr"
memlog = tree + ".maxrss"

def run(argv):
    """Runs argv with stdout to /dev/null, stderr to errlog; returns (exit code, ms, ru_maxrss KiB)."""
    acts = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, errlog, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
    t = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), (time.perf_counter() - t) * 1000, usage.ru_maxrss

def fail(how):
    with open(errlog, errors="replace") as f:
        tail = f.read()[-2000:]
    sys.exit(f"tree-bench: `{' '.join(cmd)}` on {tree} failed: {how}\n{tail}")

def check(code):
    if code not in (0, 1):  # 1 means findings; 2 is ngxlint's own error
        fail(f"killed by signal {-code}" if code < 0 else f"exit code {code}")

# Warm-up run (fills the page cache, not timed); it also gives the peak RSS.
if gnu_time:
    code, _, _ = run([gnu_time, "-f", "%M", "-o", memlog, *cmd])
    with open(memlog) as f:
        report = f.read()
    sig = re.search(r"terminated by signal (\d+)", report)
    if sig:
        fail(f"killed by signal {sig.group(1)}")
    check(code)
    peak = int(re.findall(r"^(\d+)$", report, re.M)[-1])
else:
    code, _, peak = run(cmd)
    check(code)
times = []
for _ in range(runs):
    code, ms, rss = run(cmd)
    check(code)
    times.append(ms)
    if not gnu_time:
        peak = max(peak, rss)
name = os.path.basename(tree)
print(f"{name:>11}: {files} files, {lines} lines, {size} bytes | 1+{runs} runs: "
      f"min {min(times):.1f} ms, median {statistics.median(times):.1f} ms | "
      f"peak RSS {peak / 1024:.1f} MiB")
print(f"RESULT {name} {min(times):.3f} {statistics.median(times):.3f} {peak / 1024:.3f}")
PY
}

echo "ngxlint: $bin ${*:+(args: $*) }on $(nproc) cores"
"$gen" "$work/sites-1000" --sites 1000 >/dev/null
"$gen" "$work/sites-10000" --sites 10000 >/dev/null
r1=$(measure "$work/sites-1000" "${RUNS:-10}" "$@")
echo "$r1" | grep -v '^RESULT'
r2=$(measure "$work/sites-10000" "${RUNS10:-3}" "$@")
echo "$r2" | grep -v '^RESULT'
python3 - "$(echo "$r1" | grep '^RESULT')" "$(echo "$r2" | grep '^RESULT')" <<'PY'
import sys
a, b = (list(map(float, s.split()[2:])) for s in sys.argv[1:3])
ratio = lambda x, y: f"x{y / x:.1f}" if x > 0 else "n/a"
print(f"10000/1000 sites: min time {ratio(a[0], b[0])}, median time {ratio(a[1], b[1])}, "
      f"peak RSS {ratio(a[2], b[2])}")
PY

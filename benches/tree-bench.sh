#!/usr/bin/env bash
# Benchmark: wall time and peak memory of `ngxlint check` on generated trees.
#
#   benches/tree-bench.sh [extra ngxlint args...]
#
# Generates trees with ../shared/bench/gen-tree (1,000 and 10,000 sites) and
# prints, per tree: files, lines, bytes, min and median wall time over several
# runs, and peak RSS. A benchmark, not a test: it prints figures, it asserts
# nothing. NGXLINT_BIN overrides the binary; RUNS overrides the run count.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gen="$repo/../shared/bench/gen-tree"
if [ ! -x "$gen" ]; then
  echo "skipping: $gen not found (the benchmark needs ../shared)"
  exit 0
fi
if [ -z "${NGXLINT_BIN:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  NGXLINT_BIN="${CARGO_TARGET_DIR:-$repo/target}/release/ngxlint"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # tree runs -> prints a result line
  python3 - "$NGXLINT_BIN" "$1" "$2" "${@:3}" <<'PY'
import os, resource, statistics, subprocess, sys, time
binary, tree, runs, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
cmd = [binary, "check", os.path.join(tree, "nginx.conf"), "--format", "json", *extra]
files = lines = size = 0
for root, _, names in os.walk(tree):
    for n in names:
        p = os.path.join(root, n)
        files += 1
        size += os.path.getsize(p)
        with open(p, "rb") as f:
            lines += f.read().count(b"\n")
times, peak = [], 0
for i in range(runs + 1):  # the first run warms the page cache
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(binary, cmd)
    _, status, usage = os.wait4(pid, 0)
    dt = (time.perf_counter() - t) * 1000
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"ngxlint failed on {tree} with exit code {code}")
    if i:
        times.append(dt)
        peak = max(peak, usage.ru_maxrss)
print(f"{os.path.basename(tree):>12}: {files} files, {lines} lines, {size/1e6:.1f} MB | "
      f"wall min {min(times):.1f} ms, median {statistics.median(times):.1f} ms | peak RSS {peak/1024:.1f} MiB")
print(f"RESULT {os.path.basename(tree)} {min(times):.3f} {statistics.median(times):.3f} {peak/1024:.2f}")
PY
}

echo "ngxlint: $NGXLINT_BIN ($(nproc) cores)"
"$gen" "$work/sites-1000" --sites 1000 >/dev/null
"$gen" "$work/sites-10000" --sites 10000 >/dev/null
r1=$(measure "$work/sites-1000" "${RUNS:-15}" "$@")
echo "$r1" | grep -v '^RESULT'
r2=$(measure "$work/sites-10000" "${RUNS10:-5}" "$@")
echo "$r2" | grep -v '^RESULT'
t1=$(echo "$r1" | awk '/^RESULT/ {print $4}')
t2=$(echo "$r2" | awk '/^RESULT/ {print $4}')
m1=$(echo "$r1" | awk '/^RESULT/ {print $5}')
m2=$(echo "$r2" | awk '/^RESULT/ {print $5}')
python3 -c "print(f'10,000 / 1,000 sites: median time x{$t2/$t1:.1f}, peak memory x{$m2/$m1:.1f}')"

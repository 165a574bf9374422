#!/usr/bin/env bash
# Builds the seed corpora under fuzz/corpus/<target>/ from the repository's own
# configurations: the example tree, the rules' documentation examples, the
# built-in stock files, and ../shared/corpus when it is present. Generated,
# never committed (fuzz/.gitignore). Usage: fuzz/seed.sh [ngxlint binary]
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
bin=${1:-}
mkdir -p "$out/parse" "$out/check_text" "$out/include_tree"

n=0
add() { # add FILE: one seed for the single-file targets
  local f=$1 name
  [ -s "$f" ] || return 0
  [ "$(wc -c < "$f")" -le 65536 ] || return 0
  name=$(cksum < "$f" | cut -d' ' -f1)
  cp "$f" "$out/parse/$name"
  cp "$f" "$out/check_text/$name"
  n=$((n + 1))
}

while IFS= read -r -d '' f; do add "$f"; done < <(find examples src/load/stock -type f -print0)

# The failing and fixed examples of every rule's documentation.
if [ -n "$bin" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for rule in $("$bin" rules | cut -d' ' -f1); do
    "$bin" rule "$rule" | awk -v dir="$tmp" -v rule="$rule" '
      /^```nginx/ { k++; f = dir "/" rule "-" k ".conf"; inb = 1; next }
      /^```/ { inb = 0; next }
      inb { print > f }'
  done
  while IFS= read -r -d '' f; do add "$f"; done < <(find "$tmp" -type f -print0)
fi

if [ -d ../shared/corpus ]; then
  while IFS= read -r -d '' f; do add "$f"; done < <(find ../shared/corpus -type f ! -name '*.tsv' ! -name '*.md' -print0)
fi

# include_tree seeds: a first byte (odd: walk /t instead of reading
# /t/nginx.conf), then files separated by NUL in the order the target names
# them: nginx.conf, a.conf, conf.d/b.conf, sites-enabled/c, snippets/d.conf,
# mime.types, /outside/secret.conf, conf.d/e.conf.
demo=examples/demo
seed() { # seed NAME FILE...: join files with NUL
  local name=$1 first=1
  shift
  { printf '\001'; for f in "$@"; do
      [ $first = 1 ] || printf '\000'
      first=0
      if [ -f "$f" ]; then cat "$f"; else printf '%s' "$f"; fi
    done; } > "$out/include_tree/$name"
}
seed demo "$demo/nginx.conf" "$demo/snippets/proxy.conf" "$demo/conf.d/upstreams.conf" "$demo/sites-enabled/app.conf" \
  "$demo/sites-enabled/php.conf" src/load/stock/mime.types
seed escape $'events {}\nhttp { include a.conf; include /outside/secret.conf; include ../outside/*.conf; include conf.d/*.conf; }\n' \
  $'include snippets/d.conf;\n' $'server { listen 80; include /etc/nginx/mime.types; }\n' $'server { listen 81; }\n' \
  $'location / { include a.conf; }\n' $'types { text/html html; }\n' $'SECRET on;\n' $'include b.conf;\n'
seed fanout $'events {}\nhttp { include a.conf; include a.conf; include a.conf; include a.conf; }\n' \
  $'include conf.d/*.conf; include conf.d/*.conf; include conf.d/*.conf;\n' \
  $'include snippets/d.conf; include snippets/d.conf; include snippets/d.conf;\n' '' $'server_tokens off;\n' '' '' \
  $'include snippets/d.conf; include snippets/d.conf;\n'
echo "seeded $n files for parse and check_text, $(ls "$out/include_tree" | wc -l) trees for include_tree"

#!/usr/bin/env bash
# Synth of the many-agents app (examples/many-agents) at 1, 10, 50 and 200 agents, as a user
# runs it: the release binary from process start to every file written (templates, nested
# templates, manifest, lock), measured with GNU time: wall time and peak RSS (of the process and
# the `cargo metadata` child that finds the handlers' path dependencies), and the CPU time
# (user + sys, children included), which a loaded machine inflates less than the wall time.
#
#   scripts/bench-synth.sh            # builds the release binary first
#   TARGET_DIR=target/bench scripts/bench-synth.sh
#
# The library alone (no process start, no cargo metadata after the first iteration) is
# `cargo bench -p many-agents`.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${TARGET_DIR:-target}"
CARGO_TARGET_DIR="$target" cargo build --quiet --release -p many-agents
bin="$target/release/many-agents"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%-7s %-10s %-9s %-8s %-7s %-10s %s\n' agents resources nested wall_ms cpu_ms peak_MiB root_bytes
for n in 1 10 50 200; do
  out="$work/out-$n"
  # Best of 3 wall times; CPU time and peak RSS of that run.
  best=""
  for _ in 1 2 3; do
    MANY_AGENTS=$n /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$bin" synth --out "$out" --lock "$work/lock-$n" >/dev/null 2>&1
    read -r secs user sys kib <"$work/time"
    ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then
      best=$ms
      cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')
      peak=$kib
    fi
  done
  read -r resources nested root_bytes < <(python3 - "$out/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = next(iter(m["stacks"].values()))
nested = s.get("nested", {})
print(s["resources"] + sum(n["resources"] for n in nested.values()) - len(nested), len(nested), s["templateBytes"])
PY
)
  printf '%-7s %-10s %-9s %-8s %-7s %-10s %s\n' "$n" "$resources" "$nested" "$best" "$cpu" "$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')" "$root_bytes"
done

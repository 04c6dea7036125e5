#!/usr/bin/env bash
# Checks of the handlers/ workspace: fmt, clippy, the Lambda zips, and every test.
#
# Assumes the venv has handlers/requirements.txt installed (cargo-lambda with zig, moto_server):
#   "$AGENTCDK_VENV/bin/pip" install -r handlers/requirements.txt
# AGENTCDK_VENV defaults to <repo>/.venv. Works from a fresh clone; shares <repo>/target with
# the root workspace (.cargo/config.toml).
set -euo pipefail

HANDLERS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HANDLERS/.." && pwd)"
export AGENTCDK_VENV="${AGENTCDK_VENV:-$REPO/.venv}"
cd "$HANDLERS"

for tool in cargo-lambda moto_server python; do
  if [ ! -x "$AGENTCDK_VENV/bin/$tool" ]; then
    echo "error: $tool not found in $AGENTCDK_VENV/bin." >&2
    echo "       install it: \"$AGENTCDK_VENV/bin/pip\" install -r handlers/requirements.txt" >&2
    exit 1
  fi
done
export PATH="$AGENTCDK_VENV/bin:$PATH"

FUNCTIONS=(request-handler agent-runner response-handler ws-connection authorizer stream-handler agentcore-proxy mcp-orders)
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$AGENTCDK_VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
start=$SECONDS
step() { echo; echo "== [handlers $((SECONDS - start))s] $*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo lambda build --release --output-format zip (x86_64)"
pkgs=()
for f in "${FUNCTIONS[@]}"; do pkgs+=(-p "$f"); done
cargo lambda build --release --output-format zip --locked "${pkgs[@]}"
for f in "${FUNCTIONS[@]}"; do
  zip="$TARGET_DIR/lambda/$f/bootstrap.zip"
  [ -s "$zip" ] || { echo "error: $zip was not built" >&2; exit 1; }
done
# provided.al2023 ships glibc 2.34: no binary may need a newer symbol version.
"$AGENTCDK_VENV/bin/python" - "$TARGET_DIR/lambda" "${FUNCTIONS[@]}" <<'PY'
import re, sys, zipfile, os
base, names = sys.argv[1], sys.argv[2:]
worst = (0, 0)
for n in names:
    path = os.path.join(base, n, "bootstrap.zip")
    with zipfile.ZipFile(path) as z:
        data = z.read("bootstrap")
    vers = [tuple(map(int, m.groups())) for m in re.finditer(rb"GLIBC_(\d+)\.(\d+)", data)]
    newest = max(vers) if vers else (0, 0)
    worst = max(worst, newest)
    print(f"  {n:<18} {os.path.getsize(path):>9} bytes zipped, newest glibc symbol {newest[0]}.{newest[1]}")
if worst > (2, 34):
    sys.exit(f"error: a binary needs glibc {worst[0]}.{worst[1]}, provided.al2023 has 2.34")
PY
if rustup target list --installed 2>/dev/null | grep -q '^aarch64-unknown-linux-gnu$'; then
  step "cargo lambda build --arm64"
  cargo lambda build --release --arm64 --output-format zip --locked \
    --lambda-dir "$TARGET_DIR/lambda-arm64" "${pkgs[@]}"
else
  echo "   (arm64 zips not built: the aarch64-unknown-linux-gnu Rust target is not installed)"
fi

step "cargo test (moto_server, Runtime API, providers, attack suite, e2e flows)"
cargo test --workspace --locked

echo
echo "handlers: all checks passed in $((SECONDS - start)) s"

#!/usr/bin/env bash
# Handler figures: bootstrap.zip size per function, init time (process start to the first
# Runtime API poll) next to a hello-world lambda_runtime binary, peak RSS, and the
# request-handler's per-invocation cost in Queue mode against moto_server. Prints figures;
# goals: zip <= 3 MB, init <= 1.5x hello, RSS < 40 MB.
#
# Needs the venv of handlers/requirements.txt (AGENTCDK_VENV, default <repo>/.venv).
set -euo pipefail

HANDLERS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HANDLERS/.." && pwd)"
export AGENTCDK_VENV="${AGENTCDK_VENV:-$REPO/.venv}"
cd "$HANDLERS"
for tool in cargo-lambda moto_server python; do
  [ -x "$AGENTCDK_VENV/bin/$tool" ] || {
    echo "error: $tool not found in $AGENTCDK_VENV/bin: \"$AGENTCDK_VENV/bin/pip\" install -r handlers/requirements.txt" >&2
    exit 1
  }
done
export PATH="$AGENTCDK_VENV/bin:$PATH"

NAMES=(bench-hello request-handler agent-runner response-handler ws-connection authorizer stream-handler agentcore-proxy mcp-orders)
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
pkgs=()
for n in "${NAMES[@]}"; do pkgs+=(-p "$n"); done
cargo lambda build --release --output-format zip --locked "${pkgs[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for n in "${NAMES[@]}"; do
  mkdir -p "$work/$n"
  cp "$TARGET_DIR/lambda/$n/bootstrap.zip" "$work/$n/"
  python -m zipfile -e "$work/$n/bootstrap.zip" "$work/$n/"
  chmod +x "$work/$n/bootstrap"
done
cargo run --quiet --locked -p agentcdk-e2e --example bench -- "$work"

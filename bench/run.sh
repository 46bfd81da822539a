#!/usr/bin/env bash
# Benchmarks: the planner (no engine), then paunch on the engine against the
# engine's own floors and against the original Python paunch 4.5.1
# (installed into a throwaway venv under target/ when missing).
#   bench/run.sh            ROUNDS=9 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/engine-up
scripts/busybox-image paunch-examples/busybox:1
# Wherever cargo puts it (CARGO_TARGET_DIR is honoured).
PAUNCH_BIN=$(scripts/paunch-bin --quiet)
export PAUNCH_BIN
venv=target/bench/paunch-4.5.1-venv
if [ ! -x "$venv/bin/paunch" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet paunch==4.5.1 \
    || echo "bench: the original paunch could not be installed; comparing without it" >&2
fi
if [ -x "$venv/bin/paunch" ]; then
  export PAUNCH_ORIGINAL=$PWD/$venv/bin/paunch
fi
echo "== planner (cargo bench --bench planner)"
cargo bench --quiet --bench planner 2>/dev/null | grep -v '^$'
echo "== engines ($(nproc) cores)"
python3 bench/run.py

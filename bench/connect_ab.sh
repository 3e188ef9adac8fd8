#!/usr/bin/env bash
# The connect path of two revisions, A/B: each revision's embedded server (as `make run`
# serves it, rendering the demo noise2d virtual) alone in turn, ROUNDS times alternating,
# measured by bench/wsload.py --only connect --noise2d --pid (latency and server CPU per
# connection). For a change to the connect path on a noisy machine, where one run of
# bench/realtime.sh per revision is not enough.
#
#   bench/connect_ab.sh <revision A> <revision B> [rounds, default 3]
#
# Writes bench/results/connect-ab-<time>.md. Runs on loopback without the namespace (no
# LedFx here): compare the two columns, not with other files.
set -euo pipefail
A=$1; B=$2; ROUNDS=${3:-3}
PY=$(pwd)/.venv/bin/python
DAPHNE=$(pwd)/.venv/bin/daphne
WORK=$(mktemp -d /tmp/ledfxsite-ab.XXXXXX)
OUT=bench/results/connect-ab-$(date -u +%Y%m%dT%H%M%SZ).md
PORT=${PORT:-8930}
trap 'git worktree remove --force "$WORK/A" 2>/dev/null || true; git worktree remove --force "$WORK/B" 2>/dev/null || true' EXIT
git worktree add -q --detach "$WORK/A" "$A"
git worktree add -q --detach "$WORK/B" "$B"

measure() {  # side, round
  local tree=$WORK/$1 data=$WORK/data-$1-$2
  (cd "$tree" && DATA_DIR=$data "$PY" manage.py migrate -v0 && DATA_DIR=$data "$PY" manage.py create_demo >/dev/null)
  (cd "$tree" && exec env DATA_DIR="$data" LOG_LEVEL=WARNING WEBSOCKET_MAX_CONNECTIONS_PER_IP=100000 \
    "$DAPHNE" -b 127.0.0.1 -p "$PORT" ledfxsite.asgi:application >"$data.log" 2>&1) &
  local pid=$!
  for _ in $(seq 100); do "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break; sleep 0.2; done
  "$PY" bench/wsload.py --url "http://127.0.0.1:$PORT" --only connect --noise2d --connects 400 --pid "$pid" \
    --out "$WORK/$1-$2.json" >/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for round in $(seq "$ROUNDS"); do measure A "$round"; measure B "$round"; done
"$PY" - "$WORK" "$ROUNDS" "$(git rev-parse --short "$A")" "$(git rev-parse --short "$B")" >"$OUT" <<'SUMMARY'
import json, sys
work, rounds, names = sys.argv[1], int(sys.argv[2]), {"A": sys.argv[3], "B": sys.argv[4]}
print(f"Connect path A/B: {rounds} rounds alternating, 400 connections each, embedded server rendering noise2d.\n")
print("| revision | connect -> client_id p50 ms | p99 ms | -> first answer p50 ms | p99 ms | server CPU ms per connection |")
print("|---|---|---|---|---|---|")
for side in "AB":
    runs = [json.load(open(f"{work}/{side}-{r}.json"))["connect"] for r in range(1, rounds + 1)]
    column = lambda get: " / ".join(str(get(run)) for run in runs)
    print(f"| {side} {names[side]} | {column(lambda r: r['p50_ms'])} | {column(lambda r: r['p99_ms'])} | "
          f"{column(lambda r: r['first_answer']['p50_ms'])} | {column(lambda r: r['first_answer']['p99_ms'])} | "
          f"{column(lambda r: r['server_cpu_ms_per_connection'])} |")
SUMMARY
cat "$OUT"

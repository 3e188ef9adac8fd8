#!/usr/bin/env bash
# The realtime API benchmark, LedFx 2.2.1 and ledfxsite side by side from one run.
#
#   bench/realtime.sh            (or: make bench-realtime)
#
# Every server runs alone (the previous one stopped) inside the loopback-only network
# namespace of ../shared/bench/ledfx-baseline.sh, and the same client, bench/wsload.py,
# measures it. Deployments of ours:
#   embedded   one daphne, in-memory channel layers, SQLite (what `make run` serves)
#   redis-2    two daphne processes over Redis (pub/sub events layer), SQLite; the
#              client spreads its websockets over both
# Results: bench/results/realtime-<time>.json and .md (and realtime-latest.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
PY=$(pwd)/.venv/bin/python
DAPHNE=$(pwd)/.venv/bin/daphne
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/ledfxsite-bench.XXXXXX)
OUT=bench/results
mkdir -p "$OUT"
WSLOAD_ARGS=${WSLOAD_ARGS:-}
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $WORK/redis.pid ]] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
  bash "$BASELINE" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

in_ns() { bash "$BASELINE" exec "$@"; }

wait_port() {
  for _ in $(seq 1 100); do
    in_ns "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on $1" >&2; return 1
}

stop_ours() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done
  PIDS=()
}

start_daphne() {  # port, env...
  local port=$1; shift
  env "$@" bash "$BASELINE" exec "$DAPHNE" -b 127.0.0.1 -p "$port" ledfxsite.asgi:application \
    > "$WORK/daphne-$port.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
}

echo "== LedFx 2.2.1"
bash "$BASELINE" install >/dev/null
bash "$BASELINE" start
LEDFX_PID=$(cat "${LEDFX_HOME:-/tmp/ledfx-baseline}/ledfx.pid")
in_ns "$PY" bench/wsload.py --name "LedFx 2.2.1" --url http://127.0.0.1:8888 --pid "$LEDFX_PID" \
  --out "$WORK/1-ledfx.json" $WSLOAD_ARGS
bash "$BASELINE" stop

echo "== ledfxsite, embedded"
DATA_DIR=$WORK/embedded "$PY" manage.py migrate -v0
start_daphne 8890 DATA_DIR="$WORK/embedded" LOG_LEVEL=WARNING
in_ns "$PY" bench/wsload.py --name "ledfxsite embedded (1 daphne)" --url http://127.0.0.1:8890 \
  --pid "${PIDS[0]}" --out "$WORK/2-embedded.json" $WSLOAD_ARGS
stop_ours

echo "== ledfxsite, two daphne processes over Redis"
in_ns redis-server --port 6390 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$WORK/redis.pid" --dir "$WORK" --logfile "$WORK/redis.log"
MULTI_ENV=(DATA_DIR="$WORK/multi" REDIS_URL=redis://127.0.0.1:6390/0 LOG_LEVEL=WARNING)
env "${MULTI_ENV[@]}" "$PY" manage.py migrate -v0
start_daphne 8890 "${MULTI_ENV[@]}"
start_daphne 8891 "${MULTI_ENV[@]}"
in_ns "$PY" bench/wsload.py --name "ledfxsite 2 daphne + Redis" --url http://127.0.0.1:8890 --url http://127.0.0.1:8891 \
  --pid "${PIDS[0]}" --pid "${PIDS[1]}" --out "$WORK/3-redis.json" $WSLOAD_ARGS
stop_ours

"$PY" bench/summarize.py "$WORK"/[0-9]-*.json --json "$OUT/realtime-$STAMP.json" --markdown "$OUT/realtime-$STAMP.md"
cp "$OUT/realtime-$STAMP.md" "$OUT/realtime-latest.md"
cat "$OUT/realtime-$STAMP.md"
if grep -l "Traceback" "$WORK"/daphne-*.log >/dev/null 2>&1; then echo "server logs with errors: $WORK" >&2; fi

#!/usr/bin/env bash
# The realtime API benchmark, LedFx 2.2.1 and ledfxsite side by side from one run.
#
#   flock /tmp/ledfxsite-bench.lock bench/realtime.sh      (or: make bench-realtime)
#
# Every server runs alone (the previous one stopped) inside the loopback-only network
# namespace of ../shared/bench/ledfx-baseline.sh, and the same client, bench/wsload.py,
# measures it. Every server renders a 32x32 noise2d virtual at 62 fps during the whole
# measurement, as `make run` does (wsload --noise2d reports the rendered fps from
# virtual_diag). Deployments, in this order ($DEPLOYMENTS picks some; LedFx stays first,
# the reference of the ratios):
#   ledfx        LedFx 2.2.1: a dummy device of 1024 pixels in 32 rows, noise2d, via REST
#   floor        bench/daphne_floor.py: the least an ASGI app can do for this client,
#                under daphne, with noise2d rendering in a thread (daphne's own cost)
#   embedded     one daphne, in-memory channel layers, SQLite, rendering in-process:
#                what `make run` serves (migrate, create_demo, daphne)
#   redis        two daphne processes over Redis (pub/sub events layer), SQLite, and
#                `runworker effects` rendering; the client spreads its websockets over both
# Results: bench/results/realtime-<time>[-$TAG].json and .md, and realtime-latest.md when
# every deployment ran.
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
ALL_DEPLOYMENTS="ledfx floor embedded redis"
DEPLOYMENTS=${DEPLOYMENTS:-$ALL_DEPLOYMENTS}
TAG=${TAG:-}  # appended to the result files' names
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

start_worker() {  # env...
  env "$@" bash "$BASELINE" exec "$PY" manage.py runworker effects > "$WORK/worker.log" 2>&1 &
  PIDS+=($!)
}

want() { [[ " $DEPLOYMENTS " == *" $1 "* ]]; }

if want ledfx; then
  echo "== LedFx 2.2.1"
  bash "$BASELINE" install >/dev/null
  bash "$BASELINE" start
  LEDFX_PID=$(cat "${LEDFX_HOME:-/tmp/ledfx-baseline}/ledfx.pid")
  in_ns "$PY" bench/wsload.py --name "LedFx 2.2.1" --url http://127.0.0.1:8888 --pid "$LEDFX_PID" \
    --noise2d --out "$WORK/1-ledfx.json" $WSLOAD_ARGS
  bash "$BASELINE" stop
fi

if want floor; then
  echo "== daphne floor (bench/daphne_floor.py)"
  FLOOR_RENDER=1 bash "$BASELINE" exec "$DAPHNE" -b 127.0.0.1 -p 8892 bench.daphne_floor:application \
    > "$WORK/daphne-8892.log" 2>&1 &
  PIDS+=($!)
  wait_port 8892
  in_ns "$PY" bench/wsload.py --name "daphne floor (minimal app)" --url http://127.0.0.1:8892 \
    --pid "${PIDS[0]}" --watch-diag --out "$WORK/2-floor.json" $WSLOAD_ARGS
  stop_ours
fi

if want embedded; then
  echo "== ledfxsite, embedded"
  DATA_DIR=$WORK/embedded "$PY" manage.py migrate -v0
  DATA_DIR=$WORK/embedded "$PY" manage.py create_demo
  start_daphne 8890 DATA_DIR="$WORK/embedded" LOG_LEVEL=WARNING
  in_ns "$PY" bench/wsload.py --name "ledfxsite embedded (1 daphne)" --url http://127.0.0.1:8890 \
    --pid "${PIDS[0]}" --noise2d --out "$WORK/3-embedded.json" $WSLOAD_ARGS
  stop_ours
fi

if want redis; then
  echo "== ledfxsite, two daphne processes over Redis, runworker effects"
  in_ns redis-server --port 6390 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$WORK/redis.pid" --dir "$WORK" --logfile "$WORK/redis.log"
  MULTI_ENV=(DATA_DIR="$WORK/multi" REDIS_URL=redis://127.0.0.1:6390/0 LOG_LEVEL=WARNING)
  env "${MULTI_ENV[@]}" "$PY" manage.py migrate -v0
  env "${MULTI_ENV[@]}" bash "$BASELINE" exec "$PY" manage.py create_demo  # fires its events over Redis
  start_daphne 8890 "${MULTI_ENV[@]}"
  start_daphne 8891 "${MULTI_ENV[@]}"
  start_worker "${MULTI_ENV[@]}"
  in_ns "$PY" bench/wsload.py --name "ledfxsite 2 daphne + Redis" --url http://127.0.0.1:8890 --url http://127.0.0.1:8891 \
    --pid "${PIDS[0]}" --pid "${PIDS[1]}" --noise2d --out "$WORK/5-redis.json" $WSLOAD_ARGS
  stop_ours
fi

NAME=realtime-$STAMP${TAG:+-$TAG}
"$PY" bench/summarize.py "$WORK"/[0-9]-*.json --json "$OUT/$NAME.json" --markdown "$OUT/$NAME.md"
[[ $DEPLOYMENTS == "$ALL_DEPLOYMENTS" ]] && cp "$OUT/$NAME.md" "$OUT/realtime-latest.md"
cat "$OUT/$NAME.md"
if grep -l "Traceback" "$WORK"/daphne-*.log "$WORK"/worker.log >/dev/null 2>&1; then echo "server logs with errors: $WORK" >&2; fi

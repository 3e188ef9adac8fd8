# Shared by the benchmarks that run LedFx and ledfxsite side by side (realtime.sh,
# previews.sh): paths, the work directory, and starting and stopping servers inside the
# loopback-only network namespace of ../shared/bench/ledfx-baseline.sh.
# Expects BASELINE, ALL_DEPLOYMENTS; run from the project directory.
PY=$(pwd)/.venv/bin/python
DAPHNE=$(pwd)/.venv/bin/daphne
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/ledfxsite-bench.XXXXXX)
OUT=bench/results
mkdir -p "$OUT"
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
  # The load clients open thousands of websockets from one address; LedFx has no such limit.
  env WEBSOCKET_MAX_CONNECTIONS_PER_IP=100000 "$@" bash "$BASELINE" exec "$DAPHNE" -b 127.0.0.1 -p "$port" ledfxsite.asgi:application \
    > "$WORK/daphne-$port.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
}

start_worker() {  # env...
  env "$@" bash "$BASELINE" exec "$PY" manage.py runworker effects > "$WORK/worker.log" 2>&1 &
  PIDS+=($!)
}

want() { [[ " $DEPLOYMENTS " == *" $1 "* ]]; }

start_ledfx() {
  bash "$BASELINE" install >/dev/null
  bash "$BASELINE" start
  LEDFX_PID=$(cat "${LEDFX_HOME:-/tmp/ledfx-baseline}/ledfx.pid")
}

start_redis() {
  in_ns redis-server --port 6390 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$WORK/redis.pid" --dir "$WORK" --logfile "$WORK/redis.log"
}

check_logs() {
  if grep -l "Traceback" "$WORK"/daphne-*.log "$WORK"/worker.log >/dev/null 2>&1; then echo "server logs with errors: $WORK" >&2; fi
}

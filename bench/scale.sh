#!/usr/bin/env bash
# Scale-out benchmark, LedFx 2.2.1 and ledfxsite side by side from one run:
# 10,000 idle websockets on one process (RSS per socket), and fan-out to 1000 subscribers
# spread over 1, 2 and 4 daphne processes (ours over Redis, with one render worker) beside
# LedFx's single process. Every deployment renders the demo 32x32 noise2d throughout.
#
#   flock /tmp/ledfxsite-bench.lock bench/scale.sh      (or: make bench-scale)
#
# Deployments ($DEPLOYMENTS picks some; LedFx stays first, the reference of the ratios):
#   ledfx  LedFx 2.2.1            idle 10,000 + fan-out 1000
#   d1     1 daphne + Redis       idle 10,000 + fan-out 1000
#   d2     2 daphne + Redis       fan-out 1000
#   d4     4 daphne + Redis       fan-out 1000
# Results: bench/results/scale-<time>.json and .md, and scale-latest.md when all ran.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
ALL_DEPLOYMENTS="ledfx d1 d2 d4"
IDLE=${IDLE:-10000}
source bench/lib.sh
# 10,000 sockets each side, plus the rest: raise the limit for the client and the servers
# (ours raise their soft limit to the hard one by themselves; LedFx and the client do not).
ulimit -Hn 65536 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)"

if want ledfx; then
  echo "== LedFx 2.2.1"
  start_ledfx
  in_ns "$PY" bench/wsload.py --name "LedFx 2.2.1" --url http://127.0.0.1:8888 --pid "$LEDFX_PID" \
    --noise2d --only idle,fanout --idle "$IDLE" --subscribers 1000 --out "$WORK/1-ledfx.json"
  bash "$BASELINE" stop
fi

run_ours() {  # number of daphne processes, file number, wsload options...
  local count=$1 number=$2; shift 2
  start_redis
  wait_port 6390
  local env=(DATA_DIR="$WORK/d$count" REDIS_URL=redis://127.0.0.1:6390/0 LOG_LEVEL=WARNING)
  env "${env[@]}" "$PY" manage.py migrate -v0
  env "${env[@]}" bash "$BASELINE" exec "$PY" manage.py create_demo
  local urls=() pids=()
  for port in $(seq 8890 $((8889 + count))); do
    start_daphne "$port" "${env[@]}"
    urls+=(--url "http://127.0.0.1:$port")
    pids+=(--pid "${PIDS[-1]}")
  done
  start_worker "${env[@]}"
  in_ns "$PY" bench/wsload.py --name "ledfxsite, $count daphne + Redis" "${urls[@]}" "${pids[@]}" \
    --noise2d --subscribers 1000 --out "$WORK/$number-d$count.json" "$@"
  stop_ours
  local redis_pid; redis_pid=$(cat "$WORK/redis.pid")
  kill "$redis_pid"; while kill -0 "$redis_pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$WORK/redis.pid"
}

want d1 && { echo "== ledfxsite, 1 daphne"; run_ours 1 2 --only idle,fanout --idle "$IDLE"; }
want d2 && { echo "== ledfxsite, 2 daphne"; run_ours 2 3 --only fanout; }
want d4 && { echo "== ledfxsite, 4 daphne"; run_ours 4 4 --only fanout; }

NAME=scale-$STAMP${TAG:+-$TAG}
"$PY" bench/summarize.py --rows scale "$WORK"/[0-9]-*.json --json "$OUT/$NAME.json" --markdown "$OUT/$NAME.md"
[[ $DEPLOYMENTS == "$ALL_DEPLOYMENTS" ]] && cp "$OUT/$NAME.md" "$OUT/scale-latest.md"
cat "$OUT/$NAME.md"
check_logs

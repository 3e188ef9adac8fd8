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
WSLOAD_ARGS=${WSLOAD_ARGS:-}
ALL_DEPLOYMENTS="ledfx floor embedded redis"
source bench/lib.sh

if want ledfx; then
  echo "== LedFx 2.2.1"
  start_ledfx
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
  start_redis
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
check_logs

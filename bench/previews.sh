#!/usr/bin/env bash
# LED previews under load, LedFx 2.2.1 and ledfxsite side by side from one run.
#
#   flock /tmp/ledfxsite-bench.lock bench/previews.sh      (or: make bench-previews)
#
# Each server alone, freshly started, in the loopback-only network namespace of
# ../shared/bench/ledfx-baseline.sh, measured by the same client, bench/previews.py:
# 4 dummy 64x64 matrices rendering noise2d, previews of all 4096 pixels at 30 fps to 20
# watchers, and one socket that never reads, for 30 s. Deployments ($DEPLOYMENTS picks
# some; LedFx first, the reference):
#   ledfx        LedFx 2.2.1
#   embedded     one daphne rendering in-process, as `make run` serves it (no demo device)
#   redis        two daphne processes over Redis and `runworker effects` (watchers on both)
# Results: bench/results/previews-<time>[-$TAG].json and .md, and previews-latest.md when
# every deployment ran.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
PREVIEWS_ARGS=${PREVIEWS_ARGS:-}
ALL_DEPLOYMENTS="ledfx embedded redis"
source bench/lib.sh

if want ledfx; then
  echo "== LedFx 2.2.1"
  start_ledfx
  in_ns "$PY" bench/previews.py --name "LedFx 2.2.1" --url http://127.0.0.1:8888 --pid "$LEDFX_PID" \
    --non-reader --out "$WORK/1-ledfx.json" $PREVIEWS_ARGS
  bash "$BASELINE" stop
fi

if want embedded; then
  echo "== ledfxsite, embedded"
  DATA_DIR=$WORK/embedded "$PY" manage.py migrate -v0
  start_daphne 8890 DATA_DIR="$WORK/embedded" LOG_LEVEL=WARNING
  in_ns "$PY" bench/previews.py --name "ledfxsite embedded (1 daphne)" --url http://127.0.0.1:8890 \
    --pid "${PIDS[0]}" --non-reader --out "$WORK/2-embedded.json" $PREVIEWS_ARGS
  stop_ours
fi

if want redis; then
  echo "== ledfxsite, two daphne processes over Redis, runworker effects"
  start_redis
  MULTI_ENV=(DATA_DIR="$WORK/multi" REDIS_URL=redis://127.0.0.1:6390/0 LOG_LEVEL=WARNING)
  env "${MULTI_ENV[@]}" "$PY" manage.py migrate -v0
  start_daphne 8890 "${MULTI_ENV[@]}"
  start_daphne 8891 "${MULTI_ENV[@]}"
  start_worker "${MULTI_ENV[@]}"
  in_ns "$PY" bench/previews.py --name "ledfxsite 2 daphne + Redis + worker" --url http://127.0.0.1:8890 --url http://127.0.0.1:8891 \
    --pid "${PIDS[0]}" --pid "${PIDS[1]}" --pid "${PIDS[2]}" --non-reader --out "$WORK/3-redis.json" $PREVIEWS_ARGS
  stop_ours
fi

NAME=previews-$STAMP${TAG:+-$TAG}
"$PY" bench/summarize.py --rows previews "$WORK"/[0-9]-*.json --json "$OUT/$NAME.json" --markdown "$OUT/$NAME.md"
[[ $DEPLOYMENTS == "$ALL_DEPLOYMENTS" ]] && cp "$OUT/$NAME.md" "$OUT/previews-latest.md"
cat "$OUT/$NAME.md"
check_logs

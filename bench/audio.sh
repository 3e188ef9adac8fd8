#!/usr/bin/env bash
# Web audio, LedFx 2.2.1 and ledfxsite side by side from one run.
#
#   flock /tmp/ledfxsite-bench.lock bench/audio.sh      (or: make bench-audio)
#
# Each server alone, freshly started, in the loopback-only network namespace of
# ../shared/bench/ledfx-baseline.sh, measured by the same client, bench/audio.py: a click
# track streamed over the websocket as LedFx's UI streams a microphone, the `energy`
# effect on a DDP device whose packets the client receives. Deployments ($DEPLOYMENTS
# picks some; LedFx first, the reference):
#   ledfx        LedFx 2.2.1
#   embedded     one daphne rendering in-process, as `make run` serves it (no demo device)
#   redis        two daphne processes over Redis and `runworker effects`; the audio goes to
#                the first daphne, the worker renders (CPU: all three processes)
# Results: bench/results/audio-<time>[-$TAG].json and .md, and audio-latest.md when every
# deployment ran.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
AUDIO_ARGS=${AUDIO_ARGS:-}
ALL_DEPLOYMENTS="ledfx embedded redis"
source bench/lib.sh

if want ledfx; then
  echo "== LedFx 2.2.1"
  start_ledfx
  in_ns "$PY" bench/audio.py --name "LedFx 2.2.1" --url http://127.0.0.1:8888 --pid "$LEDFX_PID" \
    --out "$WORK/1-ledfx.json" $AUDIO_ARGS
  bash "$BASELINE" stop
fi

if want embedded; then
  echo "== ledfxsite, embedded"
  DATA_DIR=$WORK/embedded "$PY" manage.py migrate -v0
  start_daphne 8890 DATA_DIR="$WORK/embedded" LOG_LEVEL=WARNING
  in_ns "$PY" bench/audio.py --name "ledfxsite embedded (1 daphne)" --url http://127.0.0.1:8890 \
    --pid "${PIDS[0]}" --out "$WORK/2-embedded.json" $AUDIO_ARGS
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
  in_ns "$PY" bench/audio.py --name "ledfxsite 2 daphne + Redis + worker" --url http://127.0.0.1:8890 \
    --pid "${PIDS[0]}" --pid "${PIDS[1]}" --pid "${PIDS[2]}" --out "$WORK/3-redis.json" $AUDIO_ARGS
  stop_ours
fi

NAME=audio-$STAMP${TAG:+-$TAG}
"$PY" bench/summarize.py --rows audio "$WORK"/[0-9]-*.json --json "$OUT/$NAME.json" --markdown "$OUT/$NAME.md"
[[ $DEPLOYMENTS == "$ALL_DEPLOYMENTS" ]] && cp "$OUT/$NAME.md" "$OUT/audio-latest.md"
cat "$OUT/$NAME.md"
check_logs

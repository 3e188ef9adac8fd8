#!/usr/bin/env bash
# LedFx's own API test suite (bench/ledfx_api.py) against LedFx 2.2.1 and against
# ledfxsite as `make run` serves it (migrate, create_demo, one daphne), each freshly
# started, in turn, inside the loopback-only namespace of ../shared/bench/ledfx-baseline.sh.
#
#   git clone https://github.com/LedFx/LedFx /tmp/LedFx
#   LEDFX_REPO=/tmp/LedFx flock /tmp/ledfxsite-bench.lock make bench-ledfx-api
#
# Results: bench/results/ledfx-api-<time>.md (per group, and every case a server failed),
# the raw runs beside it, and ledfx-api-latest.md; effect-schemas-<time>.md and
# effect-schemas-latest.md compare the two servers' effects option by option.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
LEDFX_REPO=${LEDFX_REPO:?set LEDFX_REPO to a checkout of LedFx\'s repository: git clone https://github.com/LedFx/LedFx}
ALL_DEPLOYMENTS="ledfx embedded"
source bench/lib.sh

echo "== LedFx 2.2.1"
start_ledfx
in_ns "$PY" bench/ledfx_api.py --ledfx-repo "$LEDFX_REPO" --url http://127.0.0.1:8888 --label "LedFx 2.2.1" --out "$OUT/ledfx-api-$STAMP-ledfx.json"
in_ns "$PY" bench/effect_schemas.py --save http://127.0.0.1:8888 "$WORK/ledfx-schema.json"
bash "$BASELINE" stop

echo "== ledfxsite, as make run serves it"
# One audio input (a file), so that the audio_configs cases generated from our schema have
# an audio_device to select, as LedFx's have its sound cards.
mkdir -p "$WORK/embedded/audio"
"$PY" -c "import numpy, soundfile; t = numpy.arange(48000) / 48000; soundfile.write('$WORK/embedded/audio/tone.wav', 0.3 * numpy.sin(2 * numpy.pi * 440 * t), 48000)"
DATA_DIR=$WORK/embedded "$PY" manage.py migrate -v0
DATA_DIR=$WORK/embedded "$PY" manage.py create_demo
start_daphne 8890 DATA_DIR="$WORK/embedded" LOG_LEVEL=WARNING
in_ns "$PY" bench/ledfx_api.py --ledfx-repo "$LEDFX_REPO" --url http://127.0.0.1:8890 --label ledfxsite --out "$OUT/ledfx-api-$STAMP-ledfxsite.json"
in_ns "$PY" bench/effect_schemas.py --save http://127.0.0.1:8890 "$WORK/ledfxsite-schema.json"
stop_ours
check_logs

"$PY" bench/ledfx_api.py --report "$OUT/ledfx-api-$STAMP-ledfx.json" "$OUT/ledfx-api-$STAMP-ledfxsite.json" --out "$OUT/ledfx-api-$STAMP.md"
cp "$OUT/ledfx-api-$STAMP.md" "$OUT/ledfx-api-latest.md"
"$PY" bench/effect_schemas.py --ledfx "$WORK/ledfx-schema.json" --ours "$WORK/ledfxsite-schema.json" --out "$OUT/effect-schemas-$STAMP.md"
cp "$OUT/effect-schemas-$STAMP.md" "$OUT/effect-schemas-latest.md"

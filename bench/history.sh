#!/usr/bin/env bash
# History under a flapping device (bench/history.py), on SQLite as `make run` has it and
# on PostgreSQL (a database of its own, emptied first). LedFx keeps no history: nothing to
# put beside it. On a shared machine, run it under the benchmark lock:
#   flock /tmp/ledfxsite-bench.lock make bench-history
set -euo pipefail
cd "$(dirname "$0")/.."
POSTGRES=${POSTGRES:-postgres://postgres@127.0.0.1:5432}
psql "$POSTGRES/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = 'ledfxsite_bench'" | grep -q 1 \
  || psql "$POSTGRES/postgres" -qc "CREATE DATABASE ledfxsite_bench"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
.venv/bin/python bench/history.py --out "bench/results/history-$stamp-sqlite.md" "$@"
.venv/bin/python bench/history.py --database-url "$POSTGRES/ledfxsite_bench" --out "bench/results/history-$stamp-postgres.md" "$@"
cat "bench/results/history-$stamp-sqlite.md" "bench/results/history-$stamp-postgres.md" > bench/results/history-latest.md

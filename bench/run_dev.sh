#!/usr/bin/env bash
# Runs the independent scorers in ../shared/bench against docrag's CLI on the dev split and keeps the reports
# in bench/results/. Usage: bench/run_dev.sh tables|retrieval|retrieval-naive|speed [extra scorer args...]
#   bench/run_dev.sh retrieval --sources mmlongbench-doc      # a subset
set -euo pipefail
cd "$(dirname "$0")/.."
S=${SHARED:-../shared}
DOCRAG=${DOCRAG:-$PWD/.venv/bin/docrag}
PY=${PY:-$PWD/.venv/bin/python}
OUT=bench/results
mkdir -p "$OUT"
what=${1:?tables, retrieval, retrieval-naive or speed}
shift
case "$what" in
  tables)
    tmp=$(mktemp -d)
    python3 "$S/bench/score_tables.py" --data "$S/eval/icdar2013-table-competition" \
      --cmd "$DOCRAG parse {pdf} --json --store $tmp" --jobs 2 --out "$OUT/tables-dev.json" "$@"
    rm -rf "$tmp" ;;
  retrieval)
    python3 "$S/bench/score_retrieval.py" --data "$S/eval" --mode both --k 10 --out "$OUT/retrieval-dev.json" \
      --ingest-cmd "$DOCRAG ingest --store {store} --json {paths}" \
      --search-cmd "$DOCRAG search --store {store} --json --k {k} --queries {queries}" "$@" ;;
  retrieval-naive)
    B="$PY $S/bench/baselines/naive_rag.py"
    python3 "$S/bench/score_retrieval.py" --data "$S/eval" --mode both --k 10 \
      --out "$OUT/retrieval-dev-naive.json" \
      --ingest-cmd "$B ingest --store {store} --json {paths}" \
      --search-cmd "$B search --store {store} --json --k {k} --queries {queries}" "$@" ;;
  speed)
    "$PY" bench/parse_speed.py --list "$S/bench/speed_set.txt" --data "$S/eval" --out "$OUT/speed-dev.json" "$@" ;;
  *) echo "unknown benchmark $what" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Route ablation on one stored library: re-scores searches (no re-ingest) with dense only, lexical only, and fused
# (with and without the table/figure slots), via SearchSettings' environment overrides, then prints one table.
#   bench/ablation_retrieval.sh STORE NAME [scorer args...]
#   bench/ablation_retrieval.sh /tmp/mmlb15 mmlb15 --sources mmlongbench-doc --limit-docs 15
# Build STORE once first: bench/run_dev.sh retrieval ... --store STORE --keep-store
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?store folder}
name=${2:?name for the result files}
shift 2
declare -A ROUTES=([dense]="dense" [lexical]="lexical" [fused-noslot]="dense:1,lexical:1" [fused]="dense:1,lexical:1")
declare -A EVERY=([dense]=0 [lexical]=0 [fused-noslot]=0 [fused]=5)
files=()
for variant in dense lexical fused-noslot fused; do
  out="bench/results/retrieval-dev-$name-$variant.json"
  DOCRAG_SEARCH_ROUTES="${ROUTES[$variant]}" DOCRAG_SEARCH_VISUAL_EVERY="${EVERY[$variant]}" \
    bench/run_dev.sh retrieval --store "$store" --skip-ingest --out "$out" \
    --label "routes=${ROUTES[$variant]} visual_every=${EVERY[$variant]}" "$@" >&2
  files+=("$out")
done
python3 bench/summarize_retrieval.py "${files[@]}"

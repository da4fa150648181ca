#!/usr/bin/env bash
# Hash matching figures for issue 5, side by side in one run: Lachan's HashIndex against FAISS
# IndexBinaryFlat and IndexBinaryMultiHash on the same seeded random PDQ hashes.
#
#   bench/image_match/run.sh [HASHES [QUERIES]]      (defaults: 10000000 hashes, 20 queries)
#
# Needs python3 with venv and network access to PyPI (faiss-cpu, numpy) the first time; the venv
# and the data files live in ${CARGO_TARGET_DIR:-/tmp}/image-match. Peak memory ~4 GB at 10M
# (FAISS's multi-hash index alone takes ~2.8 GB). Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail

HASHES=${1:-10000000}
QUERIES=${2:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${CARGO_TARGET_DIR:-/tmp}/image-match
mkdir -p "$WORK"
trap 'rm -f "$WORK/hashes.bin"' EXIT

if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import faiss, numpy' 2>/dev/null; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check faiss-cpu numpy
fi

echo "date: $(date -u +%Y-%m-%d), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) threads"
echo "command: bench/image_match/run.sh $HASHES $QUERIES"
cd "$ROOT"
cargo bench -j2 --quiet -p lachan-image --bench matching -- \
    --figures "$WORK" --hashes "$HASHES" --queries "$QUERIES" > "$WORK/lachan.jsonl"
"$WORK/venv/bin/python" bench/image_match/peers.py "$WORK"

#!/usr/bin/env bash
# The README's first command: installs the packages, builds, generates a demo DP0.2-like
# release, loads it, and serves it over TAP on http://127.0.0.1:8080/tap until Ctrl-C.
#   OBJECTS=100000 EPOCHS=10 WORK=/var/tmp/skyshard-demo PORT=8080 ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS="${OBJECTS:-100000}"
EPOCHS="${EPOCHS:-10}"
WORK="${WORK:-/var/tmp/skyshard-demo}"
PORT="${PORT:-8080}"
./scripts/install-deps.sh
./scripts/build.sh build
mkdir -p "$WORK"
build/skyshard gen dp02 --out "$WORK/files" --objects "$OBJECTS" --epochs "$EPOCHS" --seed 1
build/skyshard load --data "$WORK/data" "$WORK/files/manifest.yaml" --replace
build/skyshard releases --data "$WORK/data"
cat <<MSG

Serving the demo release over TAP at http://127.0.0.1:$PORT/tap (Ctrl-C stops it). Try:
  /usr/bin/python3 -c "import pyvo; print(pyvo.dal.TAPService('http://127.0.0.1:$PORT/tap')\\
.search('SELECT TOP 5 objectId, coord_ra, coord_dec FROM dp02_dc2_catalogs.Object'))"
  build/skyshard query --data $WORK/data 'SELECT band, COUNT(*) FROM dp02_dc2_catalogs.ForcedSource GROUP BY band'
MSG
exec build/skyshard serve --data "$WORK/data" --port "$PORT" --config conf/skyshard.json

#!/usr/bin/env bash
# The README's first command: installs the packages, builds, generates a demo DP0.2-like
# release, loads it and lists it. (Once the TAP service lands, it also serves it on
# http://127.0.0.1:8080/tap.)
#   OBJECTS=100000 EPOCHS=10 DATA=/var/tmp/skyshard-demo ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS="${OBJECTS:-100000}"
EPOCHS="${EPOCHS:-10}"
WORK="${WORK:-/var/tmp/skyshard-demo}"
./scripts/install-deps.sh
./scripts/build.sh build
mkdir -p "$WORK"
build/skyshard gen dp02 --out "$WORK/files" --objects "$OBJECTS" --epochs "$EPOCHS" --seed 1
build/skyshard load --data "$WORK/data" "$WORK/files/manifest.yaml" --replace
build/skyshard releases --data "$WORK/data"
echo
echo "The demo release is in $WORK/data. The TAP service (build/skyshard serve) is not built yet;"
echo "see the open issues."

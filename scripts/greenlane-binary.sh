#!/usr/bin/env bash
# Prints the absolute path of a greenlane binary with greenlane-office beside it, for the drills:
# $GREENLANE_BIN when set, else a release build in .build-release (built here, progress on stderr).
# greenlane runs every registry command through greenlane-office, so both must be there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${GREENLANE_BIN:-}" ]; then
    gl=$GREENLANE_BIN
else
    echo "building greenlane and greenlane-office (release) ..." >&2
    for product in greenlane greenlane-office; do
        swift build -c release --product "$product" --scratch-path .build-release 2>&1 | tail -1 >&2
    done
    gl=$PWD/.build-release/release/greenlane
fi
[ -x "$gl" ] && [ -x "$gl-office" ] || { echo "no greenlane and greenlane-office at $gl" >&2; exit 1; }
echo "$(cd "$(dirname "$gl")" && pwd)/$(basename "$gl")"

#!/usr/bin/env bash
# The degraded-image benchmark of greenlane's QR reader (issue 14): issues passes with the demo key, builds the
# corpus from their PNGs and cards (scripts/qr-corpus.py, fixed seed), and prints greenlane's decode rate next
# to zxing-cpp 3.1.1's per condition (scripts/qr-bench.py). Fails when a condition falls below the rule.
#
#   scripts/qr-bench.sh                      full run: 60 images per condition, the reader built in release
#   QR_PER_CONDITION=10 QR_BIN=.build/debug scripts/qr-bench.sh    the small run .ci/run does, on its build
#   QR_WORK=/tmp/dir                         where passes and images go (default /tmp/greenlane-qr-bench)
#   QR_CONDITIONS=noise-80,inverted         only some conditions (names in scripts/qr-corpus.py)
#   QR_MARKDOWN=1                            the table as Markdown, for BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."
per=${QR_PER_CONDITION:-60}
work=${QR_WORK:-/tmp/greenlane-qr-bench}

python3 -c "import numpy, PIL, cv2, zxingcpp" 2>/dev/null ||
    pip install -q numpy Pillow opencv-python-headless zxing-cpp==3.1.1 2>&1 | grep -v "WARNING: Running pip" || true
command -v rsvg-convert >/dev/null || bash scripts/install-deps.sh

if [[ -n "${QR_BIN:-}" ]]; then
    bin=$QR_BIN
else
    # The reader in release; greenlane-office (which only issues the passes here) as `swift build` left it.
    swift build --product greenlane-office >/dev/null
    swift build -c release --product greenlane-scanner >/dev/null
    bin=$(swift build -c release --show-bin-path)
    ln -sf "$(swift build --show-bin-path)/greenlane-office" "$work.office"
fi

rm -rf "$work" && mkdir -p "$work/passes"
office=$bin/greenlane-office
[[ -e "$work.office" && -z "${QR_BIN:-}" ]] && office=$work.office
export GREENLANE_REGISTRY="$work/registry.sqlite"
export GREENLANE_CLOCK="2021-07-26T08:00:00+07:00"
# Git does not keep modes: a private copy of the demo key, as a user must make.
cp Keys/demo-es256.key.pem "$work/demo.key.pem" && chmod 600 "$work/demo.key.pem"
head -21 Samples/requests.csv >"$work/requests.csv"  # 20 passes: different codes, lengths and versions
"$office" registry init --policy Samples/policy.json >/dev/null 2>&1
"$office" firm import Samples/firms.csv >/dev/null 2>&1
"$office" issue --policy Samples/policy.json --key "$work/demo.key.pem" \
    --key-trust Keys/demo-trust.json --csv "$work/requests.csv" --out "$work/passes" >/dev/null

python3 scripts/qr-corpus.py "$work/passes" "$work/corpus" --per-condition "$per" ${QR_CONDITIONS:+--conditions "$QR_CONDITIONS"}
python3 scripts/qr-bench.py "$work/corpus" "$bin/libgreenlane-scanner.so" ${QR_MARKDOWN:+--markdown}

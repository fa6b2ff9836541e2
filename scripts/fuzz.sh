#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]            each target for SECONDS (default 60), one after another; CI: 20
#   scripts/fuzz.sh --long [SECONDS]     each target for SECONDS (default 3600), two at a time
#   scripts/fuzz.sh --runs N             each target for exactly N executions, two at a time
#   FUZZ_TARGETS="FuzzCBOR FuzzTrustFile" scripts/fuzz.sh 30    only some targets
#
# Exits non-zero if any target crashes, hangs (-timeout), leaks past -rss_limit_mb, or fails to build.
# Crash inputs land in Fuzz/.build-fuzz/work/artifacts/<target>/; the corpus grows in .../corpus/<target>/.
# A crash becomes a regression test (Tests/Hardening/ + HostileInputTests); see docs/HARDENING.md.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=short
SECONDS_EACH=60
RUNS=
case "${1:-}" in
  --long) MODE=long; SECONDS_EACH=${2:-3600} ;;
  --runs) MODE=runs; RUNS=${2:?--runs needs a number} ;;
  "") ;;
  *) SECONDS_EACH=$1 ;;
esac
TARGETS=${FUZZ_TARGETS:-"FuzzPassVerifier FuzzSignedClaims FuzzRevocationList FuzzTrustFile FuzzRequestCSV FuzzCBOR"}
SCRATCH=$ROOT/Fuzz/.build-fuzz
WORK=$SCRATCH/work
mkdir -p "$WORK"

echo "fuzz: building $TARGETS"
for target in $TARGETS; do
  # --sanitize=fuzzer, not -Xswiftc -sanitize=fuzzer: the latter builds a binary that fuzzes nothing.
  if ! (cd Fuzz && swift build -c release --sanitize=fuzzer --product "$target" --scratch-path "$SCRATCH" \
        >"$WORK/build-$target.log" 2>&1); then
    tail -30 "$WORK/build-$target.log"
    echo "fuzz: build of $target FAILED"
    exit 2
  fi
done
BIN=$(cd Fuzz && swift build -c release --sanitize=fuzzer --scratch-path "$SCRATCH" --show-bin-path)

rm -rf "$WORK/seeds"
python3 scripts/fuzz-seeds.py "$WORK/seeds"

run_one() {  # target -> exit status of libFuzzer; log in $WORK/<target>.log
  local target=$1
  local corpus=$WORK/corpus/$target artifacts=$WORK/artifacts/$target/
  mkdir -p "$corpus" "$artifacts"
  local limit=(-max_total_time="$SECONDS_EACH")
  [ "$MODE" = runs ] && limit=(-runs="$RUNS")
  # CSV inputs are files on tmpfs; the others are in memory. Inputs above 4 KiB only slow things down:
  # every format refuses them early (codes over 2,048 characters) or handles them like smaller ones.
  SWIFT_BACKTRACE=enable=no GREENLANE_ROOT=$ROOT "$BIN/$target" "${limit[@]}" \
    -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$corpus" "$WORK/seeds/$target" >"$WORK/$target.log" 2>&1
}

summary() {  # target status
  local target=$1 status=$2 log=$WORK/$1.log
  local runs rate
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [ "$status" -eq 0 ]; then
    printf 'fuzz: %-20s ok     %12s runs  %8s exec/s\n' "$target" "${runs:-?}" "${rate:-?}"
  else
    printf 'fuzz: %-20s FAILED (status %s) after %s runs; see %s\n' "$target" "$status" "${runs:-?}" "$log"
    grep -E 'ERROR: libFuzzer|Fatal error|invariant failed|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -8
  fi
}

failed=0
if [ "$MODE" = short ]; then
  for target in $TARGETS; do
    run_one "$target"; status=$?
    summary "$target" $status
    [ $status -ne 0 ] && failed=1
  done
else
  set -- $TARGETS
  while [ $# -gt 0 ]; do
    a=$1; shift; b=${1:-}; [ -n "$b" ] && shift
    run_one "$a" & pa=$!
    if [ -n "$b" ]; then run_one "$b" & pb=$!; fi
    wait $pa; sa=$?; summary "$a" $sa; [ $sa -ne 0 ] && failed=1
    if [ -n "$b" ]; then wait $pb; sb=$?; summary "$b" $sb; [ $sb -ne 0 ] && failed=1; fi
  done
fi
if [ $failed -ne 0 ]; then echo "fuzz: FAILED"; exit 1; fi
echo "fuzz: all targets ok"

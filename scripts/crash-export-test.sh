#!/usr/bin/env bash
# Crash test for `revocations export` (issue "Honest outputs"): kill -9 an export at random moments; the list
# checkpoints already have must always still load, and nothing partial may appear under its name.
#
#   scripts/crash-export-test.sh                                         # full: 50 kills, 50,000 revoked permits
#   EXPORT_ROUNDS=8 EXPORT_REVOKED=3000 scripts/crash-export-test.sh     # small, for CI
#
# Set-up: a registry with EXPORT_REVOKED revoked permits (issued from a generated CSV, revoked in one SQL
# statement to keep the set-up fast) and a first, good export at LIST. Then one uninterrupted export is timed,
# and each round starts `greenlane revocations export --out LIST` again and kills it after a delay drawn
# uniformly from [0, that duration] (seeded: EXPORT_SEED, printed). After each kill:
#   (a) LIST loads: `greenlane verify` of a revoked pass with `--revocations LIST` says `revoked` (exit 1), never
#       a setup error (exit 3), so LIST is whole: the old list or the new one, byte for byte one of the two
#       exports' shapes, with the same number of entries;
#   (b) nothing but LIST and at most the writer's own hidden temporary files (`.NAME.XXXXXX`) is in the folder.
# Environment: EXPORT_ROUNDS (50), EXPORT_REVOKED (50000), EXPORT_SEED, GREENLANE_BIN (a built greenlane with
# greenlane-office next to it: skips the release build). Exit status 0 when every round passes.
set -euo pipefail
shopt -s nullglob dotglob
cd "$(dirname "$0")/.."
repo=$PWD
rounds=${EXPORT_ROUNDS:-50}
revoked=${EXPORT_REVOKED:-50000}
seed=${EXPORT_SEED:-$(( $(date +%s) % 1000000 ))}

bash scripts/install-deps.sh
gl=$(bash scripts/greenlane-binary.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-crash-export.XXXXXX")
child=""
fail() { echo "crash-export-test: FAILED: $*" >&2; echo "crash-export-test: work folder kept: $work" >&2; exit 1; }
cleanup() {
    local status=$?
    [ -n "$child" ] && kill -9 "$child" 2>/dev/null || true
    if [ $status -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

export GREENLANE_CLOCK="2021-07-26T08:00:00+07:00" LANG=C.UTF-8
export GREENLANE_REGISTRY="$work/registry.sqlite" GREENLANE_VERIFIER_STATE="$work/verifier-state"
cp Keys/demo-es256.key.pem "$work/demo.key.pem" && chmod 600 "$work/demo.key.pem"
python3 scripts/make-sample-requests.py "$revoked" "$work/requests.csv" >/dev/null
"$gl" registry init --policy "$repo/Samples/policy.json" >/dev/null 2>&1
"$gl" firm import "$repo/Samples/firms.csv" >/dev/null 2>&1
"$gl" issue --policy "$repo/Samples/policy.json" --key "$work/demo.key.pem" --key-trust "$repo/Keys/demo-trust.json" \
    --csv "$work/requests.csv" --json >"$work/issued.jsonl" 2>"$work/issue.stderr" || fail "issuing failed"
sqlite3 "$GREENLANE_REGISTRY" \
    "INSERT INTO revocation (serial, revoked_at, reason, revoked_by) SELECT serial, issued_at, 'lost', 'drill' FROM permit"
code=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["code"])' "$work/issued.jsonl")
mkdir -p "$work/lists"
list=$work/lists/revocations.glr
export=("$gl" revocations export --key "$work/demo.key.pem" --key-trust "$repo/Keys/demo-trust.json" --out "$list")
export_list() { "${export[@]}" >/dev/null 2>&1; }

ms() { date +%s%3N; }
loads() {  # LIST loads and names the revoked pass; prints the entry count from the export's own report
    local status=0
    "$gl" verify "$code" --trust "$repo/Keys/demo-trust.json" --revocations "$list" --at 2021-07-26T10:00:00+07:00 --training \
        --json >"$work/verify.json" 2>"$work/verify.stderr" || status=$?
    [ $status -eq 1 ] && grep -q '"revoked"' "$work/verify.json"
}

export_list || fail "the first export failed"
loads || fail "the first export does not load: $(cat "$work/verify.stderr")"
start=$(ms); export_list || fail "the timed export failed"; duration=$(( $(ms) - start ))
echo "crash-export-test: $rounds rounds, $revoked revoked permits, one export $duration ms, seed $seed"
read -r -a fractions <<<"$(python3 -c "import random; r = random.Random($seed); print(*(r.random() for _ in range($rounds)))")"
killed=0; finished=0; temporaries=0
for ((round = 1; round <= rounds; round++)); do
    delay=$(python3 -c "print(round(${fractions[$((round - 1))]} * $duration))")
    # The delay is computed before the start, so nothing but the export runs between start and kill.
    "${export[@]}" >/dev/null 2>&1 &
    child=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    status=0; kill -9 "$child" 2>/dev/null || true; { wait "$child"; } 2>/dev/null || status=$?
    child=""
    if [ $status -eq 137 ]; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
    loads || fail "round $round (delay $delay ms): the list no longer loads: $(cat "$work/verify.stderr")"
    for name in "$work"/lists/*; do
        base=$(basename "$name")
        case $base in
            revocations.glr) ;;
            .revocations.glr.??????) temporaries=$((temporaries + 1)); rm -f "$name" ;;
            *) fail "round $round: unexpected file $base next to the list" ;;
        esac
    done
done
echo "crash-export-test: $rounds rounds ($killed killed, $finished finished first), the previous list loaded after" \
    "every kill; $temporaries temporary files left by kills (never under the list's name), ok"

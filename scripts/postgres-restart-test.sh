#!/usr/bin/env bash
# Restart drill (issue 15): PostgreSQL restarts in the middle of a CSV batch.
#
#   scripts/postgres-restart-test.sh                          # 3 rounds of a 3,000-row batch
#   RESTART_ROUNDS=1 RESTART_ROWS=1000 scripts/postgres-restart-test.sh
#
# Each round: a fresh registry (a schema of scripts/postgres.sh's cluster), `greenlane issue --csv --json` as the
# app role, and `scripts/postgres.sh restart` after a delay drawn from the batch's own duration. Then:
#   (a) the batch exited 0 (it finished first) or 3 (the registry failed), with one line saying so and no
#       Swift dump or PSQLError text on standard error;
#   (b) every code it printed is committed; the permits' serials are HN-000001..N without gaps, each with one
#       permit.issue audit entry;
#   (c) the same CSV run again exits 0, reports every committed row as already issued with its serial (the
#       serial the registry holds for that row's plate), refuses none, and issues exactly the rows not yet
#       committed, leaving one permit per row.
# Environment: RESTART_ROUNDS (3), RESTART_ROWS (3000), RESTART_SEED, GREENLANE_BIN (a built greenlane).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rounds=${RESTART_ROUNDS:-3}
rows=${RESTART_ROWS:-3000}
seed=${RESTART_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed
fail() { echo "postgres-restart-test: FAILED: $*" >&2; echo "work folder kept: $work" >&2; exit 1; }

bash scripts/postgres.sh start >/dev/null
gl=$(bash scripts/greenlane-binary.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-restart.XXXXXX")
export GREENLANE_CLOCK="2021-07-26T08:00:00+07:00" LANG=C.UTF-8
cp Keys/demo-es256.key.pem "$work/demo.key.pem" && chmod 600 "$work/demo.key.pem"
python3 scripts/make-sample-requests.py "$rows" "$work/requests.csv" >/dev/null
issue=("$gl" issue --policy "$repo/Samples/policy.json" --key "$work/demo.key.pem"
       --key-trust "$repo/Keys/demo-trust.json" --csv "$work/requests.csv" --json)
echo "postgres-restart-test: $rounds rounds of $rows rows, seed $seed, work folder $work"

check() {  # check ROUND PHASE STDOUT EXPECTED_PERMITS(- for any)
    python3 - "$(bash scripts/postgres.sh url auditor)&schema=$schema" "$@" <<'PY'
import json, os, subprocess, sys, urllib.parse
where, round_, phase, stdout_path, expected = sys.argv[1:6]
url = urllib.parse.urlsplit(where)
params = dict(urllib.parse.parse_qsl(url.query))
env = dict(os.environ, PGPASSWORD=open(params["passwordFile"]).read().strip(),
           PGOPTIONS=f"-c search_path={params['schema']}")
def q(sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", url.hostname,
                          "-p", str(url.port), "-U", url.username, "-d", url.path[1:], "-c", sql],
                         env=env, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]
codes = dict(q("SELECT serial, code FROM permit"))
n = len(codes)
errors = []
if sorted(codes) != [f"HN-{i:06d}" for i in range(1, n + 1)]: errors.append("serials are not contiguous")
if q("SELECT next FROM serial_counter") != [[str(n + 1)]]: errors.append("the serial counter is not right after them")
subjects = [s for (s,) in q("SELECT subject FROM audit_log WHERE action = 'permit.issue'")]
if sorted(subjects) != sorted(codes): errors.append(f"{len(subjects)} permit.issue entries for {n} permits")
if int(q("SELECT count(DISTINCT translate(plate, '-. ', '')) FROM permit")[0][0]) != n: errors.append("a plate twice")
printed = 0
for line in open(stdout_path, encoding="utf-8"):
    item = json.loads(line)
    if item.get("issued"):
        printed += 1
        if codes.get(item["serial"]) != item["code"]: errors.append(f"printed {item['serial']} is not committed")
if expected != "-" and n != int(expected): errors.append(f"{n} permits, expected {expected}")
for e in errors: print(f"round {round_} {phase}: {e}", file=sys.stderr)
print(n)
sys.exit(1 if errors else 0)
PY
}

# One uninterrupted run measures the batch.
schema=restart_$$_0
bash scripts/postgres.sh start >/dev/null
GREENLANE_REGISTRY="$(bash scripts/postgres.sh url owner)&schema=$schema" "$gl" registry init \
    --policy Samples/policy.json 2>/dev/null
export GREENLANE_REGISTRY="$(bash scripts/postgres.sh url app)&schema=$schema"
"$gl" firm import Samples/firms.csv >/dev/null 2>&1
start=$(date +%s%N)
"${issue[@]}" >"$work/full.out" 2>"$work/full.err" || fail "uninterrupted batch: $(tail -2 "$work/full.err")"
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check 0 full "$work/full.out" "$rows" >/dev/null || fail "uninterrupted batch"
echo "uninterrupted: $rows rows in $duration_ms ms"

for ((round = 1; round <= rounds; round++)); do
    schema=restart_$$_$round
    GREENLANE_REGISTRY="$(bash scripts/postgres.sh url owner)&schema=$schema" "$gl" registry init \
        --policy Samples/policy.json 2>/dev/null
    export GREENLANE_REGISTRY="$(bash scripts/postgres.sh url app)&schema=$schema"
    "$gl" firm import Samples/firms.csv >/dev/null 2>&1
    delay=$(( RANDOM % (duration_ms > 0 ? duration_ms : 1) ))
    "${issue[@]}" >"$work/$round.out" 2>"$work/$round.err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    bash scripts/postgres.sh restart
    status=0; wait "$pid" || status=$?
    case $status in 0 | 3) ;; *) fail "round $round: the batch exited $status: $(tail -2 "$work/$round.err")" ;; esac
    if grep -qE "PSQLError|PostgresNIO|Fatal error|Swift/" "$work/$round.err"; then
        fail "round $round: standard error shows library internals: $(grep -m1 -E "PSQLError|PostgresNIO|Fatal|Swift/" "$work/$round.err")"
    fi
    committed=$(check "$round" killed "$work/$round.out" -) || fail "round $round after the restart"
    # The rerun: the rows not committed are issued now; the others are reported as already issued.
    rerun=0; "${issue[@]}" >"$work/$round.rerun.out" 2>"$work/$round.rerun.err" || rerun=$?
    [ "$rerun" -eq 0 ] || fail "round $round: the rerun exited $rerun: $(tail -2 "$work/$round.rerun.err")"
    check "$round" rerun "$work/$round.rerun.out" "$rows" >/dev/null || fail "round $round after the rerun"
    newly=$(grep -c '"issued":true' "$work/$round.rerun.out" || true)
    [ "$newly" -eq $((rows - committed)) ] || fail "round $round: the rerun issued $newly, expected $((rows - committed))"
    already=$(python3 - "$(bash scripts/postgres.sh url auditor)&schema=$schema" "$work/$round.rerun.out" \
        "$work/$round.out" <<'PY'
import json, os, subprocess, sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
params = dict(urllib.parse.parse_qsl(url.query))
env = dict(os.environ, PGPASSWORD=open(params["passwordFile"]).read().strip(),
           PGOPTIONS=f"-c search_path={params['schema']}")
out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", url.hostname, "-p", str(url.port),
                      "-U", url.username, "-d", url.path[1:], "-c", "SELECT serial, plate FROM permit"],
                     env=env, check=True, capture_output=True, text=True).stdout
plate_of = dict(line.split("\t") for line in out.splitlines())
first = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8") if l.strip()]
printed_first = {item["serial"] for item in first if item.get("issued")}
already, errors = 0, []
for line in open(sys.argv[2], encoding="utf-8"):
    item = json.loads(line)
    if item.get("alreadyIssued"):
        already += 1
        if plate_of.get(item["serial"]) != item["plate"]: errors.append(f"{item['serial']} is not {item['plate']}'s")
    elif not item.get("issued"):
        errors.append(f"refused on the rerun: {item.get('source')}: {item.get('reasons')}")
# Every code the interrupted batch printed is reported as already issued, by its serial.
reported = {json.loads(l)["serial"] for l in open(sys.argv[2], encoding="utf-8") if '"alreadyIssued":true' in l}
missing = printed_first - reported
if missing: errors.append(f"{len(missing)} printed serials not reported as already issued, e.g. {min(missing)}")
for e in errors[:5]: print(e, file=sys.stderr)
print(already)
sys.exit(1 if errors else 0)
PY
    ) || fail "round $round: the rerun's report"
    [ "$already" -eq "$committed" ] || fail "round $round: the rerun reported $already already issued, $committed committed"
    echo "round $round: restart after $delay ms: batch exited $status with $committed committed" \
        "($(grep -v '^greenlane: clock' "$work/$round.err" | tail -1 | cut -c1-120)); rerun: $already already" \
        "issued, $newly issued, exit $rerun"
done
rm -rf "$work"
echo "postgres-restart-test: $rounds rounds ok"

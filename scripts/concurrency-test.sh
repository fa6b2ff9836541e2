#!/usr/bin/env bash
# Concurrency test (issue #4): several dispatchers issuing at the same instant against one registry.
#
#   scripts/concurrency-test.sh                               # full: 8 processes x 1,000 passes
#   CONC_PROCS=4 CONC_ROWS=200 scripts/concurrency-test.sh    # small, for CI
#   CONC_STORE=postgres scripts/concurrency-test.sh           # the same on PostgreSQL (scripts/postgres.sh's cluster)
#
# 1. Cold start: CONC_PROCS processes open one registry that does not exist yet, all at once
#    (CONC_COLD_ROUNDS times, 10): every one must succeed (they race to create the schema).
# 2. Issuing: CONC_PROCS CSV files of CONC_ROWS rows, consecutive parts of one generated fleet (so no plate
#    is in two files: make-sample-requests.py --skip), each issued by its own `greenlane issue --csv --json`
#    process. The processes are started first and wait on a FIFO; one write releases them all.
# Then: every exit code is 0; nothing says busy or locked; each process printed exactly CONC_ROWS codes,
# each the registry's code for its serial; exactly PROCS x ROWS permits with distinct serials, codes and
# plates, serials contiguous HN-000001..N with the counter at N+1; one permit.issue audit entry per permit;
# PRAGMA integrity_check ok and foreign_key_check empty. Prints the wall time and throughput.
# Environment: CONC_PROCS (8), CONC_ROWS (1000), CONC_JOBS (--jobs per process; default: one per core),
# CONC_COLD_ROUNDS (10), GREENLANE_BIN (a built greenlane, with greenlane-office next to it: skips the release build),
# CONC_STORE (sqlite or postgres). On PostgreSQL each registry is a fresh schema, made by the owner role
# (`registry init`), issued into by the app role; the checks read it as the auditor role; integrity_check and
# foreign_key_check are SQLite's (PostgreSQL enforces its keys as it writes), and the audit log's ids need not be
# contiguous there (an identity column skips the numbers of rolled-back inserts; serials do not).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
procs=${CONC_PROCS:-8}
rows=${CONC_ROWS:-1000}
cold_rounds=${CONC_COLD_ROUNDS:-10}
jobs_flag=()
[ -n "${CONC_JOBS:-}" ] && jobs_flag=(--jobs "$CONC_JOBS")
total=$((procs * rows))
store=${CONC_STORE:-sqlite}
case $store in sqlite | postgres) ;; *) echo "CONC_STORE must be sqlite or postgres" >&2; exit 64 ;; esac
if [ "$store" = postgres ]; then
    bash scripts/postgres.sh start >/dev/null
    pg_owner=$(bash scripts/postgres.sh url owner)
    pg_app=$(bash scripts/postgres.sh url app)
    pg_auditor=$(bash scripts/postgres.sh url auditor)
fi
# registry_url NAME ROLE: where registry NAME is (a file in the work folder, or a schema), as ROLE.
registry_url() {
    if [ "$store" = sqlite ]; then echo "$work/$1.sqlite"; return; fi
    local url
    case $2 in owner) url=$pg_owner ;; app) url=$pg_app ;; auditor) url=$pg_auditor ;; esac
    echo "$url&schema=conc_$$_$1"
}

fail() { echo "concurrency-test: FAILED: $*" >&2; echo "concurrency-test: work folder kept: $work" >&2; exit 1; }

bash scripts/install-deps.sh
gl=$(bash scripts/greenlane-binary.sh)

work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-concurrency.XXXXXX")
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    if [ $status -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

export GREENLANE_CLOCK="2021-07-26T08:00:00+07:00" LANG=C.UTF-8
cp Keys/demo-es256.key.pem "$work/demo.key.pem" && chmod 600 "$work/demo.key.pem"
echo "concurrency-test: $procs processes x $rows rows on $store, work folder $work"

# 1. Cold start: all processes create the registry at once.
for ((round = 1; round <= cold_rounds; round++)); do
    dir=$work/cold-$round
    mkdir -p "$dir"
    pids=()
    for ((p = 0; p < procs; p++)); do
        GREENLANE_REGISTRY=$(registry_url "cold$round" owner) USER="cold-$p" "$gl" registry init --policy "$repo/Samples/policy.json" \
            >"$dir/out-$p" 2>"$dir/err-$p" &
        pids+=($!)
    done
    made=0
    for ((p = 0; p < procs; p++)); do
        # Exactly one init wins; every other is told the registry exists (exit 3), never "locked" or "table exists".
        if wait "${pids[$p]}"; then made=$((made + 1)); else
            grep -q "already a registry" "$dir/err-$p" || fail "cold start round $round: process $p: $(cat "$dir/err-$p")"
        fi
    done
    [ "$made" -eq 1 ] || fail "cold start round $round: $made processes initialised the registry"
    pids=()
    if [ "$store" = sqlite ]; then
        [ "$(sqlite3 "$work/cold$round.sqlite" "PRAGMA integrity_check")" = ok ] || fail "cold start round $round: integrity_check"
        rm -f "$work/cold$round.sqlite"*
    fi
    rm -rf "$dir"
done
echo "cold start: $cold_rounds x $procs processes initialising one registry at once: one made it, the others were told"

# 2. Issuing at the same instant.
GREENLANE_REGISTRY=$(registry_url registry owner) "$gl" registry init --policy "$repo/Samples/policy.json" 2>/dev/null
GREENLANE_REGISTRY=$(registry_url registry app)
export GREENLANE_REGISTRY
"$gl" firm import "$repo/Samples/firms.csv" >/dev/null
for ((p = 0; p < procs; p++)); do
    python3 scripts/make-sample-requests.py "$rows" "$work/part-$p.csv" --skip $((p * rows)) >/dev/null
done
mkfifo "$work/start"
exec 3<>"$work/start"  # held open by us: a process that reaches its read late still finds its line
pids=()
for ((p = 0; p < procs; p++)); do
    (
        read -r _ <"$work/start"
        date +%s%N >"$work/started-$p"
        exec "$gl" issue --policy "$repo/Samples/policy.json" --key "$work/demo.key.pem" \
            --key-trust "$repo/Keys/demo-trust.json" --csv "$work/part-$p.csv" --json "${jobs_flag[@]}" \
            --actor "dispatcher-$p"
    ) >"$work/stdout-$p" 2>"$work/stderr-$p" &
    pids+=($!)
done
sleep 0.5  # let every process reach the barrier
start=$(date +%s%N)
for ((p = 0; p < procs; p++)); do echo go; done >&3
statuses=()
for ((p = 0; p < procs; p++)); do
    status=0; wait "${pids[$p]}" || status=$?
    statuses+=("$status")
done
end=$(date +%s%N)
pids=()
exec 3>&-
wall_ms=$(( (end - start) / 1000000 ))
first=$(cat "$work"/started-* | sort -n | head -1)
last=$(cat "$work"/started-* | sort -n | tail -1)
echo "released $procs processes within $(( (last - first) / 1000000 )) ms of each other; all done in $(( wall_ms / 1000 )).$(printf %03d $((wall_ms % 1000))) s"

for ((p = 0; p < procs; p++)); do
    [ "${statuses[$p]}" -eq 0 ] || fail "process $p exited ${statuses[$p]}: $(tail -3 "$work/stderr-$p")"
done
# Standard error only: a refused row on stdout fails the check below, and a base45 code may contain "LOCKED".
if grep -qiE "busy|locked" "$work"/stderr-*; then
    fail "a process reported a busy or locked database: $(grep -hiE "busy|locked" "$work"/stderr-* | head -3)"
fi
if [ "$store" = sqlite ]; then
    integrity=$(sqlite3 "$work/registry.sqlite" "PRAGMA integrity_check")
    [ "$integrity" = ok ] || fail "integrity_check: $integrity"
    fk=$(sqlite3 "$work/registry.sqlite" "PRAGMA foreign_key_check")
    [ -z "$fk" ] || fail "foreign_key_check: $fk"
fi

report=$(python3 - "$work" "$procs" "$rows" "$(registry_url registry auditor)" <<'PY'
import json, os, re, sqlite3, subprocess, sys, urllib.parse
work, procs, rows, where = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
total = procs * rows
errors = []
if where.startswith("postgres://"):
    # As the auditor, through psql; the password goes in the environment, never argv.
    url = urllib.parse.urlsplit(where)
    params = dict(urllib.parse.parse_qsl(url.query))
    env = dict(os.environ, PGPASSWORD=open(params["passwordFile"]).read().strip(),
               PGOPTIONS=f"-c search_path={params['schema']}")
    def q(sql, *args):
        for a in args: sql = sql.replace("?", "'" + a.replace("'", "''") + "'", 1)
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", url.hostname,
                              "-p", str(url.port), "-U", url.username, "-d", url.path[1:], "-c", sql],
                             env=env, check=True, capture_output=True, text=True).stdout
        cell = lambda v: int(v) if re.fullmatch(r"-?[0-9]+", v) else (None if v == "" else v)
        return [tuple(cell(v) for v in line.split("\t")) for line in out.splitlines()]
    contiguous_audit_ids = False
else:
    db = sqlite3.connect(f"file:{work}/registry.sqlite?mode=ro", uri=True)
    q = lambda sql, *a: db.execute(sql, a).fetchall()
    contiguous_audit_ids = True
codes = dict(q("SELECT serial, code FROM permit"))
if len(codes) != total: errors.append(f"{len(codes)} permits, expected {total}")
for column in ("serial", "code", "plate"):
    n = q(f"SELECT count(DISTINCT {column}) FROM permit")[0][0]
    if n != total: errors.append(f"{n} distinct {column}s for {total} expected")
if sorted(codes) != [f"HN-{n:06d}" for n in range(1, total + 1)]:
    errors.append(f"serials are not HN-000001..HN-{total:06d}")
if q("SELECT next FROM serial_counter WHERE prefix = 'HN'") != [(total + 1,)]:
    errors.append(f"serial counter is {q('SELECT next FROM serial_counter')}, expected {total + 1}")
subjects = [s for (s,) in q("SELECT subject FROM audit_log WHERE action = 'permit.issue'")]
if len(subjects) != total or set(subjects) != set(codes):
    errors.append(f"{len(subjects)} permit.issue audit entries for {total} permits")
(n, lo, hi), = q("SELECT count(*), min(id), max(id) FROM audit_log")
if contiguous_audit_ids and (lo, hi) != (1, n): errors.append(f"audit log ids {lo}..{hi} for {n} entries")
if q("SELECT count(DISTINCT id) FROM audit_log") != [(n,)]: errors.append("audit log ids repeat")
printed = {}
runs = []
for p in range(procs):
    mine = []
    for number, line in enumerate(open(f"{work}/stdout-{p}", encoding="utf-8"), 1):
        item = json.loads(line)
        if not item.get("issued"):
            errors.append(f"process {p} line {number}: refused: {item.get('reasons')}")
            continue
        serial = item["serial"]
        if serial in printed: errors.append(f"{serial} printed by processes {printed[serial]} and {p}")
        printed[serial] = p
        if codes.get(serial) != item["code"]: errors.append(f"process {p}: the code printed for {serial} is not the registry's")
        mine.append(serial)
    if len(mine) != rows: errors.append(f"process {p} printed {len(mine)} codes, expected {rows}")
    # --actor is recorded as whom the account acted for; issued_by is the operating-system account.
    actor = q("SELECT count(*) FROM audit_log WHERE action = 'permit.issue' AND on_behalf_of = ?", f"dispatcher-{p}")[0][0]
    if actor != rows: errors.append(f"the audit log holds {actor} permits issued for dispatcher-{p}, expected {rows}")
    # How the processes took turns: the runs of consecutive serials each got (one per committed chunk).
    numbers = sorted(int(s[3:]) for s in mine)
    runs.append(1 + sum(1 for a, b in zip(numbers, numbers[1:]) if b != a + 1) if numbers else 0)
if len(printed) != total: errors.append(f"{len(printed)} distinct serials printed, expected {total}")
print(f"permits={len(codes)} printed={len(printed)} serial_runs_per_process={runs}")
for e in errors[:10]: print("VIOLATION: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
) || fail "$report"
echo "$report"
rate=$(( total * 1000 / (wall_ms > 0 ? wall_ms : 1) ))
echo "concurrency-test ($store): $procs processes x $rows passes = $total in $(( wall_ms / 1000 )).$(printf %03d $((wall_ms % 1000))) s ($rate passes/s), ok"

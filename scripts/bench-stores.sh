#!/usr/bin/env bash
# The registry at scale on both stores (issue 15): a registry of N realistic permits generated through the store
# protocol and the engine (`greenlane-bench make-registry`), then the auditors' first pages and the full export
# as new processes, bytes per permit, and recorded issuing against raw signing measured in the same run.
# Release builds; run by people, not by CI (1,000,000 permits take some minutes per store). See BENCHMARKS.md.
#
#   scripts/bench-stores.sh                          1,000,000 permits on SQLite and on PostgreSQL
#   BENCH_PERMITS=100000 scripts/bench-stores.sh     a smaller registry
#   BENCH_STORES=sqlite BENCH_PERMITS=10000000 scripts/bench-stores.sh
#                                                    10 million on SQLite (about 12 GB: checks free disk first,
#                                                    deletes the registry afterwards unless BENCH_KEEP=1)
#   BENCH_BATCH_ROWS=100000                          rows of the CSV batch issued into a fresh registry of each
#                                                    store (0: no batch)
#   BENCH_WORK=/tmp/greenlane-bench-stores           where registries, CSVs and logs go
#   BENCH_REUSE=1                                    measure the registries an earlier run generated again
#
# PostgreSQL is the throwaway cluster of scripts/postgres.sh (started here when needed); each registry is a fresh
# schema made by the owner role, filled as the application role and listed as the auditor role.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=${BENCH_WORK:-/tmp/greenlane-bench-stores}
permits=${BENCH_PERMITS:-1000000}
stores=${BENCH_STORES:-sqlite postgres}
batch_rows=${BENCH_BATCH_ROWS:-100000}
list_runs=${BENCH_LIST_RUNS:-10}
mkdir -p "$work"
source "$root/scripts/bench-lib.sh"

need hyperfine hyperfine
need sqlite3 sqlite3
[[ -x /usr/bin/time ]] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

# About 1.2 KB a permit on SQLite (BENCHMARKS.md), twice that while the WAL is large: refuse to start short of it.
free_kb=$(df -Pk "$work" | awk 'NR == 2 {print $4}')
need_kb=$((permits * 3))
if ((free_kb < need_kb)); then
    echo "bench-stores: $permits permits need about $((need_kb / 1048576 + 1)) GB free in $work; $((free_kb / 1048576)) GB are" >&2
    exit 3
fi

echo "== building (release)" >&2
gl=$(GREENLANE_BIN= bash scripts/greenlane-binary.sh)
(cd Benchmarks && swift build -c release --product greenlane-bench 2>&1 | grep -E "error|Compiling|Build" | tail -3 >&2)
bench="$root/Benchmarks/.build/release/greenlane-bench"
[[ -x $bench ]] || { echo "bench-stores: the Benchmarks/ harness did not build" >&2; exit 1; }

# The sample policy with the order extended to cover the generated 69 days (Hanoi's distancing ran into
# September 2021); everything else as in Samples/policy.json.
policy="$work/policy-69-days.json"
python3 - "$policy" <<'EOF'
import json, sys
p = json.load(open("Samples/policy.json"))
p["order"]["end"] = "2021-10-02T06:00:00+07:00"
json.dump(p, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
EOF

if [[ " $stores " == *" postgres "* ]]; then
    bash scripts/postgres.sh start >/dev/null
    pg_dir=${GREENLANE_PG_DIR:-/tmp/greenlane-pg}
    pg_owner=$(bash scripts/postgres.sh url owner)
    pg_app=$(bash scripts/postgres.sh url app)
    pg_auditor=$(bash scripts/postgres.sh url auditor)
    pg_port=${GREENLANE_PG_PORT:-55432}
fi
# SQL as the owner; the password goes in the environment, never argv.
owner_sql() {
    PGPASSWORD=$(cat "$pg_dir/secrets/owner.password") psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 \
        -p "$pg_port" -U greenlane_owner -d greenlane -c "$1"
}

# fresh STORE NAME: makes an empty registry initialised with the bench policy; prints where it is, as written
# for the application role (SQLite: a file path).
fresh() {
    local store=$1 name=$2
    if [[ $store == sqlite ]]; then
        local file="$work/$name.sqlite"
        rm -f "$file" "$file-wal" "$file-shm"
        "$gl" registry init --policy "$policy" --registry "$file" >/dev/null
        echo "$file"
    else
        owner_sql "DROP SCHEMA IF EXISTS $name CASCADE" >/dev/null
        GREENLANE_REGISTRY="$pg_owner&schema=$name" "$gl" registry init --policy "$policy" >/dev/null
        echo "$pg_app&schema=$name"
    fi
}


if ((batch_rows > 0)); then
    python3 scripts/make-sample-requests.py "$batch_rows" "$work/requests.csv"
fi

for store in $stores; do
    label=$([[ $store == sqlite ]] && echo SQLite || echo PostgreSQL)
    name="bench_$permits"
    echo "== $label: $permits permits through the store" >&2
    if [[ -n ${BENCH_REUSE:-} && -s "$work/$name.registry.$store" ]]; then
        # BENCH_REUSE=1: measure again the registry a previous run generated (its location and plate kept).
        read -r location plate <"$work/$name.registry.$store"
    else
        location=$(fresh "$store" "$name")
        start_s=$(date +%s)
        "$bench" make-registry --permits "$permits" --registry "$location" --policy "$policy" --jobs 2 | collect
        echo "  · $label: generated in $(($(date +%s) - start_s)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))" | collect
        read -r _ _ plate <<<"$(grep '^REGISTRY' "$work/raw.log" | tail -1)"
        echo "$location $plate" >"$work/$name.registry.$store"
    fi
    if [[ $store == sqlite ]]; then
        sqlite3 "$location" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
        bytes=$(stat -c %s "$location")
        sqlite3 "$location" "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 17" 2>/dev/null \
            | awk -F'|' -v n="$permits" '{printf "%s %.0f B/permit; ", $1, $2/n}' \
            | sed "s/^/  · $label on disk by table or index: /" >>"$notes" || true
        echo >>"$notes"
        reader=$location
    else
        # What autovacuum does soon after a day's issuing: the visibility map (index-only scans) and statistics
        # for the planner. One statement a call: VACUUM runs outside a transaction.
        for table in permit revocation audit_log vehicle live_pass; do owner_sql "VACUUM (ANALYZE) $name.$table" >/dev/null; done
        bytes=$(owner_sql "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = '$name' AND c.relkind IN ('r', 'm')")
        owner_sql "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = '$name' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6" \
            | awk -F'|' -v n="$permits" '{printf "%s %.0f B/permit; ", $1, $2/n}' \
            | sed "s/^/  · $label by table with its indexes and TOAST: /" >>"$notes"
        echo >>"$notes"
        reader="$pg_auditor&schema=$name"
    fi
    export GREENLANE_CLOCK=2021-08-27T18:00:00+07:00  # the middle of the generated 69 days
    at=2021-08-27T18:00:00+07:00
    # greenlane-office, the auditors' binary (`greenlane list` hands over to it: one exec more); the bare
    # `--version` is the process's own start-up, for comparison.
    office="$gl-office"
    # On PostgreSQL a new process also opens a database session: psql doing `select 1` is the yardstick.
    yardstick=()
    [[ $store == postgres ]] && yardstick=("psql -X -q -h 127.0.0.1 -p $pg_port -U greenlane_auditor -d greenlane -c 'select 1'")
    PGPASSWORD=$([[ $store == postgres ]] && cat "$pg_dir/secrets/auditor.password" || true) \
    hyperfine -N --style none --warmup 2 --runs "$list_runs" --export-json "$work/list-$store.json" \
        "$office list --registry $reader --limit 50" \
        "$office list --registry $reader --firm VTPOST --limit 50" \
        "$office list --registry $reader --plate $plate --limit 50" \
        "$office list --registry $reader --valid-at $at --limit 50" \
        "$office --version" "${yardstick[@]}" >/dev/null 2>&1
    read -r t_all t_firm t_plate t_valid t_start t_psql <<<"$(ms "$work/list-$store.json")"
    read -r c_all c_firm c_plate c_valid c_start c_psql <<<"$(cpu_ms "$work/list-$store.json")"
    load=$(cut -d' ' -f1 /proc/loadavg)
    session=""
    [[ $store == postgres ]] && session="; \`psql -c 'select 1'\` $t_psql ms (CPU $c_psql)"
    for item in "by firm (--firm VTPOST):$t_firm:$c_firm" "by plate (--plate $plate):$t_plate:$c_plate" \
        "valid at a time (--valid-at):$t_valid:$c_valid"; do
        IFS=: read -r what t c <<<"$item"
        echo "| $label, $permits permits: first page (limit 50) $what, \`greenlane-office list\` as a new process, median of $list_runs | $t ms (CPU $c ms) " \
            "| unfiltered first page $t_all ms (CPU $c_all); \`greenlane-office --version\` $t_start ms (CPU $c_start)$session; load $load " \
            "| $(ratio "$t" 50) of 50 ms | ≤ 50 ms | $(verdict "$t" 50) |" >>"$results"
    done
    # The same pages through an open store, as greenlane-server runs them: no start-up, no new session.
    "$bench" list-latency --registry "$reader" --plate "$plate" --at "$at" --runs 20 | collect
    /usr/bin/time -v -o "$work/export-$store.time" "$office" list --registry "$reader" --format csv >"$work/export-$store.csv"
    exported=$(($(wc -l <"$work/export-$store.csv") - 1))
    [[ $exported == "$permits" ]] || { echo "bench-stores: the export has $exported rows, expected $permits" >&2; exit 1; }
    rm -f "$work/export-$store.csv"
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/export-$store.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/export-$store.time")
    rss_mb=$(python3 -c "print(round($rss_kb/1024, 1))")
    echo "| $label, $permits permits: full CSV export (\`list --format csv\`, $exported rows), peak RSS | $rss_mb MB ($wall wall) " \
        "| target 100 MB | $(ratio "$rss_mb" 100) of 100 MB | < 100 MB | $(verdict "$rss_mb" 99.99) |" >>"$results"
    per=$(python3 -c "print(round($bytes/$permits))")
    echo "| $label, $permits permits: bytes per permit (permits, vehicles, revocations, audit log, indexes) " \
        "| $per B ($(python3 -c "print(round($bytes/1048576))") MiB) | — | — | — | — |" >>"$results"
    unset GREENLANE_CLOCK
    if ((batch_rows > 0)); then
        echo "== $label: $batch_rows CSV rows into a fresh registry" >&2
        batch_location=$([[ $store == sqlite ]] && echo "$work/batch.sqlite" || fresh postgres bench_batch)
        "$bench" batch --csv "$work/requests.csv" --alg es256 --jobs 2 --registry "$batch_location" | collect
    fi
    if [[ $store == sqlite && -z ${BENCH_KEEP:-} && $permits -ge 10000000 ]]; then
        rm -f "$location" "$location-wal" "$location-shm"
    fi
done

report "greenlane store benchmarks — revision $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + working tree')" \
    ", PostgreSQL $(psql --version | awk '{print $3}'); load $(cut -d' ' -f1-3 /proc/loadavg)"

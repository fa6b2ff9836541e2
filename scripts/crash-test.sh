#!/usr/bin/env bash
# Crash test (issue #4): kill -9 a CSV batch at random moments and check that the registry never lies.
#
#   scripts/crash-test.sh                                  # full: 50 kills of a 10,000-row batch
#   CRASH_ROUNDS=5 CRASH_ROWS=1000 scripts/crash-test.sh   # small, for CI
#
# Codes reach the output two ways: standard output with --json (one object per row, with the code)
# and the --out folder (SERIAL.txt, .png, .svg, .card.svg). Every round uses --json; every
# CRASH_OUT_EVERY-th round (5) also --out, which takes ~15x longer (PNG, SVG and a card per pass).
# First one uninterrupted run per mode measures how long the batch takes (startup to exit) and is
# checked like the rounds. Then, each round: a fresh registry, `greenlane issue --csv --json [--out DIR]`
# started, and SIGKILL after a delay drawn uniformly from [0, that duration] (seeded: CRASH_SEED, printed;
# CRASH_DELAYS="ms ms ..." replays exact delays). After each kill:
#   (a) sqlite3 PRAGMA integrity_check says ok, PRAGMA foreign_key_check is empty;
#   (b) no serial, code or plate twice in the permit table, serials contiguous HN-000001..N and the
#       counter right after them; no serial twice in the output;
#   (c) every code that reached the output is the registry's code for that serial: each complete
#       --json line on stdout, every SERIAL.txt; every SERIAL.png/.svg/.card.svg is for a committed
#       serial (cards name it; a sample of PNGs is decoded with zbarimg). A stdout line cut short by the kill
#       is counted as torn, and must still be a prefix of a committed code; a file is written whole or not at
#       all (temporary file, fsync, rename), so one cut short under its final name is a violation, and the
#       writer's hidden temporary files (.SERIAL.EXT.XXXXXX) a kill leaves behind are counted;
#   (d) the audit log has exactly one permit.issue per permit, ids without gaps; then the same CSV is
#       run again (resume): it must exit 0, issue exactly the rows not yet committed and report every
#       other row as already issued with the serial the registry holds for its plate (a refusal is a
#       violation), leaving exactly one permit per row; the checks above pass again, and `stats`, `log`,
#       `list` and `verify` work on the registry.
# Then the same for `renew` (CRASH_RENEW_ROUNDS, default CRASH_ROUNDS): a registry whose CRASH_ROWS passes end
# early (a short order) is renewed under the extended order and killed at a random moment; then `renew` runs
# again. After the kill: integrity, each old permit renewed at most once and revoked (renewed) exactly when its
# renewal exists; after the rerun: every old permit renewed exactly once, no renewal revoked (nothing handed out
# is revoked by the rerun), every code the killed run printed is committed and live (nothing lost).
# CRASH_STORE=postgres runs the issue rounds on PostgreSQL (a schema per round in scripts/postgres.sh's cluster,
# as the app role; checked through psql as the auditor; (a) is PostgreSQL's own business there); the renew rounds
# are SQLite's only (their template is copied as a file).
# Environment: CRASH_ROUNDS (50), CRASH_ROWS (10000), CRASH_SEED, CRASH_DELAYS, CRASH_OUT_EVERY (5; 1: every
# round, 0: never), CRASH_JOBS (--jobs, default: one per core), CRASH_PNG_SAMPLE (PNGs decoded per round, 5),
# GREENLANE_BIN (a built greenlane, with greenlane-office next to it: skips the release build).
# Exit status 0 when every round passes; otherwise 1 and the reason (the work folder is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rounds=${CRASH_ROUNDS:-50}
rows=${CRASH_ROWS:-10000}
seed=${CRASH_SEED:-$(( $(date +%s) % 1000000 ))}
png_sample=${CRASH_PNG_SAMPLE:-5}
out_every=${CRASH_OUT_EVERY:-5}
jobs_flag=()
[ -n "${CRASH_JOBS:-}" ] && jobs_flag=(--jobs "$CRASH_JOBS")
store=${CRASH_STORE:-sqlite}
case $store in sqlite | postgres) ;; *) echo "crash-test: CRASH_STORE is sqlite or postgres" >&2; exit 64 ;; esac

fail() { echo "crash-test: FAILED: $*" >&2; echo "crash-test: work folder kept: $work" >&2; exit 1; }

bash scripts/install-deps.sh
[ "$store" = postgres ] && bash scripts/postgres.sh start >/dev/null
gl=$(bash scripts/greenlane-binary.sh)

work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-crash.XXXXXX")
child=""
cleanup() {
    local status=$?
    [ -n "$child" ] && kill -9 "$child" 2>/dev/null || true
    if [ $status -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

export GREENLANE_CLOCK="2021-07-26T08:00:00+07:00"
export USER=crash-test LANG=C.UTF-8
cp Keys/demo-es256.key.pem "$work/demo.key.pem" && chmod 600 "$work/demo.key.pem"
python3 scripts/make-sample-requests.py "$rows" "$work/requests.csv" >/dev/null
issue=("$gl" issue --policy "$repo/Samples/policy.json" --key "$work/demo.key.pem"
       --key-trust "$repo/Keys/demo-trust.json" --csv "$work/requests.csv" --json "${jobs_flag[@]}")

# The checker: one registry, the stdout of one run and its --out folder. Prints one line of counts.
cat > "$work/check.py" <<'PY'
import json, os, random, re, sqlite3, subprocess, sys
reg, stdout_path, out_dir, phase, rows, expect_issued, png_sample, seed = sys.argv[1:9]
rows, png_sample = int(rows), int(png_sample)
expect_issued = None if expect_issued == "-" else int(expect_issued)
errors = []
def bad(message):
    errors.append(message)

def connect(reg):
    if not reg.startswith("postgres"):
        db = sqlite3.connect(f"file:{reg}?mode=ro", uri=True)
        return lambda sql: db.execute(sql).fetchall()
    import urllib.parse
    url = urllib.parse.urlsplit(reg)
    params = dict(urllib.parse.parse_qsl(url.query))
    env = dict(os.environ, PGPASSWORD=open(params["passwordFile"]).read().strip(),
               PGOPTIONS=f"-c search_path={params['schema']}")
    def value(text):
        return int(text) if re.fullmatch(r"-?[0-9]+", text) else text
    def q(sql):
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", url.hostname,
                              "-p", str(url.port), "-U", url.username, "-d", url.path[1:], "-c", sql],
                             env=env, check=True, capture_output=True, text=True).stdout
        return [tuple(value(f) for f in line.split("\t")) for line in out.splitlines()]
    return q
q = connect(reg)
codes = dict(q("SELECT serial, code FROM permit"))
count = len(codes)
for column in ("serial", "code", "plate"):
    dup = q(f"SELECT {column}, count(*) FROM permit GROUP BY {column} HAVING count(*) > 1 LIMIT 3")
    if dup: bad(f"{column} recorded twice in the permit table: {dup}")
prefix_serials = sorted(codes)
expected = [f"HN-{n:06d}" for n in range(1, count + 1)]
if prefix_serials != expected:
    missing = sorted(set(expected) - set(codes))[:3]
    bad(f"serials are not HN-000001..HN-{count:06d}: missing {missing}, extra {sorted(set(codes) - set(expected))[:3]}")
counter = q("SELECT next FROM serial_counter WHERE prefix = 'HN'")
if count and (not counter or counter[0][0] != count + 1):
    bad(f"serial counter is {counter} after {count} permits")
# Audit log: one permit.issue per permit, ids without gaps, nothing else but the firm registrations.
audit = q("SELECT subject FROM audit_log WHERE action = 'permit.issue'")
subjects = [s for (s,) in audit]
if len(subjects) != count or set(subjects) != set(codes):
    bad(f"audit log has {len(subjects)} permit.issue entries ({len(set(subjects))} serials) for {count} permits")
(n, lo, hi), = q("SELECT count(*), min(id), max(id) FROM audit_log")
# (PostgreSQL's identity column, a sequence, leaves a gap for each rolled-back chunk: its ids only grow.)
if n and (lo != 1 or hi != n) and not reg.startswith("postgres"):
    bad(f"audit log ids {lo}..{hi} for {n} entries: a gap")
firm_adds = q("SELECT count(*) FROM audit_log WHERE action = 'firm.add'")[0][0]
if firm_adds != 3 or n != count + 4:  # + registry.init
    bad(f"audit log: {n} entries, {firm_adds} firm.add, {count} permits")
if phase == "final" and count != rows:
    bad(f"after the resume the registry holds {count} permits for {rows} rows")
if phase == "final" and q("SELECT count(DISTINCT plate) FROM permit")[0][0] != rows:
    bad("after the resume some row has no permit")

# Standard output (--json): complete lines must be committed codes; a line cut by the kill must be a prefix.
seen = {}
torn = 0
issued = already = 0
plate_of = dict(q("SELECT serial, plate FROM permit"))
data = open(stdout_path, "rb").read().decode("utf-8", errors="replace")
lines = data.split("\n")
tail = lines.pop()  # text after the last newline: cut short by the kill
for number, line in enumerate(lines, 1):
    try:
        item = json.loads(line)
    except ValueError:
        bad(f"stdout line {number} is not JSON: {line[:80]!r}")
        continue
    if item.get("issued"):
        serial, code = item["serial"], item["code"]
        if serial in seen: bad(f"serial {serial} printed twice on stdout")
        seen[serial] = code
        if codes.get(serial) != code:
            bad(f"stdout line {number}: code for {serial} is not the registry's ({'absent' if serial not in codes else 'different'})")
        issued += 1
    elif item.get("alreadyIssued") and phase == "final":
        # A row the killed run committed: reported with the serial the registry holds for its plate.
        if plate_of.get(item["serial"]) != item["plate"] or codes.get(item["serial"]) != item["code"]:
            bad(f"stdout line {number}: {item['serial']} reported already issued is not {item['plate']}'s pass")
        already += 1
    else:
        bad(f"stdout line {number}: row refused: {item}")
if tail:
    torn += 1
    m = re.search(r'"serial":"(HN-\d{6})"', tail)
    if m:
        serial = m.group(1)
        if serial not in codes: bad(f"a torn stdout line names {serial}, which is not committed")
        c = re.search(r'"code":"(GL1:[^"]*)', tail)
        if c and not codes.get(serial, "").startswith(c.group(1)):
            bad(f"a torn stdout line for {serial} is not a prefix of its committed code")
if expect_issued is not None and issued != expect_issued:
    bad(f"the run printed {issued} issued codes, expected {expect_issued}")
if phase == "final" and issued + already != rows:
    bad(f"the resume reported {issued} issued + {already} already issued for {rows} rows")

# The --out folder: every file names a committed serial; .txt holds exactly its code.
files = os.listdir(out_dir)
txt = 0
pngs = []
pattern = re.compile(r"^(HN-\d{6})\.(txt|png|svg|card\.svg)$")
# The file writer's own temporary file (mkstemp next to the final name), which a kill can leave behind: never
# under a final name, so no reader mistakes it for a pass file.
temporary = re.compile(r"^\.HN-\d{6}\.(txt|png|svg|card\.svg)\.[A-Za-z0-9]{6}$")
temporaries = 0
for name in files:
    m = pattern.match(name)
    if not m:
        if temporary.match(name):
            temporaries += 1
        else:
            bad(f"unexpected file in --out: {name}")
        continue
    serial, kind = m.groups()
    if serial not in codes:
        bad(f"--out has {name} but {serial} is not committed")
        continue
    body = open(os.path.join(out_dir, name), "rb").read()
    if kind == "txt":
        text = body.decode()
        if text == codes[serial] + "\n":
            txt += 1
            if serial in seen and seen[serial] != codes[serial]: bad(f"{name} and stdout disagree")
        else:
            # Written whole or not at all (temporary file, fsync, rename): a part under the final name is a bug.
            bad(f"{name} does not hold the registry's code for {serial} (cut short?)")
    elif kind == "png":
        if body.startswith(b"\x89PNG\r\n\x1a\n") and body.endswith(b"IEND\xaeB`\x82"): pngs.append(serial)
        else: bad(f"{name} is cut short under its final name")
    else:
        complete = body.rstrip().endswith(b"</svg>")
        if not complete: bad(f"{name} is cut short under its final name")
        elif kind == "card.svg" and serial.encode() not in body: bad(f"{name} does not name {serial}")
rng = random.Random(int(seed))
for serial in rng.sample(sorted(pngs), min(png_sample, len(pngs))):
    read = subprocess.run(["zbarimg", "--quiet", "--raw", os.path.join(out_dir, serial + ".png")],
                          capture_output=True)
    if read.stdout.decode().strip() != codes[serial]:
        bad(f"{serial}.png does not scan to the registry's code (zbarimg exit {read.returncode})")
delivered = set(seen) | {m.group(1) for m in map(pattern.match, files) if m and m.group(2) == "txt"}
print(f"permits={count} stdout_codes={len(seen)} txt_codes={txt} files={len(files) - temporaries} "
      f"temporaries={temporaries} torn={torn} "
      f"undelivered={len(set(codes) - delivered)} already_issued={already}")
for e in errors[:10]: print("VIOLATION: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

sql_checks() {  # (a): SQLite's own view of the file
    [ "$store" = postgres ] && return 0
    local reg=$1 integrity fk
    integrity=$(sqlite3 "$reg" "PRAGMA integrity_check") || fail "$2: sqlite3 cannot open $reg"
    [ "$integrity" = "ok" ] || fail "$2: integrity_check: $integrity"
    fk=$(sqlite3 "$reg" "PRAGMA foreign_key_check")
    [ -z "$fk" ] || fail "$2: foreign_key_check: $fk"
}

reg() {  # the registry of folder $1: its file, or its PostgreSQL schema as the app role ($2: auditor)
    if [ "$store" = postgres ]; then
        echo "$(bash scripts/postgres.sh url "${2:-app}")&schema=$(cat "$1/schema")"
    else
        echo "$1/registry.sqlite"
    fi
}

schemas=0
new_registry() {  # a fresh registry with the sample firms in folder $1
    mkdir -p "$1/out" "$1/out2"
    if [ "$store" = postgres ]; then
        schemas=$((schemas + 1))
        echo "crash_$$_$schemas" >"$1/schema"
        GREENLANE_REGISTRY="$(bash scripts/postgres.sh url owner)&schema=$(cat "$1/schema")" "$gl" registry init \
            --policy "$repo/Samples/policy.json" 2>/dev/null
    else
        GREENLANE_REGISTRY="$(reg "$1")" "$gl" registry init --policy "$repo/Samples/policy.json" 2>/dev/null
    fi
    GREENLANE_REGISTRY="$(reg "$1")" "$gl" firm import "$repo/Samples/firms.csv" >/dev/null
}

ms() { date +%s%3N; }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# The round's resume: run the same CSV again; it must finish what the killed run did not commit.
resume_and_check() {
    local dir=$1 label=$2 committed=$3 status=0
    GREENLANE_REGISTRY="$(reg "$dir")" "${issue[@]}" >"$dir/stdout2" 2>"$dir/stderr2" || status=$?
    # Rows already issued are no refusals: the resume exits 0 whatever the killed run committed.
    [ $status -eq 0 ] || fail "$label: the resume exited $status (want 0): $(tail -3 "$dir/stderr2")"
    # (stdout is checked by check.py, which fails on any refusal; codes may contain "LOCKED" in base45.)
    ! grep -qiE "busy|locked" "$dir/stderr2" || fail "$label: the resume reported a busy/locked database"
    sql_checks "$dir/registry.sqlite" "$label after resume"
    resumed=$(python3 "$work/check.py" "$(reg "$dir" auditor)" "$dir/stdout2" "$dir/out2" final "$rows" \
        $((rows - committed)) "$png_sample" "$seed") || fail "$label after resume: $resumed"
    GREENLANE_REGISTRY="$(reg "$dir")"
    export GREENLANE_REGISTRY
    local stats
    stats=$("$gl" stats) || fail "$label: greenlane stats failed"
    grep -qx "permits: $rows" <<<"$stats" || fail "$label: greenlane stats does not say permits: $rows"
    "$gl" log --last 2 >/dev/null || fail "$label: greenlane log failed"
    [ "$("$gl" list --format jsonl | wc -l)" -eq "$rows" ] || fail "$label: greenlane list does not list $rows permits"
    # One code the killed run delivered (else one from the resume) still verifies at a checkpoint.
    local any
    any=$(find "$dir/out" -name '*.txt' -size +1c -print -quit)
    if [ -z "$any" ]; then
        any=$dir/one.txt
        python3 -c 'import json, sys
print(next(json.loads(l)["code"] for f in sys.argv[1:] for l in open(f) if l.endswith("\n") and "\"code\"" in l))' \
            "$dir/stdout" "$dir/stdout2" >"$any" 2>/dev/null \
            || "$gl" show "$("$gl" list --format csv | sed -n 2p | cut -d, -f1)" --no-qr \
                | grep -m1 -o 'GL1:[^ ]*' >"$any"
        # (The last case: the killed run committed its only chunk and died before printing, and the resume had
        # nothing left to issue. Then the code comes from the registry.)
    fi
    # Whether the checkpoint may let it pass depends on where it is checked (zones) and on its list; what the
    # drill checks is that the delivered code is a genuine, signed pass.
    local verdict
    verdict=$("$gl" verify --file "$any" --trust "$repo/Keys/demo-trust.json" --at 2021-07-26T10:00:00+07:00 \
        --training --waive-revocations --state "$work/verifier-state" --json 2>/dev/null) || true
    [[ $verdict == *'"signatureVerified":true'* ]] || fail "$label: a delivered code ($any) does not verify"
    unset GREENLANE_REGISTRY
}

echo "crash-test: $rounds rounds, $rows rows on $store, seed $seed, --out every ${out_every} rounds, work folder $work"

# Calibration: an uninterrupted run per output mode, timed from start to exit, checked like a round.
declare -A duration
for mode in json out; do
    [ $mode = out ] && [ "$out_every" -eq 0 ] && continue
    dir=$work/calibration-$mode
    new_registry "$dir"
    out_flag=(); [ $mode = out ] && out_flag=(--out "$dir/out")
    start=$(ms)
    GREENLANE_REGISTRY="$(reg "$dir")" "${issue[@]}" "${out_flag[@]}" >"$dir/stdout" 2>"$dir/stderr" \
        || fail "the uninterrupted run (--json${out_flag:+ --out}) failed: $(tail -3 "$dir/stderr")"
    duration[$mode]=$(( $(ms) - start ))
    sql_checks "$dir/registry.sqlite" "uninterrupted run"
    line=$(python3 "$work/check.py" "$(reg "$dir" auditor)" "$dir/stdout" "$dir/out" final "$rows" "$rows" \
        "$png_sample" "$seed") || fail "uninterrupted run: $line"
    echo "uninterrupted, --json${out_flag:+ --out DIR}: $rows rows in $(secs ${duration[$mode]}) s; $line"
    rm -rf "$dir"
done

# Each round's kill moment: a fraction of the uninterrupted run's duration, uniform in [0, 1], from the seed.
read -r -a fractions <<<"$(python3 -c "import random; r = random.Random($seed); print(*(r.random() for _ in range($rounds)))")"
[ -n "${CRASH_DELAYS:-}" ] && read -r -a fixed <<<"$CRASH_DELAYS" && rounds=${#fixed[@]}

printf '%-6s %-5s %9s %-9s %9s %8s %8s %6s %8s  %s\n' round mode delay_ms ended committed stdout txt torn resumed checks
total_committed=0; finished=0
for ((round = 1; round <= rounds; round++)); do
    mode=json
    [ "$out_every" -gt 0 ] && [ $((round % out_every)) -eq 0 ] && mode=out
    if [ -n "${CRASH_DELAYS:-}" ]; then
        delay=${fixed[$((round - 1))]}
    else
        delay=$(python3 -c "print(round(${fractions[$((round - 1))]} * ${duration[$mode]}))")
    fi
    dir=$work/round-$round
    new_registry "$dir"
    out_flag=(); [ $mode = out ] && out_flag=(--out "$dir/out")
    GREENLANE_REGISTRY="$(reg "$dir")" "${issue[@]}" "${out_flag[@]}" >"$dir/stdout" 2>"$dir/stderr" &
    child=$!
    sleep "$(secs "$delay")"
    kill -9 "$child" 2>/dev/null || true
    status=0; { wait "$child"; } 2>/dev/null || status=$?
    child=""
    ended=killed
    if [ $status -ne 137 ]; then
        ended=finished
        [ $status -eq 0 ] || fail "round $round: the batch exited $status before the kill: $(tail -3 "$dir/stderr")"
        finished=$((finished + 1))
    fi
    ! grep -qiE "busy|locked" "$dir/stderr" || fail "round $round: a busy/locked database was reported"
    sql_checks "$dir/registry.sqlite" "round $round (delay $delay ms)"
    line=$(python3 "$work/check.py" "$(reg "$dir" auditor)" "$dir/stdout" "$dir/out" killed "$rows" - \
        "$png_sample" "$((seed + round))") || fail "round $round (delay $delay ms): $line"
    committed=$(sed -E 's/.*permits=([0-9]+).*/\1/' <<<"$line")
    stdout_codes=$(sed -E 's/.*stdout_codes=([0-9]+).*/\1/' <<<"$line")
    txt=$(sed -E 's/.*txt_codes=([0-9]+).*/\1/' <<<"$line")
    torn=$(sed -E 's/.*torn=([0-9]+).*/\1/' <<<"$line")
    resume_and_check "$dir" "round $round (delay $delay ms)" "$committed"
    total_committed=$((total_committed + committed))
    printf '%-6s %-5s %9s %-9s %9s %8s %8s %6s %8s  %s\n' "$round" "$mode" "$delay" "$ended" "$committed" "$stdout_codes" \
        "$txt" "$torn" "$((rows - committed))" ok
    rm -rf "$dir"
done
# --- renew: kill -9 a renewal, rerun it ---
if [ "$store" = postgres ]; then
    echo "crash-test: $rounds rounds of $rows rows on postgres (seed $seed, $finished finished before the kill," \
        "$total_committed permits committed before kills), ok (the renew rounds run on SQLite only)"
    exit 0
fi
renew_rounds=${CRASH_RENEW_ROUNDS:-$rounds}
short=$work/short-policy.json
sed 's/2021-08-08T06:00:00+07:00/2021-07-27T06:00:00+07:00/' "$repo/Samples/policy.json" >"$short"
template=$work/renew-template.sqlite
mkdir -p "$work/renew-template"
new_registry "$work/renew-template"
GREENLANE_REGISTRY="$work/renew-template/registry.sqlite" "$gl" issue --policy "$short" --key "$work/demo.key.pem" \
    --key-trust "$repo/Keys/demo-trust.json" --csv "$work/requests.csv" --json "${jobs_flag[@]}" >/dev/null 2>&1 \
    || fail "renew: issuing the short-order fleet failed"
# The template through the online backup: one file, copied for each round.
GREENLANE_REGISTRY="$work/renew-template/registry.sqlite" "$gl" registry backup "$template" 2>/dev/null \
    || fail "renew: registry backup failed"
renew=("$gl" renew --policy "$repo/Samples/policy.json" --key "$work/demo.key.pem"
       --key-trust "$repo/Keys/demo-trust.json" --json --clock 2021-07-26T20:00:00+07:00)
cat > "$work/check-renew.py" <<'PY'
import json, sqlite3, sys
reg, stdout_path, phase, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
db = sqlite3.connect(f"file:{reg}?mode=ro", uri=True)
q = lambda sql, *a: db.execute(sql, a).fetchall()
errors = []
old = {s for (s,) in q("SELECT serial FROM permit WHERE renewed_from IS NULL")}
new = dict(q("SELECT renewed_from, serial FROM permit WHERE renewed_from IS NOT NULL"))
revoked = dict(q("SELECT serial, reason FROM revocation"))
if len(old) != rows: errors.append(f"{len(old)} original permits for {rows} rows")
if q("SELECT renewed_from FROM permit WHERE renewed_from IS NOT NULL GROUP BY renewed_from HAVING count(*) > 1"):
    errors.append("a permit was renewed twice")
for serial in old:
    if (serial in new) != (revoked.get(serial) == "renewed"):
        errors.append(f"{serial}: renewed={serial in new}, revocation={revoked.get(serial)}")
        break
for serial in new.values():
    if serial in revoked: errors.append(f"renewal {serial} was revoked ({revoked[serial]})"); break
if phase == "final" and len(new) != rows: errors.append(f"after the rerun {len(new)} of {rows} permits are renewed")
codes = dict(q("SELECT serial, code FROM permit"))
printed = 0
for line in open(stdout_path, encoding="utf-8", errors="replace").read().split("\n")[:-1]:
    item = json.loads(line)
    if item.get("issued"):
        printed += 1
        if codes.get(item["serial"]) != item["code"]: errors.append(f"printed {item['serial']} is not the registry's")
        if item["serial"] in revoked: errors.append(f"printed {item['serial']} was revoked")
print(f"renewed={len(new)} printed={printed}")
for e in errors[:10]: print("VIOLATION: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
start=$(ms)
mkdir -p "$work/renew-calibration" && cp "$template" "$work/renew-calibration/registry.sqlite"
GREENLANE_REGISTRY="$work/renew-calibration/registry.sqlite" "${renew[@]}" >"$work/renew-calibration/stdout" 2>/dev/null \
    || fail "renew: the uninterrupted renewal failed"
renew_ms=$(( $(ms) - start ))
python3 "$work/check-renew.py" "$work/renew-calibration/registry.sqlite" "$work/renew-calibration/stdout" final "$rows" \
    >/dev/null || fail "renew: the uninterrupted renewal does not check"
echo "uninterrupted renew: $rows permits in $(secs $renew_ms) s"
read -r -a renew_fractions <<<"$(python3 -c "import random; r = random.Random($seed + 1); print(*(r.random() for _ in range($renew_rounds)))")"
for ((round = 1; round <= renew_rounds; round++)); do
    dir=$work/renew-$round
    mkdir -p "$dir" && cp "$template" "$dir/registry.sqlite"
    delay=$(python3 -c "print(round(${renew_fractions[$((round - 1))]} * $renew_ms))")
    GREENLANE_REGISTRY="$dir/registry.sqlite" "${renew[@]}" >"$dir/stdout" 2>"$dir/stderr" &
    child=$!
    sleep "$(secs "$delay")"
    kill -9 "$child" 2>/dev/null || true
    { wait "$child"; } 2>/dev/null || true
    child=""
    sql_checks "$dir/registry.sqlite" "renew round $round (delay $delay ms)"
    killed=$(python3 "$work/check-renew.py" "$dir/registry.sqlite" "$dir/stdout" killed "$rows") \
        || fail "renew round $round (delay $delay ms) after the kill: $killed"
    GREENLANE_REGISTRY="$dir/registry.sqlite" "${renew[@]}" >"$dir/stdout2" 2>"$dir/stderr2" \
        || fail "renew round $round: the rerun failed: $(tail -3 "$dir/stderr2")"
    sql_checks "$dir/registry.sqlite" "renew round $round after the rerun"
    { cat "$dir/stdout"; echo; cat "$dir/stdout2"; } >"$dir/stdout-all"  # the echo ends a line cut by the kill
    # Complete lines only, from both runs (a line cut by the kill is dropped).
    python3 -c 'import sys; t = open(sys.argv[1], errors="replace").read().split(chr(10)); open(sys.argv[2], "w").write("".join(l + chr(10) for l in t if l.endswith("}")))' \
        "$dir/stdout-all" "$dir/stdout-complete"
    final=$(python3 "$work/check-renew.py" "$dir/registry.sqlite" "$dir/stdout-complete" final "$rows") \
        || fail "renew round $round (delay $delay ms) after the rerun: $final"
    echo "renew round $round: killed after $delay ms ($killed); after the rerun: $final; ok"
    rm -rf "$dir"
done

echo "crash-test: $rounds rounds of $rows rows (seed $seed, $finished finished before the kill, $total_committed permits committed before kills), ok"

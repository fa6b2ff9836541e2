#!/usr/bin/env bash
# Kill drill for the issuing service (issue 16): greenlane-server and greenlane-signer on one SQLite registry,
# clients submitting fleet requests and approving them with Idempotency-Keys (scripts/service-clients.py).
# Mid-batch the server is killed with SIGKILL and restarted; later, separately, the signer; the clients retry
# every failed call with the same key and body. Then:
#   - nothing lost: every row of every request is issued, and each client got a code for every row;
#   - nothing issued twice: one permit per plate, as many permits as rows, serials HN-000001..N without gaps,
#     one permit.issue audit entry per permit, no row of any request left accepted;
#   - every code a client received is the registry's code for its serial (sqlite3), and each request row
#     names the serial its code came with.
#
#   scripts/service-kill-test.sh                          # small, for .ci/run: 4 clients x 6 requests x 10 rows
#   SERVICE_KILL_CLIENTS=8 SERVICE_KILL_REQUESTS=25 SERVICE_KILL_ROWS=100 scripts/service-kill-test.sh   # bigger
#   SERVICE_KILL_ROUNDS=3                                 # kills of each process (default 1 each)
# SERVICE_BIN: a folder with greenlane, greenlane-office, greenlane-server and greenlane-signer (default: debug
# builds in .build/debug, built here). Exit 0 when every check passes; 1 and the reason otherwise (the work folder
# is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
clients=${SERVICE_KILL_CLIENTS:-4}
requests=${SERVICE_KILL_REQUESTS:-6}
rows=${SERVICE_KILL_ROWS:-10}
rounds=${SERVICE_KILL_ROUNDS:-1}
port=${SERVICE_KILL_PORT:-$(( 20000 + RANDOM % 20000 ))}

if [ -z "${SERVICE_BIN:-}" ]; then
    for product in greenlane greenlane-office greenlane-server greenlane-signer; do
        swift build --product "$product" 2>&1 | tail -1 >&2
    done
    bin=$repo/.build/debug
else
    bin=$SERVICE_BIN
fi
for tool in greenlane greenlane-office greenlane-server greenlane-signer; do
    [ -x "$bin/$tool" ] || { echo "service-kill-test: no $tool in $bin" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "service-kill-test: needs sqlite3" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-service-kill.XXXXXX")
server="" signer="" clients_pid=""
fail() { echo "service-kill-test: FAILED: $*" >&2; echo "service-kill-test: work folder kept: $work" >&2; exit 1; }
cleanup() {
    local status=$?
    for pid in $clients_pid $server $signer; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
    if [ $status -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# A registry, a policy whose order runs around today (the server keeps the real clock), a key and its trust file.
now=$(date -u +%s)
cat > "$work/policy.json" <<JSON
{"format": "greenlane-policy/1",
 "order": {"name": "Drill order", "number": "1/DRILL", "start": "$(date -u -d @$((now - 86400)) +%Y-%m-%dT%H:%M:%SZ)",
           "end": "$(date -u -d @$((now + 30 * 86400)) +%Y-%m-%dT%H:%M:%SZ)"},
 "issuer": "VN-HN", "station": "SGTVT", "serialPrefix": "HN", "maxValidityDays": 7, "testMaxAgeHours": 72,
 "purposesByFirmKind": {"postal": ["essential-goods", "public-postal"], "telecom": ["telecom-repair"]},
 "zonesByPurpose": {"essential-goods": "all", "public-postal": "all", "telecom-repair": "all"},
 "windowsByVehicleClass": {}}
JSON
export GREENLANE_REGISTRY=$work/registry.sqlite
unset GREENLANE_CLOCK
"$bin/greenlane" registry init --policy "$work/policy.json" >/dev/null 2>&1 || fail "registry init"
"$bin/greenlane" firm import "$repo/Samples/firms.csv" >/dev/null 2>&1 || fail "firm import"
mkdir "$work/keys"
"$bin/greenlane" keys generate --alg es256 --out "$work/keys" >/dev/null || fail "keys generate"
key=$(ls "$work"/keys/*.key.pem) trust=$(ls "$work"/keys/*.trust.json)
mkdir -m 750 "$work/signer"
socket=$work/signer/signer.sock
cat > "$work/server.json" <<JSON
{"host": "127.0.0.1", "port": $port, "registry": "$GREENLANE_REGISTRY", "policy": "$work/policy.json",
 "signerSocket": "$socket", "logLevel": "warning", "idempotencyLeaseSeconds": 2}
JSON
token() { "$bin/greenlane-server" token --config "$work/server.json" "$@" 2>/dev/null | tail -1; }
token --role dispatcher --firm VNPOST --label "drill dispatcher" > "$work/dispatcher.token"
token --role officer --label "drill officer" > "$work/officer.token"
grep -q '^glt_' "$work/dispatcher.token" && grep -q '^glt_' "$work/officer.token" || fail "tokens"

start_signer() {
    "$bin/greenlane-signer" --registry "$GREENLANE_REGISTRY" --policy "$work/policy.json" --key "$key" \
        --key-trust "$trust" --socket "$socket" >>"$work/signer.log" 2>&1 &
    signer=$!
    for _ in $(seq 100); do [ -S "$socket" ] && grep -q "listening" "$work/signer.log" && return; sleep 0.1; done
    fail "the signer did not start: $(tail -3 "$work/signer.log")"
}
start_server() {
    "$bin/greenlane-server" --config "$work/server.json" >>"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" \
            2>/dev/null && return
        sleep 0.1
    done
    fail "the server did not start: $(tail -3 "$work/server.log")"
}
progress() { local done; done=$(cat "$work/progress" 2>/dev/null || true); echo "${done:-0}"; }
# Waits until the clients have finished `$1` requests in all (or are done).
wait_progress() {
    while [ "$(progress)" -lt "$1" ] && kill -0 "$clients_pid" 2>/dev/null; do sleep 0.02; done
}

start_signer
start_server
total=$(( clients * requests ))
python3 scripts/service-clients.py --port "$port" --dispatcher "$work/dispatcher.token" \
    --officer "$work/officer.token" --clients "$clients" --requests "$requests" --rows "$rows" \
    --codes "$work/codes.jsonl" --progress "$work/progress" --run drill >"$work/clients.json" 2>"$work/clients.err" &
clients_pid=$!
# Kill each process `rounds` times, the k-th kill once k/(2 rounds + 1) of the requests are done, while others
# are in flight.
kills=0
for round in $(seq "$rounds"); do
    wait_progress $(( (2 * round - 1) * total / (2 * rounds + 1) )); kill -0 "$clients_pid" 2>/dev/null || break
    { kill -9 "$server" && wait "$server"; } 2>/dev/null || true; kills=$((kills + 1))
    sleep 0.3; start_server
    wait_progress $(( 2 * round * total / (2 * rounds + 1) )); kill -0 "$clients_pid" 2>/dev/null || break
    { kill -9 "$signer" && wait "$signer"; } 2>/dev/null || true; kills=$((kills + 1))
    sleep 0.5; start_signer
done
wait "$clients_pid" || fail "the clients failed: $(tail -3 "$work/clients.err")"
clients_pid=""
[ "$kills" -eq $(( 2 * rounds )) ] || fail "the batch ended before every kill ($kills of $(( 2 * rounds ))); make it bigger"

db() { sqlite3 -readonly "$GREENLANE_REGISTRY" "$1"; }
expected=$(( clients * requests * rows ))
permits=$(db "SELECT count(*) FROM permit")
plates=$(db "SELECT count(DISTINCT plate) FROM permit")
received=$(wc -l < "$work/codes.jsonl")
[ "$permits" -eq "$expected" ] || fail "$permits permits for $expected rows"
[ "$plates" -eq "$expected" ] || fail "$plates plates among $permits permits: a vehicle was issued twice"
[ "$received" -eq "$expected" ] || fail "the clients received $received codes for $expected rows"
[ "$(db "SELECT max(serial) FROM permit")" = "$(printf 'HN-%06d' "$expected")" ] || fail "serials have a gap"
[ "$(db "SELECT count(*) FROM audit_log WHERE action = 'permit.issue'")" -eq "$expected" ] \
    || fail "permit.issue audit entries differ from permits"
[ "$(db "SELECT count(*) FROM service_request_row WHERE status <> 'issued'")" -eq 0 ] \
    || fail "rows left unissued: $(db "SELECT request_id, row_index, status FROM service_request_row WHERE status <> 'issued' LIMIT 5")"
[ "$(db "SELECT count(*) FROM service_request")" -eq "$total" ] || fail "requests recorded twice or lost"
[ "$(db "SELECT count(*) FROM service_request_row r JOIN permit p ON p.serial = r.serial")" -eq "$expected" ] \
    || fail "a request row names no permit"
# Every code a client received is the registry's, under the serial and the request row it came with.
python3 - "$work/codes.jsonl" "$GREENLANE_REGISTRY" <<'PY' || fail "a received code is not in the registry"
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True)
permits = dict(db.execute("SELECT serial, code FROM permit"))
rows = {(r, i): s for r, i, s in db.execute("SELECT request_id, row_index, serial FROM service_request_row")}
seen = set()
for line in open(sys.argv[1]):
    got = json.loads(line)
    if permits.get(got["serial"]) != got["code"]:
        sys.exit(f"{got['serial']}: the client's code is not the registry's")
    if rows.get((got["request"], got["index"])) != got["serial"]:
        sys.exit(f"{got['request']} row {got['index']}: the registry names another serial")
    if got["serial"] in seen:
        sys.exit(f"{got['serial']} received twice")
    seen.add(got["serial"])
PY
"$bin/greenlane" registry check >/dev/null 2>&1 || fail "registry check"
retries=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['retries'])" "$work/clients.json")
echo "service-kill-test: ok: $expected passes in $total requests by $clients clients; server and signer killed" \
    "$rounds time(s) each mid-batch; $retries client retries; nothing lost, nothing issued twice, every code" \
    "received is the registry's"

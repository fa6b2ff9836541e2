#!/usr/bin/env bash
# Whole-list decisions through the API (issue 16): one POST /v1/decisions decides 10,000 rows, on a release
# greenlane-server (its approvals signed by greenlane-signer) over SQLite on 127.0.0.1. Prints the seconds of
# each action; the target is "finishes in seconds". Two lists are timed in the same run:
#   approve: 10 requests of 1,000 rows, approved in one action (signs and records 10,000 passes);
#   refuse:  10,000 requests of one row, refused in one action (10,000 decisions in one transaction).
# The submissions that fill the queue are not timed.
#
#   scripts/decision-bench.sh                 build (release, .build-release), run, print the figures
#   DECISION_BENCH_REQUESTS=2000 scripts/…    fewer one-row requests for the refusal list
#   DECISION_BENCH_WORK=/tmp/dir              where the registry, policy, key and logs go
#   DECISION_BENCH_BIN=.build/debug           use binaries already built there (checking the script; a debug
#                                             build's figure is not the measurement)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${DECISION_BENCH_WORK:-/tmp/greenlane-decision-bench}
many=${DECISION_BENCH_REQUESTS:-10000}
cd "$root"
if [[ -n "${DECISION_BENCH_BIN:-}" ]]; then
    bin=$(cd "$DECISION_BENCH_BIN" && pwd)
else
    echo "building greenlane-office, greenlane-server and greenlane-signer (release) ..." >&2
    for product in greenlane-office greenlane-server greenlane-signer; do
        swift build -c release --product "$product" --scratch-path .build-release 2>&1 | tail -1 >&2
    done
    bin=$root/.build-release/release
fi
echo "binaries: $bin" >&2
rm -rf "$work" && mkdir -p "$work" && chmod 700 "$work"
export GREENLANE_REGISTRY=$work/registry.sqlite
python3 - "$work/policy.json" <<'PY'
import json, sys, datetime as d
now = d.datetime.now(d.timezone.utc)
json.dump({"format": "greenlane-policy/1",
           "order": {"name": "Decision bench", "number": "1/BENCH",
                     "start": (now - d.timedelta(days=1)).isoformat(timespec="seconds"),
                     "end": (now + d.timedelta(days=30)).isoformat(timespec="seconds")},
           "issuer": "VN-HN", "station": "SGTVT", "serialPrefix": "HN", "maxValidityDays": 7, "testMaxAgeHours": 72,
           "purposesByFirmKind": {"postal": ["essential-goods", "public-postal"], "telecom": ["telecom-repair"]},
           "zonesByPurpose": {"essential-goods": "all", "public-postal": "all", "telecom-repair": "all"},
           "windowsByVehicleClass": {}}, open(sys.argv[1], "w"))
PY
"$bin/greenlane-office" registry init --policy "$work/policy.json" >/dev/null 2>&1
"$bin/greenlane-office" firm import Samples/firms.csv >/dev/null 2>&1
cp Keys/demo-es256.key.pem "$work/signing.key.pem" && chmod 600 "$work/signing.key.pem"
mkdir -m 750 "$work/signer"
socket=$work/signer/signer.sock
port=$((20000 + RANDOM % 20000))
cat > "$work/server.json" <<JSON
{"host": "127.0.0.1", "port": $port, "registry": "$GREENLANE_REGISTRY", "policy": "$work/policy.json",
 "signerSocket": "$socket", "logLevel": "warning",
 "requestsPerMinutePerCredential": 100000, "requestsPerMinutePerFirm": 100000}
JSON
token() { "$bin/greenlane-server" token --config "$work/server.json" "$@" | tail -1; }
admin=$(token --role admin --label "bench admin")
officer=$(token --role officer --label "bench officer")
# The rate limits are raised above: the bench submits 10,000 requests a minute from two firms, and measures
# the decisions, not the limits. The approvals are signed by greenlane-signer, as in service: its own process on a Unix socket.
"$bin/greenlane-signer" --registry "$GREENLANE_REGISTRY" --policy "$work/policy.json" \
    --key "$work/signing.key.pem" --key-trust Keys/demo-trust.json --socket "$socket" 2>"$work/signer.log" &
signer=$!
"$bin/greenlane-server" --config "$work/server.json" 2>"$work/server.log" &
server=$!
trap 'kill $server $signer 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
python3 - "$port" "$admin" "$officer" "$many" <<'PY'
import json, sys, time, datetime as d, urllib.request
port, admin, officer, many = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
def call(method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/health", timeout=1); break
    except Exception: time.sleep(0.1)
firm_tokens = []
for firm in ["VNPOST", "VTPOST"]:
    code = call("POST", f"/v1/firms/{firm}/enrolments", admin)["code"]
    req = urllib.request.Request(base + "/v1/enrol", data=json.dumps({"code": code, "label": "bench"}).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    firm_tokens.append(json.loads(urllib.request.urlopen(req).read())["token"])
test_at = (d.datetime.now(d.timezone.utc) - d.timedelta(hours=1)).isoformat(timespec="seconds")
def vehicle(i):
    n = 10000 + i
    return {"plate": f"29C-{n // 100:03d}.{n % 100:02d}", "vehicleClass": "light-truck",
            "driverName": "Nguyễn Văn An", "driverID": "001085012345", "testAt": test_at,
            "purpose": "essential-goods", "zones": "ba-dinh"}
# Approve: 10 requests of 1,000 rows, two firms.
approve_ids = []
for r in range(10):
    rows = [vehicle(r * 1000 + i) for i in range(1000)]
    answer = call("POST", "/v1/requests", firm_tokens[r % 2], {"vehicles": rows})
    assert all(row["status"] == "accepted" for row in answer["rows"]), answer["rows"][0]
    approve_ids.append(answer["id"])
started = time.monotonic()
answer = call("POST", "/v1/decisions", officer, {"decision": "approve", "requests": approve_ids})
approve_seconds = time.monotonic() - started
issued = sum(result.get("issuedRows", 0) for result in answer["results"])
assert answer["decided"] == 10 and issued == 10000, (answer["decided"], issued)
# Refuse: `many` requests of one row each.
refuse_ids = []
for i in range(many):
    refuse_ids.append(call("POST", "/v1/requests", firm_tokens[i % 2], {"vehicles": [vehicle(20000 + i)]})["id"])
started = time.monotonic()
answer = call("POST", "/v1/decisions", officer,
              {"decision": "refuse", "requests": refuse_ids, "reason": "refusal.notEssential"})
refuse_seconds = time.monotonic() - started
assert answer["decided"] == many, answer["decided"]
print(f"approve  10 requests x 1,000 rows (10,000 passes signed and recorded) in one action: {approve_seconds:.2f} s"
      f"  ({approve_seconds / 10000 * 1000:.2f} ms a row)")
print(f"refuse   {many:,} one-row requests in one action: {refuse_seconds:.2f} s"
      f"  ({refuse_seconds / many * 1000:.3f} ms a request)")
print("target: each list finishes in seconds (issue 16)")
PY

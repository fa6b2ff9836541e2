#!/usr/bin/env bash
# Passes per second through the issuing service's API against raw signing, measured in the same run (issue 16).
# Release builds of greenlane-server and greenlane-signer (and greenlane for the registry) on one SQLite
# registry; clients (scripts/service-clients.py) submit 100-row fleet requests, an officer approves each and the
# firm downloads its codes: a pass counts once its code has been downloaded. The limit is raw ES256 signing on
# one core by OpenSSL (`openssl speed ecdsap256`) in the same run; the ratio is printed.
#
#   scripts/service-bench.sh                                  # 2 clients x 10 requests x 100 rows, after one warm-up
#   SERVICE_BENCH_CLIENTS=4 SERVICE_BENCH_REQUESTS=25 scripts/service-bench.sh
# SERVICE_BIN: a folder with release builds of the four binaries (skips the build; default .build-release).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
clients=${SERVICE_BENCH_CLIENTS:-2}
requests=${SERVICE_BENCH_REQUESTS:-10}
rows=${SERVICE_BENCH_ROWS:-100}
port=${SERVICE_BENCH_PORT:-$(( 20000 + RANDOM % 20000 ))}

if [ -z "${SERVICE_BIN:-}" ]; then
    echo "== building (release)" >&2
    for product in greenlane greenlane-office greenlane-server greenlane-signer; do
        swift build -c release --product "$product" --scratch-path .build-release 2>&1 | tail -1 >&2
    done
    bin=$repo/.build-release/release
else
    bin=$SERVICE_BIN
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-service-bench.XXXXXX")
server="" signer=""
cleanup() { for pid in $server $signer; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

now=$(date -u +%s)
cat > "$work/policy.json" <<JSON
{"format": "greenlane-policy/1",
 "order": {"name": "Bench order", "number": "1/BENCH", "start": "$(date -u -d @$((now - 86400)) +%Y-%m-%dT%H:%M:%SZ)",
           "end": "$(date -u -d @$((now + 30 * 86400)) +%Y-%m-%dT%H:%M:%SZ)"},
 "issuer": "VN-HN", "station": "SGTVT", "serialPrefix": "HN", "maxValidityDays": 7, "testMaxAgeHours": 72,
 "purposesByFirmKind": {"postal": ["essential-goods", "public-postal"], "telecom": ["telecom-repair"]},
 "zonesByPurpose": {"essential-goods": "all", "public-postal": "all", "telecom-repair": "all"},
 "windowsByVehicleClass": {}}
JSON
export GREENLANE_REGISTRY=$work/registry.sqlite
unset GREENLANE_CLOCK
"$bin/greenlane" registry init --policy "$work/policy.json" >/dev/null 2>&1
"$bin/greenlane" firm import "$repo/Samples/firms.csv" >/dev/null 2>&1
mkdir "$work/keys" && "$bin/greenlane" keys generate --alg es256 --out "$work/keys" >/dev/null
mkdir -m 750 "$work/signer"
socket=$work/signer/signer.sock
cat > "$work/server.json" <<JSON
{"host": "127.0.0.1", "port": $port, "registry": "$GREENLANE_REGISTRY", "policy": "$work/policy.json",
 "signerSocket": "$socket", "logLevel": "warning", "maxRows": 1000}
JSON
"$bin/greenlane-server" token --config "$work/server.json" --role dispatcher --firm VNPOST --label bench 2>/dev/null \
    | tail -1 > "$work/dispatcher.token"
"$bin/greenlane-server" token --config "$work/server.json" --role officer --label bench 2>/dev/null \
    | tail -1 > "$work/officer.token"
"$bin/greenlane-signer" --registry "$GREENLANE_REGISTRY" --policy "$work/policy.json" \
    --key "$(ls "$work"/keys/*.key.pem)" --key-trust "$(ls "$work"/keys/*.trust.json)" --socket "$socket" \
    2>"$work/signer.log" &
signer=$!
"$bin/greenlane-server" --config "$work/server.json" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" \
        2>/dev/null && [ -S "$socket" ] && break
    sleep 0.1
done

client() {
    python3 scripts/service-clients.py --port "$port" --dispatcher "$work/dispatcher.token" \
        --officer "$work/officer.token" --rows "$rows" --codes "$work/codes-$1.jsonl" --run "$1" "${@:2}"
}
echo "== warm-up: 1 request of $rows rows" >&2
client warm --clients 1 --requests 1 --first 90000 >/dev/null
echo "== API: $clients clients x $requests requests x $rows rows (submit + approve + download)" >&2
api=$(client bench --clients "$clients" --requests "$requests")
echo "== raw signing: openssl speed ecdsap256, one core" >&2
raw=$(openssl speed -seconds 5 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $(NF-1)}')
python3 - "$api" "$raw" "$clients" "$requests" "$rows" <<'PY'
import json, sys
api, raw = json.loads(sys.argv[1]), float(sys.argv[2])
rate = api["passesPerSecond"]
print(f"service-bench: {api['issued']} passes in {api['seconds']} s through the API ({sys.argv[3]} clients x "
      f"{sys.argv[4]} requests x {sys.argv[5]} rows, submit + approve + download): {rate:.0f} passes/s")
print(f"service-bench: raw ES256 signing (openssl speed ecdsap256, one core, same run): {raw:.0f} signs/s")
print(f"service-bench: ratio API / raw signing: {100 * rate / raw:.1f}%")
PY

#!/usr/bin/env bash
# The issuing service end to end, on this machine (issue 16): the authority starts greenlane-signer (the only
# process with the pass key) and greenlane-server on one SQLite registry; a firm is onboarded with a one-time
# enrolment code; its dispatcher requests a fleet; the sector department (Sở TT&TT) endorses; an officer of
# Sở GTVT approves; the dispatcher downloads the passes; a checkpoint verifies one offline with the published
# trust file and revocation list.
#
# The server keeps the real clock, so the order is dated around today (not the July 2021 sample). Plain HTTP on
# 127.0.0.1 only (`--allow-plain-http`); docs/SERVICE.md shows TLS. SERVICE_BIN: a folder with greenlane,
# greenlane-office, greenlane-server and greenlane-signer (default: debug builds, built here).
#
#   scripts/service-demo.sh            # prints each step; exit 0 when the checkpoint accepts the pass
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
if [ -z "${SERVICE_BIN:-}" ]; then
    for product in greenlane greenlane-office greenlane-server greenlane-signer; do
        swift build --product "$product" 2>&1 | tail -1 >&2
    done
    bin=$repo/.build/debug
else
    bin=$SERVICE_BIN
fi
port=${SERVICE_DEMO_PORT:-$(( 20000 + RANDOM % 20000 ))}
work=$(mktemp -d "${TMPDIR:-/tmp}/greenlane-service-demo.XXXXXX")
server="" signer=""
cleanup() {
    for pid in $server $signer; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s|$bin/||g; s|$work/||g; s|^\\$ remote|$ greenlane remote|"; "$@"; }
unset GREENLANE_CLOCK GREENLANE_REGISTRY

step "The authority: a registry, an order dated today, firms, the pass key (Sở GTVT)"
now=$(date -u +%s)
cat > "$work/policy.json" <<JSON
{"format": "greenlane-policy/1",
 "order": {"name": "Demo order", "number": "17/CT-UBND (demo)",
           "start": "$(date -u -d @$((now - 86400)) +%Y-%m-%dT%H:%M:%SZ)",
           "end": "$(date -u -d @$((now + 14 * 86400)) +%Y-%m-%dT%H:%M:%SZ)"},
 "issuer": "VN-HN", "station": "SGTVT", "serialPrefix": "HN", "maxValidityDays": 7, "testMaxAgeHours": 72,
 "purposesByFirmKind": {"postal": ["essential-goods", "public-postal"], "telecom": ["telecom-repair"]},
 "zonesByPurpose": {"essential-goods": "all", "public-postal": "all", "telecom-repair": "all"},
 "windowsByVehicleClass": {},
 "sectorsNeedingEndorsement": ["postal", "telecom"]}
JSON
export GREENLANE_REGISTRY=$work/registry.sqlite GREENLANE_HOME=$work/authority
mkdir -p "$GREENLANE_HOME" "$work/keys" "$work/published"
show "$bin/greenlane" registry init --policy "$work/policy.json"
show "$bin/greenlane" firm import "$repo/Samples/firms.csv"
show "$bin/greenlane" keys generate --alg es256 --issuer VN-HN --label "Sở GTVT Hà Nội (demo)" --out "$work/keys"
key=$(ls "$work"/keys/*.key.pem) trust=$(ls "$work"/keys/*.trust.json)
cp "$trust" "$work/published/trust.json"

step "The signer (holds the key, Unix socket) and the server (no key)"
mkdir -m 750 "$work/signer"
socket=$work/signer/signer.sock
cat > "$work/server.json" <<JSON
{"host": "127.0.0.1", "port": $port, "registry": "$GREENLANE_REGISTRY", "policy": "$work/policy.json",
 "signerSocket": "$socket", "publishedDirectory": "$work/published", "logLevel": "warning"}
JSON
"$bin/greenlane-signer" --registry "$GREENLANE_REGISTRY" --policy "$work/policy.json" --key "$key" \
    --key-trust "$trust" --socket "$socket" >"$work/signer.log" 2>&1 &
signer=$!
for _ in $(seq 100); do [ -S "$socket" ] && grep -q listening "$work/signer.log" && break; sleep 0.1; done
grep -q listening "$work/signer.log" || { cat "$work/signer.log" >&2; exit 1; }
grep -m1 listening "$work/signer.log" | sed "s|$work/||g"
"$bin/greenlane-server" --config "$work/server.json" >"$work/server.log" 2>&1 &
server=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/health', timeout=1)" "$url" \
        2>/dev/null && break
    sleep 0.1
done
echo "greenlane-server: listening on $url"

step "Credentials: an administrator, an officer of Sở GTVT, an endorser of Sở TT&TT (tokens shown once, kept 0600)"
token() { local file=$1; shift; ( umask 077; "$bin/greenlane-server" token --config "$work/server.json" "$@" | tail -1 > "$file" ); }
token "$work/admin.token" --role admin --label "Sở GTVT admin"
token "$work/officer.token" --role officer --label "Cán bộ Sở GTVT"
token "$work/endorser.token" --role endorser --sector postal --label "Sở TT&TT, bưu chính"
ls -l "$work"/*.token | awk '{print $1, $NF}' | sed "s|$work/||g"

step "Onboarding VNPOST: the administrator makes a one-time enrolment code, handed over out of band"
( umask 077; python3 - "$url" "$work/admin.token" > "$work/code.txt" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], open(sys.argv[2]).read().strip()
request = urllib.request.Request(url + "/v1/firms/VNPOST/enrolments", data=b"{}", method="POST", headers={
    "Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": "demo-enrol-vnpost"})
print(json.load(urllib.request.urlopen(request))["code"])
PY
)
echo "enrolment code for VNPOST: $(cut -c1-8 "$work/code.txt")… (72 hours, once)"
firm=$work/vnpost
mkdir -p "$firm"
remote() { "$bin/greenlane" remote "$@" --server "$url" --allow-plain-http; }
GREENLANE_HOME=$firm show remote enrol --label "Điều phối viên An" --credential-file "$firm/vnpost.token" < "$work/code.txt"
printf '$ greenlane remote enrol … < code.txt   # again: the code works once\n'
GREENLANE_HOME=$firm remote enrol --label again --credential-file "$firm/again.token" < "$work/code.txt" \
    && { echo "a used code was accepted" >&2; exit 1; } || true

step "The dispatcher requests a fleet (one row is wrong: refused at once, with its code)"
python3 - "$work/fleet.csv" "$now" <<'PY'
import sys, time
path, now = sys.argv[1], int(sys.argv[2])
test = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 6 * 3600))
rows = [("40H-426.21", "Nguyễn Văn An", "001085012345"), ("14C-267.37", "Trần Thị Bình", "001186023456"),
        ("32C-472.76", "Lê Văn Cường", "001087034567"), ("29C-12", "Phạm Văn Dũng", "001088045678")]
with open(path, "w", encoding="utf-8") as out:
    out.write("firm,plate,vehicle_class,driver_name,driver_id,test_at,purpose,zones\n")
    for plate, name, cid in rows:
        out.write(f"VNPOST,{plate},light-truck,{name},{cid},{test},essential-goods,all\n")
PY
echo '$ greenlane remote request --csv fleet.csv --json > request.json      # exit 1: a row was refused'
GREENLANE_HOME=$firm remote request --csv "$work/fleet.csv" --credential-file "$firm/vnpost.token" --json \
    > "$work/request.json" || true
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$work/request.json")
GREENLANE_HOME=$firm show remote status "$id" --credential-file "$firm/vnpost.token" || true

step "The dispatcher cannot approve its own request; the officer cannot approve before the sector's endorsement"
GREENLANE_HOME=$firm remote approve "$id" --credential-file "$firm/vnpost.token" && exit 1 || true
remote approve "$id" --credential-file "$work/officer.token" && exit 1 || true

step "Sở TT&TT endorses (postal firms), Sở GTVT approves: the signer signs what it rebuilt from the registry"
show remote endorse "$id" --credential-file "$work/endorser.token"
show remote approve "$id" --credential-file "$work/officer.token" || true

step "The dispatcher downloads the passes (codes, QR images, cards)"
mkdir -p "$firm/passes"
GREENLANE_HOME=$firm show remote download "$id" --out "$firm/passes" --credential-file "$firm/vnpost.token"
GREENLANE_HOME=$firm show remote list --credential-file "$firm/vnpost.token"

step "The authority publishes the signed revocation list; the server serves it and the trust file, with ETags"
show "$bin/greenlane" revocations export --out "$work/published/revocations.glr" --key "$key" --key-trust "$trust"
python3 - "$url" <<'PY'
import sys, urllib.request
for name in ("trust.json", "revocations.glr"):
    answer = urllib.request.urlopen(sys.argv[1] + "/published/" + name)
    print(f"GET /published/{name}: {answer.status}, ETag {answer.headers['ETag'][:18]}…, "
          f"{answer.headers['Cache-Control']}")
PY
curl -s -o /dev/null -w 'GET /ready: %{http_code}\n' "$url/ready" 2>/dev/null || true

step "A checkpoint verifies a pass offline, with the published trust file and list"
pass=$(ls "$firm"/passes/HN-*.txt | head -1)
show "$bin/greenlane" verify "$(cat "$pass")" --trust "$work/published/trust.json" \
    --revocations "$work/published/revocations.glr" --state "$work/checkpoint.state" --zone dong-da

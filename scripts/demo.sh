#!/usr/bin/env bash
# The whole job, end to end, with the embedded defaults and the DEMO key:
# register the sample firms, issue the sample fleet, revoke and replace a pass, export the revocation list,
# verify codes as a checkpoint would (typed and scanned from PNG), and list the registry as an auditor.
#
# The sample policy is Hanoi's order of July 2021, so the demo runs as of 26 July 2021, 08:00 (GREENLANE_CLOCK):
# it works the same on any date.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build 2>&1 | tail -1
gl=".build/debug/greenlane"

out=demo-output
rm -rf "$out" && mkdir -p "$out/passes"
export GREENLANE_REGISTRY="$out/registry.sqlite"
export GREENLANE_CLOCK="2021-07-26T08:00:00+07:00"
# The demo's own data folder for `greenlane setup`, never this machine's settings.
export GREENLANE_HOME="$out/home"
export GREENLANE_VERIFIER_STATE="$out/verifier-state"  # the checkpoint remembers lists per run of the demo
chmod 600 Keys/*.key.pem  # git does not keep modes; greenlane refuses a private key others can read
key=(--key Keys/demo-es256.key.pem --key-trust Keys/demo-trust.json)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Make the registry on purpose: issuer, station and serial prefix from the policy"
$gl registry init --policy Samples/policy.json

step "Register the firms (Samples/firms.csv)"
$gl firm import Samples/firms.csv
$gl firm list

step "Dispatcher: issue the sample fleet (Samples/requests.csv), cards and QR codes into $out/passes"
$gl issue --policy Samples/policy.json "${key[@]}" --csv Samples/requests.csv --out "$out/passes" | tail -5

step "Dispatcher: a batch with mistakes: good rows are issued, each bad row says why"
$gl issue --policy Samples/policy.json "${key[@]}" --csv Samples/requests-with-errors.csv || echo "(exit $?: some rows refused)"

step "Dispatcher: one vehicle from the command line; then its replacement with --replace"
$gl issue --policy Samples/policy.json "${key[@]}" --firm VTPOST --plate "30e 12345" --class heavy-truck \
    --driver-name "Lê Thị Thu Hà" --driver-id 001190004567 --test-at 2021-07-25T07:30:00+07:00 \
    --purpose public-postal --zones ba-dinh,hoan-kiem,tay-ho > "$out/single.txt"
$gl issue --policy Samples/policy.json "${key[@]}" --firm VTPOST --plate 30E-123.45 --class heavy-truck \
    --driver-name "Lê Thị Thu Hà" --driver-id 001190004567 --test-at 2021-07-25T07:30:00+07:00 \
    --purpose public-postal --zones ba-dinh,hoan-kiem,tay-ho,dong-da --replace > "$out/replacement.txt"

step "Dispatcher: a pass is lost; revoke it and export the signed revocation list for checkpoints"
$gl revoke HN-000007 --reason lost --note "driver reported the card lost"
$gl revocations export "${key[@]}" --out "$out/revocations.glr"

step "Checkpoint officer (Thanh Xuân, 10:00): scan HN-000001 from its PNG"
$gl verify --image "$out/passes/HN-000001.png" --trust Keys/demo-trust.json --revocations "$out/revocations.glr" --training \
    --at 2021-07-26T10:00:00+07:00 --zone thanh-xuan

step "Checkpoint officer: the revoked pass HN-000007, and the replaced pass"
$gl verify --file "$out/passes/HN-000007.txt" --trust Keys/demo-trust.json --revocations "$out/revocations.glr" --training \
    --at 2021-07-26T10:00:00+07:00 || echo "(exit $?)"
$gl verify --file "$out/single.txt" --trust Keys/demo-trust.json --revocations "$out/revocations.glr" --training \
    --at 2021-07-26T10:00:00+07:00 --zone ba-dinh --lang en || echo "(exit $?)"

step "Checkpoint officer (Ba Đình): set up once, then verify with no data flags"
$gl setup --zone ba-dinh --trust Keys/demo-trust.json --revocations "$out/revocations.glr"
$gl verify --file "$out/replacement.txt" --at 2021-07-26T10:00:00+07:00 --lang en --training
$gl verify --file "$out/replacement.txt" --at 2021-07-26T10:00:00+07:00 --json --training | grep -o '"used":.*'

step "Auditor: first permits, a revoked one, statistics, the audit log"
$gl list --limit 5
$gl list --status revoked
$gl stats | head -12
$gl log --last 5

step "Back up the registry while it is in use (SQLite online backup), and check the copy"
$gl registry backup "$out/registry-backup.sqlite"
$gl registry check --registry "$out/registry-backup.sqlite"
echo
echo "Passes, QR codes and cards: $out/passes (open HN-000001.card.svg in a browser)"

#!/usr/bin/env bash
# Runs the store contract suite (Tests/GreenlaneStoreContractTests) and prints how many cases each store passed
# and failed: "contract cases: sqlite 33 passed, 0 failed". Every store in StoreFactory.all runs every case.
# Exit status: non-zero when any case failed, when a store ran no case at all, or when the stores ran different
# numbers of cases. The PostgreSQL cases need the cluster of scripts/postgres.sh (they fail without it).
#   CONTRACT_STORES="sqlite postgres"    the stores that must each have run (default: both)
#   CONTRACT_SKIP_BUILD=1 scripts/contract-cases.sh    reuse the build (as after `swift build --build-tests`)
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp "${TMPDIR:-/tmp}/greenlane-contract.XXXXXX")
trap 'rm -f "$log"' EXIT
skip=()
[ -n "${CONTRACT_SKIP_BUILD:-}" ] && skip=(--skip-build)
swift test "${skip[@]}" --filter StoreContractTests --verbose >"$log" 2>&1
status=$?
# Swift Testing prints one line per case: "✔ Test case passing 1 argument factory → NAME (…) to CASE(_:) passed".
python3 - "$log" "$status" "${CONTRACT_STORES:-sqlite postgres}" <<'PY'
import re, sys
counts = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"Test case passing 1 argument factory → (\S+) .* (passed|failed)", line)
    if m:
        passed, failed = counts.get(m.group(1), (0, 0))
        counts[m.group(1)] = (passed + (m.group(2) == "passed"), failed + (m.group(2) == "failed"))
for store, (passed, failed) in sorted(counts.items()):
    print(f"contract cases: {store} {passed} passed, {failed} failed")
missing = [s for s in sys.argv[3].split() if s not in counts]
for store in missing:
    print(f"contract cases: {store} ran no case")
unequal = len({p + f for p, f in counts.values()}) > 1
if unequal:
    print("contract cases: the stores ran different numbers of cases")
bad = not counts or missing or unequal or any(f for _, f in counts.values()) or sys.argv[2] != "0"
if bad:
    print("contract cases: FAILED (see swift test --filter StoreContractTests)")
sys.exit(1 if bad else 0)
PY

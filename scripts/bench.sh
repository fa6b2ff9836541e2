#!/usr/bin/env bash
# greenlane benchmarks: builds in release mode, runs every figure, prints the results table.
# Every figure is printed next to a limit measured in the same run (raw OpenSSL EVP through GreenlaneCrypto,
# a bare process, or the stated target), as a ratio. See BENCHMARKS.md.
#
#   scripts/bench.sh                   full run: 100,000-row batches, 1,000,000-permit SQLite registry (through
#                                      scripts/bench-stores.sh, which also does PostgreSQL), 200 cold starts
#   BENCH_QUICK=1 scripts/bench.sh     smaller counts (10,000 rows, 100,000 permits, 50 cold starts)
#   BENCH_REV=HEAD scripts/bench.sh    benchmark a committed revision in an isolated copy (git archive of that
#                                      revision plus this working tree's Benchmarks/), unaffected by edits in
#                                      progress; otherwise the working tree is built as it is
#   BENCH_WORK=/tmp/dir                where builds of a copy, CSVs, registries and logs go (default /tmp/greenlane-bench)
#   BENCH_ONLY="throughput batch cold registry sizes"   run only some parts
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_WORK:-/tmp/greenlane-bench}
only=${BENCH_ONLY:-throughput batch cold registry sizes}
mkdir -p "$work"
source "$root/scripts/bench-lib.sh"

if [[ -n "${BENCH_QUICK:-}" ]]; then
    rows=10000 permits=100000 rounds=5 iterations=1000 cold_runs=50 list_runs=5
else
    rows=100000 permits=1000000 rounds=9 iterations=4000 cold_runs=200 list_runs=10
fi

need hyperfine hyperfine
[[ -x /usr/bin/time ]] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

if [[ -n "${BENCH_REV:-}" ]]; then
    src="$work/src"
    rm -rf "$src/Sources" "$src/Tests" && mkdir -p "$src"
    git -C "$root" archive "$BENCH_REV" | tar -x -C "$src"
    mkdir -p "$src/Benchmarks"
    (cd "$root/Benchmarks" && tar -c --exclude ./.build --exclude ./.swiftpm .) | tar -x -C "$src/Benchmarks"
    cp "$root"/scripts/bench*.sh "$root"/scripts/greenlane-binary.sh "$root"/scripts/package.sh "$src/scripts/"
    revision="$(git -C "$root" rev-parse --short "$BENCH_REV") ($BENCH_REV)"
    root=$src
else
    revision="$(git -C "$root" rev-parse --short HEAD) + working tree"
fi
cd "$root"

echo "== building (release)" >&2
# greenlane (the checkpoint's binary, timed for cold start) and greenlane-office beside it, always built here.
gl=$(GREENLANE_BIN= bash scripts/greenlane-binary.sh)
(cd Benchmarks && swift build -c release 2>&1 | grep -E "error|Build" | tail -3 >&2) || true  # checked below
bench="$root/Benchmarks/.build/release/greenlane-bench"
hello="$root/Benchmarks/.build/release/hello-foundation"
if [[ ! -x $bench || ! -x $hello ]]; then
    # The cold start needs only the package (and the hello program for a note); every other part needs it all.
    [[ " $only " == " cold " ]] || { echo "bench: build failed" >&2; exit 1; }
    echo "bench: the Benchmarks/ harness did not build; the cold start runs without the Foundation hello" >&2
    hello=true
fi
hello_label="Swift+Foundation hello"
[[ $hello == true ]] && hello_label="a bare process (true)"


if [[ " $only " == *" throughput "* ]]; then
    echo "== verify and sign vs raw EVP ($rounds rounds x $iterations operations, interleaved)" >&2
    "$bench" throughput --rounds "$rounds" --iterations "$iterations" | collect
fi

if [[ " $only " == *" batch "* ]]; then
    echo "== issue, recorded: $rows CSV rows into a fresh registry" >&2
    python3 scripts/make-sample-requests.py "$rows" "$work/requests.csv"
    for alg in es256 eddsa; do
        for jobs in 1 2; do
            "$bench" batch --csv "$work/requests.csv" --alg $alg --jobs $jobs --registry "$work/batch.sqlite" | collect
        done
        python3 - "$work/raw.log" "$alg" >>"$results" <<'EOF'
import sys
rates = {}
for line in open(sys.argv[1]):
    f = line.split()
    if f and f[0] == "BATCH" and f[1].lower() == sys.argv[2]:
        rates[int(f[2])] = float(f[3])
if 1 in rates and 2 in rates:
    s = rates[2] / rates[1]
    print(f"| issue {sys.argv[2].upper().replace('EDDSA', 'EdDSA')}, recorded: speed-up jobs=2 over jobs=1 | {s:.2f}x "
          f"| 2 cores: 2.00x ideal | {round(100 * s / 2)}% | — | — |")
EOF
    done
fi

if [[ " $only " == *" cold "* ]]; then
    echo "== cold start: $cold_runs runs each, the packaged greenlane (scripts/package.sh)" >&2
    tarball=$(PACKAGE_OUT="$work/dist" bash scripts/package.sh)
    rm -rf "$work/pkg" && mkdir -p "$work/pkg" && tar -xzf "$tarball" -C "$work/pkg" --strip-components 1
    pkg="$work/pkg/greenlane"
    code=$(tr -d '\n' <Samples/codes/valid-es256.txt)
    verify="$pkg verify '$code' --trust Keys/demo-trust.json --at 2021-07-26T10:00:00+07:00 --zone dong-da"
    eval "$verify" >/dev/null  # must be accepted (exit 0), or hyperfine stops
    openssl dgst -sha256 -sign Keys/demo-es256.key.pem -out "$work/sample.sig" Samples/codes/valid-es256.txt
    osslverify="openssl dgst -sha256 -verify Keys/demo-es256.pub.pem -signature $work/sample.sig Samples/codes/valid-es256.txt"
    # The steps of a verify, each a process of its own: the bare binary (short usage, no parsing), loading
    # the trust file and refusing a code at its first layer (no signature), ArgumentParser (--version), and
    # the dynamically linked release build of the same source.
    # In 4 rounds, each running every command in turn, so that a change in the machine's load between
    # commands hits all of them alike; each figure is the median of its 4 round medians.
    for round in 1 2 3 4; do
        hyperfine -N -i --style none --warmup 5 --runs $((cold_runs / 4)) --export-json "$work/cold-$round.json" \
            "$verify" "$osslverify" "openssl version" "$hello" "$pkg" \
            "$pkg verify GL1:X --trust Keys/demo-trust.json --at 2021-07-26T10:00:00+07:00 --zone dong-da" \
            "$pkg --version" "$(echo "$verify" | sed "s|^$pkg|$gl|")" >/dev/null 2>&1
    done
    python3 - "$work"/cold-[1-4].json >"$work/cold.json" <<'EOF2'
import json, statistics, sys
rounds = [json.load(open(path))["results"] for path in sys.argv[1:]]
print(json.dumps({"results": [{"command": r[0]["command"], "median": statistics.median(x["median"] for x in r)}
                              for r in zip(*rounds)]}))
EOF2
    read -r t_gl t_ossl t_ver t_hello t_bare t_trust t_ap t_dyn <<<"$(ms "$work/cold.json")"
    limit=$(python3 -c "print('%.3f' % (1.5 * $t_ossl))")
    echo "| cold start: packaged \`greenlane verify CODE --trust --at --zone\`, new process, median of 4 rounds of $((cold_runs / 4)) " \
        "| $t_gl ms | \`openssl dgst -verify\` process $t_ossl ms (1.5x: $limit ms); \`openssl version\` $t_ver ms " \
        "| $(python3 -c "print('%.2fx' % ($t_gl / $t_ossl))") of openssl | ≤ 1.5x openssl | $(verdict "$t_gl" "$limit") |" >>"$results"
    echo "  · cold start medians (ms): packaged greenlane verify $t_gl; openssl dgst -verify $t_ossl; openssl version $t_ver;" \
        "packaged greenlane alone (short usage) $t_bare; packaged verify of a code refused at its first layer (trust file" \
        "loaded, no signature) $t_trust; packaged --version (ArgumentParser) $t_ap; dynamically linked release verify $t_dyn;" \
        "$hello_label $t_hello" >>"$notes"
fi

if [[ " $only " == *" registry "* ]]; then
    # The registry at scale is scripts/bench-stores.sh's (both stores there; SQLite only here, no batch).
    echo "== registry at scale: $permits permits (scripts/bench-stores.sh, SQLite)" >&2
    BENCH_WORK="$work/stores" BENCH_STORES=sqlite BENCH_PERMITS=$permits BENCH_BATCH_ROWS=0 BENCH_LIST_RUNS=$list_runs \
        bash scripts/bench-stores.sh >/dev/null
    cat "$work/stores/results.md" >>"$results"
    cat "$work/stores/notes.txt" >>"$notes"
fi

if [[ " $only " == *" sizes "* ]]; then
    "$bench" sizes | collect
fi

report "greenlane benchmarks — revision $revision" ""

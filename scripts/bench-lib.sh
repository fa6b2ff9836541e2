# Shared by scripts/bench.sh and scripts/bench-stores.sh (sourced, after `work` is set): the results table and
# notes, and the little arithmetic their rows need.

results="$work/results.md"
notes="$work/notes.txt"
: >"$results"
: >"$notes"
: >"$work/raw.log"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }

# Lines starting with "| " are table rows, "  · " notes; everything also goes to the terminal and raw.log.
collect() { tee -a "$work/raw.log" | while IFS= read -r line; do
    case "$line" in
        "| "*) echo "$line" >>"$results" ;;
        "  · "*) echo "$line" >>"$notes" ;;
    esac
    echo "$line" >&2
done; }

# The median wall time of each command of a hyperfine JSON export, in ms.
ms() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.3f' % (x['median']*1000) for x in r))" "$1"; }
# The CPU time (user + system, means) of each command: about what the wall time would be on an idle machine.
cpu_ms() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.1f' % ((x['user']+x['system'])*1000) for x in r))" "$1"; }
ratio() { python3 -c "import sys; print('%d%%' % round(100*float(sys.argv[1])/float(sys.argv[2])))" "$1" "$2"; }
verdict() { python3 -c "import sys; print('met' if float(sys.argv[1]) <= float(sys.argv[2]) else 'MISSED')" "$1" "$2"; }

# report TITLE MACHINE-EXTRA: the heading, the machine, the table and the notes, on standard output.
report() {
    echo
    echo "$1 — $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), " \
        "$(swift --version 2>/dev/null | head -1), $(openssl version)$2"
    echo
    echo "| figure | value | limit, measured in the same run | ratio | target | verdict |"
    echo "|---|---|---|---|---|---|"
    cat "$results"
    echo
    cat "$notes"
}

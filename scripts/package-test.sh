#!/usr/bin/env bash
# Unpacks the checkpoint tarball and runs `greenlane` from it with the Swift toolchain out of reach: in a mount
# namespace (`unshare -m`, root) where an empty tmpfs hides the toolchain, as on a checkpoint machine that never
# had Swift. Checks --version, help, usage, verify (flags, setup, scanner timing), inspect, keys list, and that
# `ldd` lists no Swift library.
#
#   scripts/package-test.sh dist/greenlane-VERSION-linux-x86_64.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
version=$(sed -n 's/^ *package static let current = "\(.*\)"$/\1/p' Sources/GreenlaneCheckpointCLI/Version.swift)
work=$(mktemp -d /tmp/greenlane-package-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
pkg="$work/$(basename "$tarball" .tar.gz)"
[[ -x $pkg/greenlane ]] || { echo "package-test: no greenlane in $tarball" >&2; exit 1; }
for file in CHECKPOINT.md VERSION completions/greenlane.bash completions/_greenlane completions/greenlane.fish \
            demo/DEMO-trust.json demo/README-DEMO.txt; do
    [[ -s $pkg/$file ]] || { echo "package-test: $file missing from the tarball" >&2; exit 1; }
done

echo "ldd $pkg/greenlane:"
ldd "$pkg/greenlane" | sed 's/^/    /'
if ldd "$pkg/greenlane" | grep -qi swift; then
    echo "package-test: FAILED: greenlane links a Swift library" >&2
    exit 1
fi

# Where the toolchain lives: /opt/swift for /opt/swift/usr/bin/swift. Hide the whole toolchain when it has a
# folder of its own; with a toolchain installed under /usr, hide its runtime libraries only.
swift_bin=$(readlink -f "$(command -v swift)")
prefix=$(dirname "$(dirname "$swift_bin")")  # .../usr
toolchain=$prefix
[[ $(basename "$prefix") == usr && $prefix != /usr ]] && toolchain=$(dirname "$prefix")
hide=("$toolchain")
[[ $toolchain == /usr ]] && hide=(/usr/lib/swift /usr/lib/swift_static)
echo "hiding the Swift toolchain: ${hide[*]}"

# A phone photo of the demo pass for `verify --image`: a QR (qrencode), saved as a JPEG stored sideways with an
# EXIF orientation tag (Pillow), made here, outside the namespace, where Python has its packages.
qrencode -l M -s 8 -m 4 -o "$work/demo.png" "$(tar xzf "$tarball" -O --wildcards '*/demo/DEMO-pass.txt')"
python3 - "$work/demo.png" "$work/demo-photo.jpg" <<'PY'
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("L").rotate(90, expand=True)
exif = Image.Exif(); exif[0x0112] = 6
image.save(sys.argv[2], "JPEG", quality=85, exif=exif.tobytes())
PY
cat >"$work/alone.sh" <<'ALONE'
set -euo pipefail
pkg=$1 version=$2 root=$3
shift 3
for folder in "$@"; do [[ -d $folder ]] && mount -t tmpfs -o size=1m,mode=0755 greenlane-no-swift "$folder"; done
if command -v swift >/dev/null 2>&1 && swift --version >/dev/null 2>&1; then
    echo "package-test: swift still runs inside the namespace" >&2; exit 1
fi
gl=$pkg/greenlane
export GREENLANE_HOME=$(mktemp -d /tmp/greenlane-home.XXXXXX) LANG=C.UTF-8 PATH=/usr/bin:/bin
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
expect() {  # expect STATUS DESCRIPTION -- command...
    local want=$1 what=$2; shift 3
    local status=0
    "$@" >"$pkg/out.txt" 2>"$pkg/err.txt" || status=$?
    [[ $status == "$want" ]] || { cat "$pkg/out.txt" "$pkg/err.txt" >&2; fail "$what: exit $status, expected $want"; }
    echo "  ok  $what (exit $status)"
}
cd "$pkg"
# The demo pass is signed by a published demo key: outside --training it is verdict 5, never "valid".
at=(--at 2021-07-26T10:00:00+07:00 --training --waive-revocations)  # no list in the demo folder
code=$(cat demo/DEMO-pass.txt)
expect 0 "--version" -- "$gl" --version
[[ $(cat out.txt) == "$version" ]] || fail "--version says $(cat out.txt), not $version"
expect 0 "--help" -- "$gl" --help
grep -q "setup" out.txt && grep -q "64  usage error" out.txt || fail "--help lacks the commands or exit codes"
expect 0 "help" -- "$gl" help
expect 0 "help verify" -- "$gl" help verify
expect 0 "no arguments: short usage" -- "$gl"
grep -q "usage: greenlane setup" out.txt || fail "no short usage"
expect 64 "unknown command" -- "$gl" frobnicate
expect 3 "an office command without greenlane-office" -- "$gl" list
grep -q "install greenlane-office $version next to greenlane" err.txt || fail "no word on greenlane-office"
expect 0 "verify CODE (flags)" -- "$gl" verify "$code" --trust demo/DEMO-trust.json "${at[@]}" --zone dong-da
grep -q "THẺ MẪU (DEMO)" out.txt || fail "the demo pass is not marked DEMO"
expect 5 "verify the demo pass outside training" -- "$gl" verify "$code" --trust demo/DEMO-trust.json \
    --at 2021-07-26T10:00:00+07:00 --zone dong-da
expect 0 "verify --image, a phone photo (JPEG, EXIF-rotated)" -- "$gl" verify --image "$pkg/../demo-photo.jpg" \
    --trust demo/DEMO-trust.json "${at[@]}" --zone dong-da
expect 1 "verify CODE, wrong zone" -- "$gl" verify "$code" --trust demo/DEMO-trust.json "${at[@]}" --zone tay-ho
expect 2 "verify, malformed" -- "$gl" verify GL1:NOT-A-CODE --trust demo/DEMO-trust.json
expect 64 "verify, bad flag" -- "$gl" verify "$code" --no-such-flag
expect 64 "verify, not set up" -- "$gl" verify "$code" "${at[@]}"
expect 0 "setup" -- "$gl" setup --zone dong-da --trust demo/DEMO-trust.json
expect 0 "verify CODE (from setup)" -- "$gl" verify "$code" "${at[@]}" --json
grep -q '"used":{"trust":"'"$pkg"'/demo/DEMO-trust.json"' out.txt || fail "--json does not name the trust file used"
expect 0 "verify from stdin" -- sh -c "printf '%s\n%s\n' '$code' '$code' | '$gl' verify ${at[*]}"
expect 0 "inspect" -- "$gl" inspect "$code"
grep -q "NOT VERIFIED\|CHƯA XÁC THỰC" out.txt || fail "inspect does not say it verified nothing"
expect 0 "keys list" -- "$gl" keys list --trust demo/DEMO-trust.json
grep -q "\[DEMO\]" out.txt || fail "keys list does not mark the demo keys"
expect 0 "completion script" -- "$gl" --generate-completion-script bash
python3 "$root/Tests/Scanner/scanner_timing.py" "$gl" pty
python3 "$root/Tests/Scanner/scanner_timing.py" "$gl" pipe --json
ALONE
unshare -m bash "$work/alone.sh" "$pkg" "$version" "$root" "${hide[@]}"
echo "package-test: $(basename "$tarball") runs without the Swift toolchain"

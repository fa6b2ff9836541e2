#!/usr/bin/env bash
# Builds the checkpoint package: greenlane-VERSION-linux-x86_64.tar.gz with the `greenlane` binary (Swift runtime
# linked statically, so it runs on a Debian machine without the Swift toolchain), shell completions, the
# checkpoint guide (Vietnamese and English) and the DEMO trust file, clearly marked.
#
#   scripts/package.sh                 the checkpoint tarball in dist/
#   PACKAGE_OFFICE=1 scripts/package.sh   also greenlane-office-VERSION-linux-x86_64.tar.gz (a second tarball:
#                                      it needs SQLite, libpng, libqrencode and zbar, and a checkpoint needs none)
#   PACKAGE_OUT=DIR                    where the tarballs go (default dist/)
#   PACKAGE_BUILD=DIR                  the build folder (default .build-static)
#
# Prints the path of the checkpoint tarball on stdout; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The one version: the constant both binaries print with --version.
version=$(sed -n 's/^ *package static let current = "\(.*\)"$/\1/p' Sources/GreenlaneCheckpointCLI/Version.swift)
[[ -n $version ]] || { echo "package: no version in Sources/GreenlaneCheckpointCLI/Version.swift" >&2; exit 1; }
arch=$(uname -m)
out=${PACKAGE_OUT:-$root/dist}
build=${PACKAGE_BUILD:-$root/.build-static}
mkdir -p "$out"
products=(greenlane)
[[ -n ${PACKAGE_OFFICE:-} ]] && products+=(greenlane-office)

for product in "${products[@]}"; do
    echo "package: building $product $version (release, --static-swift-stdlib) ..." >&2
    # --disable-local-rpath: without a $ORIGIN run path the loader does not probe the package folder (about 20
    # failed opens per library) before the system's libraries, the only ones the binary needs.
    swift build -c release --static-swift-stdlib --disable-local-rpath --product "$product" \
        --scratch-path "$build" 2>&1 \
        | grep -E "error|warning:|Compiling|Build" | tail -2 >&2
done
# The image reader for `verify --image`, a C++ shared object with no Swift in it, opened only when an image is
# read: the lean binary links none of its libraries.
echo "package: building libgreenlane-scanner.so (release) ..." >&2
swift build -c release --product greenlane-scanner --scratch-path "$build" 2>&1 \
    | grep -E "error|warning:|Compiling|Build" | tail -2 >&2
bin="$build/release"
# Reproducible archives: fixed owner, order and time (the last commit's).
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
pack() {  # folder-name: tars $out/$1 into $out/$1.tar.gz
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$out" -czf "$out/$1.tar.gz" "$1"
    rm -rf "${out:?}/$1"
}

name=greenlane-$version-linux-$arch
stage="$out/$name"
rm -rf "$stage" && mkdir -p "$stage/completions" "$stage/demo"
install -m 0755 "$bin/greenlane" "$stage/greenlane"
strip "$stage/greenlane"
install -m 0644 "$bin/libgreenlane-scanner.so" "$stage/libgreenlane-scanner.so"
strip --strip-unneeded "$stage/libgreenlane-scanner.so"
"$stage/greenlane" --generate-completion-script bash >"$stage/completions/greenlane.bash"
"$stage/greenlane" --generate-completion-script zsh >"$stage/completions/_greenlane"
"$stage/greenlane" --generate-completion-script fish >"$stage/completions/greenlane.fish"
install -m 0644 docs/CHECKPOINT.md "$stage/CHECKPOINT.md"
install -m 0644 Keys/demo-trust.json "$stage/demo/DEMO-trust.json"
install -m 0644 Samples/codes/valid-es256.txt "$stage/demo/DEMO-pass.txt"
cat >"$stage/demo/README-DEMO.txt" <<'TXT'
DEMO — KHÔNG DÙNG Ở CHỐT THẬT / DEMO — NEVER AT A REAL CHECKPOINT

DEMO-trust.json lists the public DEMO keys of the greenlane project. Their private keys are public too, so
anyone can sign a pass that this file accepts: every pass it accepts is shown as
"THẺ MẪU (DEMO) — KHÔNG PHẢI THẺ THẬT" / "DEMO PASS — NOT A REAL PASS".
Use it only to try greenlane out (see CHECKPOINT.md). A real checkpoint gets its trust file from the
Department of Transport (Sở GTVT), never from this package.

DEMO-trust.json chứa khóa công khai MẪU của dự án greenlane. Khóa bí mật của chúng cũng công khai, nên bất kỳ
ai cũng ký được thẻ mà tệp này chấp nhận. Chỉ dùng để thử. Chốt thật nhận tệp tin cậy từ Sở GTVT.

DEMO-pass.txt: a DEMO pass, valid on 26/07/2021 at 10:00 in Đống Đa:
  ./greenlane verify --file demo/DEMO-pass.txt --trust demo/DEMO-trust.json \
      --at 2021-07-26T10:00:00+07:00 --zone dong-da --training --waive-revocations
(without --training a demo pass is refused: verdict 5, "demo pass"; without a revocation list a checkpoint
cannot confirm a pass, verdict 4, unless the officer waives the list, which the verdict then says)
TXT
echo "$version" >"$stage/VERSION"
pack "$name"
echo "package: $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1))" >&2

if [[ -n ${PACKAGE_OFFICE:-} ]]; then
    office=greenlane-office-$version-linux-$arch
    rm -rf "${out:?}/$office" && mkdir -p "$out/$office"
    install -m 0755 "$bin/greenlane-office" "$out/$office/greenlane-office"
    strip "$out/$office/greenlane-office"
    echo "$version" >"$out/$office/VERSION"
    pack "$office"
    echo "package: $out/$office.tar.gz ($(du -h "$out/$office.tar.gz" | cut -f1))" >&2
fi
echo "$out/$name.tar.gz"

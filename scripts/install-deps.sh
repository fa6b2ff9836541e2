#!/usr/bin/env bash
# Installs the Debian packages greenlane builds and tests against, when missing.
set -euo pipefail
# libzxing-dev, libjpeg62-turbo-dev, libpng-dev, libexif-dev: the image reader (Sources/CQRScanner); zbar-tools
# and librsvg2-bin: independent tools the tests and the image corpus (scripts/qr-corpus.py) use.
packages=(pkg-config libssl-dev openssl zlib1g-dev libsqlite3-dev sqlite3 libqrencode-dev qrencode zbar-tools
          libpng-dev libzxing-dev libjpeg62-turbo-dev libexif-dev librsvg2-bin python3-pip)
need=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing Debian packages: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

#!/usr/bin/env bash
# Installs the Debian packages greenlane builds and tests against, when missing.
set -euo pipefail
packages=(pkg-config libssl-dev openssl zlib1g-dev libsqlite3-dev sqlite3 libqrencode-dev qrencode libzbar-dev
          zbar-tools libpng-dev python3-pip)
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

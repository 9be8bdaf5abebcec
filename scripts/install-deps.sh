#!/usr/bin/env bash
# Installs every Debian package Cairn needs to build, test and benchmark, on a fresh Debian 12
# machine, as root. Idempotent: packages already present are left alone, and nothing is fetched
# when nothing is missing. docs/dependencies.md says why each one is here.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git clang-format clang-tidy clang libclang-rt-14-dev
  # libraries
  protobuf-compiler libprotobuf-dev
  libsqlite3-dev sqlite3
  libssl-dev openssl
  libboost1.81-dev
  libgit2-dev
  libzstd-dev zstd zlib1g-dev
  libqrencode-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 iptables procps time python3
  # badges: pngcheck checks baked PNGs; html5lib (a conforming HTML5 parser) the hosted pages
  pngcheck python3-html5lib
  # the "add to wallet" QR code: rendered by rsvg-convert, read back by zbarimg
  librsvg2-bin zbar-tools
  # the Android binding: JNI and javac from Debian's default JDK, protobuf's Java runtime, and
  # JUnit 5's console launcher for its tests
  default-jdk-headless libprotobuf-java junit5
)

# The OB 3.0 reference verifiers run on Node.js (scripts/ob3-kit.sh). A machine may already carry a
# Node.js of its own (NodeSource's `nodejs` bundles npm and conflicts with Debian's `npm`), so
# Debian's packages are asked for only when the commands are missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: every package is present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

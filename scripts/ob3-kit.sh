#!/usr/bin/env bash
# Sets up the Open Badges 3.0 reference kit for the tests: copies third_party/ob3-kit (the
# schema, the JSON-LD contexts, the two independent verifiers, png_itxt.py and the 1EdTech test
# vector; a byte copy of the kit the badge work was specified with, checked against its
# SHA256SUMS) into DEST and installs each verifier's pinned npm packages there with `npm ci`.
# The kit itself is never written to.
#   bash scripts/ob3-kit.sh DEST      (default DEST: build/dev/ob3)
# CAIRN_OB3_SOURCE overrides where the kit is read from.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source_dir=${CAIRN_OB3_SOURCE:-$root/third_party/ob3-kit}
dest=${1:-$root/build/dev/ob3}
if [ ! -f "$source_dir/SHA256SUMS" ]; then
  echo "ob3-kit: no reference kit at $source_dir (set CAIRN_OB3_SOURCE)" >&2
  exit 1
fi
if ! (cd "$source_dir" && sha256sum -c --quiet SHA256SUMS); then
  echo "ob3-kit: $source_dir does not match its SHA256SUMS; restore it from the kit" >&2
  exit 1
fi
mkdir -p "$dest"
for part in context schema tools verify verify-di test-vectors; do
  rm -rf "${dest:?}/$part"
  cp -R "$source_dir/$part" "$dest/$part"
  chmod -R u+w "$dest/$part"
done
for verifier in verify verify-di; do
  (cd "$dest/$verifier" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
done
echo "ob3-kit: verifiers ready in $dest"

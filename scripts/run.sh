#!/usr/bin/env bash
# Installs what is missing, builds Cairn, and runs the main job: for now the device core's
# demo — a fresh device store, a demo catalog, a pursuit with answers, evidence and a reflection,
# validation against the requirements, and the change log that records it all.
# The store is kept in $CAIRN_HOME (default ./.cairn-demo) so that `cairn --home` can explore it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target cairn_cli >/dev/null

home=${CAIRN_HOME:-$root/.cairn-demo}
rm -rf "$home"
cli="$root/build/dev/tools/cli/cairn"
"$cli" --home "$home" demo
cat <<MSG

The device store is $home/device.db. Try:
  $cli --home $home status
  $cli --home $home log --limit 5
  $cli --home $home help
MSG

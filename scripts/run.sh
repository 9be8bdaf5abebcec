#!/usr/bin/env bash
# Installs what is missing, builds Cairn, and runs the main job: the sync server on its embedded
# default (SQLite under $CAIRN_SERVER_DATA, default ./.cairn-server; a self-signed certificate
# made on first start) with the demo catalog published and a demo educator ready to enrol a
# device. It prints the commands that enrol a device and sync, then serves until Ctrl-C.
#   CAIRN_LISTEN=HOST:PORT   where to listen (default 127.0.0.1:8443)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target cairn_server cairn_cli >/dev/null

server="$root/build/dev/sync-server/cairn-server"
cli="$root/build/dev/tools/cli/cairn"
data=${CAIRN_SERVER_DATA:-$root/.cairn-server}
listen=${CAIRN_LISTEN:-127.0.0.1:8443}
export CAIRN_SERVER_DATA="$data"

"$server" catalog publish tools/cli/demo_catalog.textproto
if ! "$server" user list | grep -q ' demo-teacher '; then
  "$server" user add --name demo-teacher --role educator >/dev/null
fi
code=$("$server" enrol-code demo-teacher)
pin=$("$server" fingerprint)
phone=${TMPDIR:-/tmp}/cairn-demo-phone

cat <<MSG

The sync server is starting on https://$listen with its data in $data
(certificate sha256 $pin). In another terminal, enrol a device and sync:

  rm -rf $phone
  $cli --home $phone init --server https://$listen --pin $pin --enrol $code
  $cli --home $phone sync
  $cli --home $phone catalog list
  P=\$($cli --home $phone pursue exit-tickets)
  $cli --home $phone answer "\$P" context "Grade 7 science, 28 students"
  $cli --home $phone sync
  $cli --home $phone status

The enrolment code works once, for 24 hours: '$server enrol-code demo-teacher' makes another.
Health: curl -k https://$listen/healthz   Metrics: curl -k https://$listen/metrics
The device core's offline demo is '$cli --home DIR demo'. Stop the server with Ctrl-C.

MSG
exec "$server" serve --listen "$listen"

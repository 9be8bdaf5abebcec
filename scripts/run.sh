#!/usr/bin/env bash
# Installs what is missing, builds Cairn, and runs the main job: the sync server on its embedded
# default (SQLite under $CAIRN_SERVER_DATA, default ./.cairn-server; a self-signed certificate
# made on first start) with the demo catalog (docs/examples/catalog) imported from a git
# repository, its issuer receiving submissions in a local git repository, and a demo educator
# ready to enrol a device. It prints what to do next, then serves until Ctrl-C.
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

# The demo catalog is an issuer's repository: the files of docs/examples/catalog, committed
# into a repository of their own with a fixed author and date, so the same files give the same
# commit (and importing it again publishes nothing new).
catalog_repo="$data/demo-catalog"
mkdir -p "$data"
[ -d "$catalog_repo/.git" ] || git init -q -b main "$catalog_repo"
find "$catalog_repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
cp -r docs/examples/catalog/. "$catalog_repo/"
git -C "$catalog_repo" add -A
if ! git -C "$catalog_repo" diff --cached --quiet; then
  GIT_AUTHOR_NAME="Cairn Demo Institute" GIT_AUTHOR_EMAIL="catalog@cairn.example.org" \
    GIT_COMMITTER_NAME="Cairn Demo Institute" GIT_COMMITTER_EMAIL="catalog@cairn.example.org" \
    GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
    git -C "$catalog_repo" commit -q -m "Demo catalog"
fi
"$server" catalog import "$catalog_repo"

# The issuer receives complete submissions as commits in a local bare repository.
inbox="$data/issuer-inbox.git"
[ -d "$inbox" ] || git init -q --bare -b main "$inbox"
if ! "$server" issuer list | grep -q '^cairn-demo-institute '; then
  "$server" issuer add cairn-demo-institute --name "Cairn Demo Institute" --git "$inbox" >/dev/null 2>&1
fi
issuer_token=$("$server" issuer token cairn-demo-institute)

if ! "$server" user list | grep -q ' demo-teacher '; then
  "$server" user add --name demo-teacher --role educator >/dev/null
fi
code=$("$server" enrol-code demo-teacher)
pin=$("$server" fingerprint)
phone=${TMPDIR:-/tmp}/cairn-demo-phone

mc=formative-assessment-exit-tickets
cat <<MSG

The sync server is starting on https://$listen with its data in $data
(certificate sha256 $pin). In another terminal, as a teacher:

  rm -rf $phone
  $cli --home $phone init --server https://$listen --pin $pin --enrol $code
  $cli --home $phone sync                      # the catalog arrives
  $cli --home $phone catalog search "exit ticket"
  $cli --home $phone catalog show $mc
  P=\$($cli --home $phone pursue $mc)
  $cli --home $phone answer "\$P" context "Grade 7 science, 28 students"
  $cli --home $phone capture lesson.pdf --pursuit "\$P" --requirement lesson-plan
  $cli --home $phone check "\$P"               # what is still missing, requirement by requirement
  $cli --home $phone submit "\$P"  &&  $cli --home $phone sync
  $cli --home $phone status

As the issuer (docs/issuer-api.md; complete submissions also land in $inbox):

  H="Authorization: Bearer $issuer_token"
  curl -k -H "\$H" https://$listen/v1/issuer/submissions

The enrolment code works once, for 24 hours: '$server enrol-code demo-teacher' makes another.
Health: curl -k https://$listen/healthz   Metrics: curl -k https://$listen/metrics
The device core's offline demo is '$cli --home DIR demo'. Stop the server with Ctrl-C.

MSG
exec "$server" serve --listen "$listen"

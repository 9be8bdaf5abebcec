#!/usr/bin/env bash
# Runs the C ABI test against a real device store: the cairn CLI makes it and publishes the
# demo catalog into it, as a synced device would hold it.
# Usage: bridge_test.sh CAIRN_CLI C_TEST CATALOG
set -euo pipefail
cli=$1
test_binary=$2
catalog=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/files"
"$cli" --home "$work/store" init >/dev/null
"$cli" --home "$work/store" catalog publish "$catalog" >/dev/null
"$test_binary" "$work/store" "$work/files"

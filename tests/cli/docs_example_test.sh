#!/usr/bin/env bash
# Runs the shell snippets of docs/examples/catalog/README.md exactly as a reader would copy
# them: import the example catalog into a server, then publish it as one file to a device and
# list it. Their /tmp paths are moved into a scratch directory, and HOME is empty, so that
# nothing of this machine's (a git identity, an old /tmp/cairn-data) helps them pass.
# Usage: docs_example_test.sh SOURCE_DIR CAIRN_SERVER CAIRN
set -euo pipefail
source_dir=$(realpath "$1") server=$(realpath "$2") cli=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/home"
ln -s "$server" "$work/bin/cairn-server"
ln -s "$cli" "$work/bin/cairn"
# Every ```sh block under "## Importing it", /tmp/ rewritten to the scratch directory.
awk '/^## Importing it/{on=1} /^## Changing it/{on=0} on && /^```sh/{code=1; next}
     code && /^```/{code=0; next} code{print}' "$source_dir/docs/examples/catalog/README.md" \
  | sed "s|/tmp/|$work/|g" > "$work/snippets.sh"
[ "$(grep -c 'catalog import' "$work/snippets.sh")" -eq 1 ] || { echo "no import snippet"; exit 1; }
cd "$source_dir"
out=$(HOME="$work/home" TMPDIR="$work" PATH="$work/bin:$PATH" GIT_CONFIG_NOSYSTEM=1 bash -euo pipefail "$work/snippets.sh")
echo "$out"
# The import published the whole catalog, and the device lists and shows it.
grep -q "micro-credentials  12 published" <<<"$out"
grep -q "stacks             3 published" <<<"$out"
grep -q "formative-assessment-exit-tickets" <<<"$out"
grep -q "Exit Tickets That Shape the Next Lesson" <<<"$out"

#!/usr/bin/env bash
# End-to-end tests of the `cairn` command-line client: every check runs the real binary against
# a throw-away --home and asserts its exit code and exact output.
#
# usage: cli_test.sh PATH/TO/cairn
# CTest: add_test(NAME cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh
#                 $<TARGET_FILE:cairn_cli>)
set -u

CAIRN=${1:?usage: cli_test.sh PATH/TO/cairn}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CATALOG=$HERE/../../tools/cli/demo_catalog.textproto
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Single-file catalogs name their badge images relative to themselves; the catalogs this test
# writes into $WORK find the demo's and the examples' in $WORK/badges.
mkdir -p "$WORK/badges"
cp "$HERE/../../tools/cli/badges/"*.png "$HERE/../../docs/examples/catalog/badges/"* "$WORK/badges/"
# Never touch the real ~/.cairn.
export HOME=$WORK/user-home
unset CAIRN_HOME

passed=0
failed=0
OUT=""
ERR=""
RC=0

# Runs cairn with the given arguments, keeping stdout in OUT, stderr in ERR, exit code in RC.
run() {
  "$CAIRN" "$@" >"$WORK/stdout" 2>"$WORK/stderr" </dev/null
  RC=$?
  OUT=$(cat "$WORK/stdout")
  ERR=$(cat "$WORK/stderr")
}

# `status --json` without its "sync" object, which is each device's own (its unsent changes).
shared_state() {
  sed 's/,"sync":{[^}]*}}$/}/' <<<"$1"
}

# Like run, with $STDIN on standard input.
run_stdin() {
  printf '%s' "$STDIN" | "$CAIRN" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  RC=$?
  OUT=$(cat "$WORK/stdout")
  ERR=$(cat "$WORK/stderr")
}

pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $1"
  echo "  exit code: $RC"
  echo "  stdout: $(printf '%s' "$OUT" | head -c 2000)"
  echo "  stderr: $(printf '%s' "$ERR" | head -c 2000)"
}

expect_rc() { if [[ $RC -eq $1 ]]; then pass; else fail "$2: expected exit code $1"; fi; }
# A fixed string somewhere in stdout / stderr.
out_has() { if grep -qF -- "$1" <<<"$OUT"; then pass; else fail "$2: stdout lacks '$1'"; fi; }
err_has() { if grep -qF -- "$1" <<<"$ERR"; then pass; else fail "$2: stderr lacks '$1'"; fi; }
out_lacks() { if grep -qF -- "$1" <<<"$OUT"; then fail "$2: stdout has '$1'"; else pass; fi; }
# A whole line of stdout, exactly.
out_line() { if grep -qxF -- "$1" <<<"$OUT"; then pass; else fail "$2: no stdout line '$1'"; fi; }
# An extended regular expression matching some line of stdout.
out_matches() { if grep -qE -- "$1" <<<"$OUT"; then pass; else fail "$2: stdout has no line like /$1/"; fi; }
expect_eq() { if [[ "$1" == "$2" ]]; then pass; else fail "$3: expected '$2', got '$1'"; fi; }

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
# A line of `cairn log`: actor:seq, HLC time and counter, ops.
LOG_LINE_RE='^[0-9a-f]{8}:[0-9]+  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z #[0-9]+  '
SHA_VIDEO=bd253828c2c5bab2da805fd3c8e57be475d2c4efa187b6cb1ed96c0cf3d692bf
SHA_PHOTO=dd4431134b9ef5e3debb788f51da33eb3ba1d4983cc20e553acf1e39bde5a94e
SHA_SCAN=31d21f3fe5863528de988f8502d047492380ae89dc82c13703889c9590fd76d2
SHA_WRONG=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
CONTEXT="Grade 7 science, 28 students, mixed reading levels. The lesson introduced speed as distance divided by time; the objective was that every student can compute a speed from a table."
DESIGN="Question 1 asks for a cyclist's speed from a distance-time table. Question 2 asks whether a faster runner covers more distance in the same time."
REFLECTION="About a third of the tickets divided time by distance, so the next lesson opened with a unit check and a worked example for that group."

# ---------------------------------------------------------------------------------------------
# cairn demo

D=$WORK/demo
start_ns=$(date +%s%N)
run demo --home "$D"
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
expect_rc 0 "demo"
out_line '$ cairn log' "demo runs cairn log"
out_matches "${LOG_LINE_RE}put micro_credential [0-9a-f]{8}\.\.[0-9a-f]{4} type = \"micro_credential\"" \
  "demo log shows the catalog change"
out_matches "${LOG_LINE_RE}put pursuit [0-9a-f]{8}\.\.[0-9a-f]{4} reflection = \"About a third" \
  "demo log shows the reflection"
out_matches "${LOG_LINE_RE}put evidence .*blob = <video/mp4, 46\.0 MB, sha256 bd253828c2c5\.\.>" \
  "demo log shows the video evidence"
out_line "- Artifact 2 ('Student work samples') needs 2 items; you attached 1." \
  "demo shows the student-work message"
out_line "(exit code 3)" "demo shows check's exit code"
out_line "ready to submit" "demo ends ready to submit"
out_matches '^[0-9a-f-]{36}  exit-tickets +demo-0001 +draft +1 +3$' "demo ends with status"
if [[ $elapsed_ms -lt 1000 ]]; then pass; else fail "demo took ${elapsed_ms} ms (limit 1000)"; fi
if [[ $(grep -cE "$LOG_LINE_RE" <<<"$OUT") -eq 8 ]]; then pass; else fail "demo log has 8 changes"; fi

DEMO_P=$(grep -oE '^Next: cairn submit [0-9a-f-]{36}' <<<"$OUT" | grep -oE '[0-9a-f-]{36}$')
run --home "$D" answer "$DEMO_P" design -- "--not an option"
expect_rc 0 "-- ends the options"
out_line "saved your answer to 'design' (3 words)" "text after -- is an argument"

run demo --home "$D"
expect_rc 1 "demo on a used home"
err_has "cairn: a device store already exists at $D/device.db" "demo refuses a used home"

# ---------------------------------------------------------------------------------------------
# init, help and usage errors

F=$WORK/flow
run init --home "$F"
expect_rc 0 "init"
out_line "created device store $F/device.db" "init names the store"
out_matches '^actor [0-9a-f-]{36}$' "init prints the actor id"
expect_eq "$(stat -c %a "$F")" 700 "init makes the home private"

run --home "$F" init
expect_rc 1 "init twice"
expect_eq "$ERR" "cairn: a device store already exists at $F/device.db" "init twice refuses"

run status --home "$WORK/nowhere"
expect_rc 1 "status without a store"
err_has "no device store at $WORK/nowhere/device.db; run 'cairn init' first" "points at init"

run
expect_rc 2 "no command"
err_has "cairn: no command given" "no command is a usage error"

run frobnicate --home "$F"
expect_rc 2 "unknown command"
err_has "cairn: unknown command 'frobnicate'" "unknown command is named"
err_has "evidence add PURSUIT REQUIREMENT_ID" "unknown command prints the usage text"

run catalog publsh x --home "$F"
expect_rc 2 "unknown subcommand"
err_has "cairn catalog: unknown subcommand 'publsh'" "unknown subcommand is named"
err_has "usage: cairn catalog publish FILE" "unknown subcommand lists the group's usage"

run help
expect_rc 0 "help"
for command in init "catalog publish" "catalog list" "catalog search" "catalog show" pursue answer reflect \
  capture "evidence add" "evidence list" "evidence remove" "evidence fetch" check submit status \
  conflicts resolve \
  log export import "badges list" "badges show" "badges export" "badges verify" demo help; do
  out_matches "^  $command( |$)" "help lists '$command'"
done
out_has "3  'cairn check' found issues" "help documents exit code 3"
out_has "2  usage error" "help documents exit code 2"

run --help
expect_rc 0 "--help"
out_has "exit codes:" "--help prints the help"

run evidence add --help
expect_rc 0 "command --help"
out_line "usage: cairn evidence add PURSUIT REQUIREMENT_ID --sha256 HEX --size N --type MEDIA/TYPE [--caption TEXT]" \
  "command --help prints its usage"

run answer --home "$F"
expect_rc 2 "answer without arguments"
expect_eq "$ERR" "cairn answer: missing PURSUIT
usage: cairn answer PURSUIT QUESTION_ID TEXT" "answer names the missing argument"

run status extra --home "$F"
expect_rc 2 "too many arguments"
err_has "cairn status: unexpected argument 'extra'" "the extra argument is named"

run status --bogus --home "$F"
expect_rc 2 "unknown option"
err_has "cairn: unknown option --bogus" "the unknown option is named"

run status --limit 3 --home "$F"
expect_rc 2 "option of another command"
err_has "cairn status: option --limit does not apply to this command" "misplaced option is named"

run check not-a-uuid --home "$F"
expect_rc 2 "bad UUID"
expect_eq "$ERR" "cairn check: PURSUIT: id 'not-a-uuid' is not a UUID: expected 36 characters like 0190f3c2-7a1b-7c3d-8e4f-0123456789ab
usage: cairn check PURSUIT" "bad UUID quotes the parser"

run check 0190f3c2-7a1b-7c3d-8e4f-0123456789ag --home "$F"
expect_rc 2 "UUID with a non-hex digit"
err_has "has a non-hex digit near position 35" "non-hex digit quotes the parser"

run check 0190f3c2-7a1b-7c3d-8e4f-0123456789ab --home "$F"
expect_rc 1 "unknown pursuit"
expect_eq "$ERR" "cairn: no pursuit 0190f3c2-7a1b-7c3d-8e4f-0123456789ab on this device" \
  "unknown pursuit is a core error"

# ---------------------------------------------------------------------------------------------
# The catalog

BAD=$WORK/bad_field.textproto
printf 'micro_credentials {\n  id: "x"\n  titel: "y"\n}\ncommit: "c1"\n' >"$BAD"
run catalog publish "$BAD" --home "$F"
expect_rc 1 "catalog with an unknown field"
expect_eq "$ERR" "cairn: $BAD:3:8: Message type \"cairn.v1.MicroCredential\" has no field named \"titel\".; check the spelling against schemas/cairn/v1/catalog.proto
1 error; nothing was published" "unknown field is reported at file:line:column"

BAD=$WORK/bad_rules.textproto
sed -e 's/word_limit: 200/word_limit: 0/' -e 's/requirement_id: "reflection"/requirement_id: "reflexion"/' \
  "$CATALOG" >"$BAD"
run catalog publish "$BAD" --home "$F"
expect_rc 1 "catalog breaking the format's rules"
# "FILE:line:column:" of the first occurrence of $1 in $BAD.
where() { awk -v text="$1" -v file="$BAD" 'i = index($0, text) { print file ":" NR ":" i ":"; exit }' "$BAD"; }
err_has "$(where 'word_limit: 0') question 'context' has no word limit" \
  "a zero word limit is reported at its line and column"
err_has "$(where 'requirement_id: "reflexion"') criterion 'instruction-adjusted' judges requirement 'reflexion'" \
  "a criterion judging no requirement is reported at its line and column"
err_has "errors; nothing was published" "every error is reported, and nothing published"

BAD=$WORK/bad_utf8.textproto
sed -e 's/topics: "formative assessment"/topics: "formative assessment"\n  topics: "caf\\351"/' \
  "$CATALOG" >"$BAD"
run catalog publish "$BAD" --home "$F"
expect_rc 1 "catalog with text that is not UTF-8"
err_has "$(where 'topics: "caf') topics is not valid UTF-8 text; catalog files are UTF-8" \
  "text that is not UTF-8 is refused at file:line:column"
err_has "1 error; nothing was published" "only the encoding is reported for that file"

BAD=$WORK/bad_badge.textproto
sed -e 's#badges/exit-tickets.png#badges/exit-ticket.png#' "$CATALOG" >"$BAD"
run catalog publish "$BAD" --home "$F"
expect_rc 1 "catalog naming a badge image that is not there"
err_has "$(where 'path: "badges/exit-ticket.png"') badges/exit-ticket.png is not in the catalog file's directory; put the image there, or fix the path" \
  "a missing badge image is reported at its path"

BAD=$WORK/bad_syntax.textproto
printf 'commit: "c1"\nissuers {\n  id "x"\n}\n' >"$BAD"
run catalog publish "$BAD" --home "$F"
expect_rc 1 "catalog with a syntax error"
err_has "cairn: $BAD:3:6: Expected \":\"" "syntax error is reported at file:line:column"

BAD=$WORK/bad_end.textproto
printf 'issuers {\n  id: "x"\n' >"$BAD"
run catalog publish "$BAD" --home "$F"
expect_rc 1 "catalog cut short"
err_has "cairn: $BAD:3:1: Expected identifier, got: the end of the file" "truncation is explained"

run catalog publish "$WORK/missing.textproto" --home "$F"
expect_rc 1 "missing catalog file"
err_has "cannot read catalog file $WORK/missing.textproto" "missing file is named"

run catalog list --home "$F"
expect_rc 0 "empty catalog list"
out_has "No micro-credentials on this device yet" "empty catalog says so"

run catalog publish "$CATALOG" --home "$F"
expect_rc 0 "publish the demo catalog"
out_line "published 1 micro-credential at version demo-0001 (1 new, 0 unchanged)" \
  "publish reports the version"

run catalog publish "$CATALOG" --home "$F"
expect_rc 0 "publish the same version again"
out_line "already published: 1 micro-credential at version demo-0001 (0 new, 1 unchanged)" \
  "republishing writes nothing"

run catalog list --home "$F"
expect_rc 0 "catalog list"
out_line "Using Exit Tickets to Adjust Instruction" "list shows the title"
out_has "id exit-tickets, version demo-0001, about 10 hours; 2 questions, 2 artifacts and a reflection" \
  "list shows id, version and requirements"

run catalog list --json --home "$F"
expect_rc 0 "catalog list --json"
out_has '"id":"exit-tickets","version":"demo-0001","title":"Using Exit Tickets to Adjust Instruction"' \
  "list --json"
out_has '"artifacts":["classroom-video","student-work"]' "list --json names the artifacts"

run catalog show exit-tickets --home "$F"
expect_rc 0 "catalog show"
out_line "Competency" "show has the competency"
out_line "  Question 1 [context], 20 to 200 words" "show has the word limits"
out_line "  Artifact 2 [student-work] 'Student work samples', 2 to 5 items of image/* or application/pdf" \
  "show has the artifact's media types and counts"
out_line "Rubric (Pass / Not yet; awarded when every criterion is at a passing level)" "show has the rubric"

run catalog show exit-tickets --json --home "$F"
expect_rc 0 "catalog show --json"
out_has '"award_rule":{"kind":"AWARD_RULE_KIND_ALL_CRITERIA_PASSING"}' "show --json is the whole message"

run catalog show exit-ticket --home "$F"
expect_rc 1 "show an unknown micro-credential"
err_has "no micro-credential 'exit-ticket'" "unknown micro-credential is named"

# The example repository (docs/examples/catalog) as one catalog file: stacks, search, show.
EXAMPLES=$HERE/../../docs/examples/catalog
S=$WORK/stacked
BIG=$WORK/examples.textproto
{
  for f in "$EXAMPLES"/issuers/*.textproto; do echo "issuers {"; cat "$f"; echo "}"; done
  for f in "$EXAMPLES"/stacks/*.textproto; do echo "stacks {"; cat "$f"; echo "}"; done
  for f in "$EXAMPLES"/micro-credentials/*.textproto; do
    echo "micro_credentials {"; cat "$f"; echo "}"
  done
  echo 'commit: "examples-1"'
} >"$BIG"
run init --home "$S"
run catalog publish "$BIG" --home "$S"
expect_rc 0 "publish the example catalog"

run catalog list --home "$S"
expect_rc 0 "catalog list with stacks"
out_line "Stacks (earn every micro-credential of a stack to earn the stack)" "list has a stacks section"
out_matches '^  Formative Assessment \[formative-assessment\], 4 micro-credentials: formative-assessment-exit-tickets, ' \
  "list shows each stack with its micro-credentials in order"
out_matches '^  stack: Formative Assessment \[formative-assessment\] \(1 of 4\)$' \
  "list shows a micro-credential's stack"
run catalog list --json --home "$S"
out_has '"stacks":[{"id":"classroom-discourse","version":"examples-1"' "list --json has the stacks"
out_has '"stacks":["formative-assessment"]' "list --json names each micro-credential's stacks"

run catalog search "exit tickets" --home "$S"
expect_rc 0 "search"
expect_eq "$(sed -n 3p <<<"$OUT")" "$(sed -n 's/^title: "\(.*\)"$/\1/p' \
  "$EXAMPLES/micro-credentials/formative-assessment-exit-tickets.textproto")" \
  "the micro-credential with the words in its title comes first"
out_matches '^  id formative-assessment-exit-tickets, version examples-1; matched in title' \
  "search says where it matched"
run catalog search "EXIT TICKETS" --json --home "$S"
expect_rc 0 "search --json"
out_has '{"query":"EXIT TICKETS","matches":[{"id":"formative-assessment-exit-tickets"' \
  "search is case-insensitive and ranks the title match first"
run catalog search "multilingual" --json --home "$S"
expect_eq "$(grep -o '"id":"multilingual-learners-[a-z-]*"' <<<"$OUT" | sort -u | wc -l)" 4 \
  "a stack's title finds every micro-credential of the stack"
run catalog search "zebra crossing" --home "$S"
expect_rc 0 "search without a match"
out_line "No micro-credential on this device matches \"zebra crossing\": try fewer or other words, or 'cairn catalog list'." \
  "no match says so"
run catalog search "  " --home "$S"
expect_rc 2 "search for nothing"
err_has "TEXT is empty" "an empty search is a usage error"

run catalog show classroom-discourse-talk-moves --home "$S"
expect_rc 0 "show a micro-credential of a stack"
out_matches '^stack: [^[]+ \[classroom-discourse\] \([0-9] of 4\)$' "show names the stack and the place in it"

# ---------------------------------------------------------------------------------------------
# A pursuit, from start to submission

run pursue exit-tickets --home "$F"
expect_rc 0 "pursue"
if grep -qE "$UUID_RE" <<<"$OUT"; then pass; else fail "pursue prints the pursuit id"; fi
P=$OUT

run answer "$P" context "$CONTEXT" --home "$F"
expect_rc 0 "answer"
out_line "saved your answer to 'context' (30 words)" "answer counts words"

STDIN="$DESIGN"$'\n'
run_stdin answer "$P" design - --home "$F"
expect_rc 0 "answer from stdin"
out_line "saved your answer to 'design' (25 words)" "answer from stdin counts words"

run answer "$P" goals "text" --home "$F"
expect_rc 1 "answer an unknown question"
err_has "has no question 'goals'; its questions are: context, design" "the real questions are listed"

run --home "$F" reflect "$P" "$REFLECTION"
expect_rc 0 "reflect"
out_line "saved your reflection (26 words)" "reflect counts words"

run evidence add "$P" classroom-video --sha256 "$SHA_WRONG" --size 2000000 --type image/jpeg \
  --caption "A photo by mistake" --home "$F"
expect_rc 0 "evidence add (a photo for the video)"
PHOTO=$OUT
if grep -qE "$UUID_RE" <<<"$PHOTO"; then pass; else fail "evidence add prints its id"; fi
run evidence add "$P" student-work --sha256 "$SHA_PHOTO" --size 1843200 --type image/jpeg \
  --caption "Ticket that mixes up units" --home "$F"
expect_rc 0 "evidence add (student photo)"
run evidence add "$P" student-work --sha256 "$SHA_SCAN" --size 421888 --type application/pdf \
  --home "$F"
expect_rc 0 "evidence add (student scan)"

run evidence add "$P" student-work --sha256 "${SHA_SCAN:1}" --size 10 --type image/png --home "$F"
expect_rc 2 "evidence add with a short hash"
err_has "is not a SHA-256: expected 64 hex digits, got 63 characters" "short hash is explained"
run evidence add "$P" student-work --sha256 "$SHA_SCAN" --size 0 --type image/png --home "$F"
expect_rc 2 "evidence add with size 0"
err_has "--size '0' is not a size in bytes greater than 0" "size 0 is refused"
run evidence add "$P" student-work --sha256 "$SHA_SCAN" --size 10 --type png --home "$F"
expect_rc 2 "evidence add with a bad media type"
run evidence add "$P" student-work --sha256 "$SHA_SCAN" --size 10 --home "$F"
expect_rc 2 "evidence add without --type"
err_has "missing --type MEDIA/TYPE" "missing --type is named"
run evidence add "$P" lesson-plan --sha256 "$SHA_SCAN" --size 10 --type image/png --home "$F"
expect_rc 1 "evidence for an unknown artifact"
err_has "asks for no artifact 'lesson-plan'; its artifacts are: classroom-video, student-work" \
  "the real artifacts are listed"

run check "$P" --home "$F"
expect_rc 3 "check with a photo for the video"
expect_eq "$OUT" "- Artifact 1 ('Classroom video') needs a video; you attached a photo (image/jpeg)." \
  "check explains the wrong media type"

run submit "$P" --home "$F"
expect_rc 1 "submit before ready"
err_has "the pursuit is not ready to submit:" "submit refuses"
err_has "needs a video; you attached a photo" "submit says why"

run evidence list "$P" --home "$F"
expect_rc 0 "evidence list"
out_matches "^$PHOTO  classroom-video +image/jpeg +1\.9 MB +0a1b2c3d4e5f\.\. +\"A photo by mistake\"$" \
  "evidence list shows the photo"
if [[ $(grep -cE '^[0-9a-f]{8}-' <<<"$OUT") -eq 3 ]]; then pass; else fail "evidence list has 3 items"; fi

run evidence list "$P" --json --home "$F"
expect_rc 0 "evidence list --json"
out_has "\"id\":\"$PHOTO\",\"pursuit\":\"$P\",\"requirement_id\":\"classroom-video\",\"sha256\":\"$SHA_WRONG\",\"size\":2000000,\"media_type\":\"image/jpeg\"" \
  "evidence list --json"

run evidence remove "$PHOTO" --home "$F"
expect_rc 0 "evidence remove"
out_line "removed evidence $PHOTO" "evidence remove confirms"
run evidence list "$P" --home "$F"
out_lacks "$PHOTO" "removed evidence is gone"
run evidence remove "$PHOTO" --home "$F"
expect_rc 1 "evidence remove twice"
err_has "no evidence item $PHOTO on this device" "second remove is refused"

run check "$P" --home "$F"
expect_rc 3 "check without a video"
expect_eq "$OUT" "- Artifact 1 ('Classroom video') needs 1 item; you attached 0." "check asks for the video"

run evidence add "$P" classroom-video --sha256 "$SHA_VIDEO" --size 48234496 --type video/mp4 \
  --caption "End of lesson" --home "$F"
expect_rc 0 "evidence add (the video)"

run check "$P" --home "$F"
expect_rc 0 "check when ready"
expect_eq "$OUT" "ready to submit" "check says ready"

run submit "$P" --home "$F"
expect_rc 0 "submit"
out_matches '^submission [0-9a-f-]{36} attempt 1$' "submit prints the submission id and attempt"

run status --home "$F"
expect_rc 0 "status"
out_line "PURSUIT                               MICRO-CREDENTIAL  VERSION    STATUS     ATTEMPT  EVIDENCE" \
  "status header"
out_line "$P  exit-tickets      demo-0001  submitted  1        3" "status shows the submitted pursuit"
out_line "0 unresolved conflicts" "status counts conflicts"

run status --json --home "$F"
expect_rc 0 "status --json"
out_has "{\"pursuits\":[{\"id\":\"$P\",\"micro_credential_id\":\"exit-tickets\",\"micro_credential_version\":\"demo-0001\",\"status\":\"submitted\",\"attempt\":1,\"submissions\":1,\"evidence\":3," \
  "status --json"
out_has '"unresolved_conflicts":0,' "status --json counts conflicts"
out_has '"sync":{"enrolled":false,"unsent_changes":11}}' "status --json: not enrolled, 11 changes kept here"

# Options before the command, and CAIRN_HOME instead of --home.
run --home "$F" status --json
STATUS_F=$OUT
CAIRN_HOME=$F run status --json
expect_eq "$OUT" "$STATUS_F" "CAIRN_HOME selects the store"

# ---------------------------------------------------------------------------------------------
# The change log

run log --home "$F"
expect_rc 0 "log"
LOG=$OUT
if [[ $(grep -cE "$LOG_LINE_RE" <<<"$LOG") -eq 11 ]]; then pass; else fail "log has 11 changes"; fi
if [[ $(grep -cvE "$LOG_LINE_RE" <<<"$LOG") -eq 0 ]]; then pass; else fail "log is one line per change"; fi
out_matches "${LOG_LINE_RE}put pursuit [0-9a-f]{8}\.\.[0-9a-f]{4} answer:context = \"Grade 7 science, 28 students, mixed reading levels\. The less…\"$" \
  "log cuts long values at 60 characters"
out_matches "${LOG_LINE_RE}delete evidence ${PHOTO:0:8}\.\.${PHOTO: -4}$" "log shows the delete"
out_matches "${LOG_LINE_RE}put submission .*snapshot = <[0-9.]+ (B|KB) blob>; put pursuit [0-9a-f.]+ status = \"submitted\"$" \
  "log shows the submission and the status in one change"

run log --limit 2 --home "$F"
expect_rc 0 "log --limit"
if [[ $(grep -cE "$LOG_LINE_RE" <<<"$OUT") -eq 2 ]]; then pass; else fail "log --limit 2 shows 2"; fi
out_line "(the last 2 changes of 11)" "log --limit says what it left out"

run log --limit 0 --home "$F"
expect_rc 2 "log --limit 0"

run log --json --home "$F"
expect_rc 0 "log --json"
out_matches '^\{"total":11,"changes":\[\{"actor":"[0-9a-f-]{36}","seq":1,"hlc":"[0-9]+","time":"[0-9T:.-]+Z","counter":[0-9]+,"deps":\[\],"ops":\[\{"op":"put","entity":"[0-9a-f-]{36}","entity_type":"micro_credential","field":"type","value":\{"text":"micro_credential"\}\}' \
  "log --json"

# ---------------------------------------------------------------------------------------------
# Export, import and conflicts between two devices

G=$WORK/second
run export "$WORK/all.batch" --home "$F"
expect_rc 0 "export of everything"
out_matches "^exported 11 changes \([0-9.]+ KB\) to $WORK/all.batch$" "export counts changes"

run init --home "$G"
expect_rc 0 "init a second device"
run import "$WORK/all.batch" --home "$G"
expect_rc 0 "import"
out_line "applied 11 changes, 0 duplicates" "import counts what is new"
run status --json --home "$G"
expect_eq "$(shared_state "$OUT")" "$(shared_state "$STATUS_F")" "the second device shows the same pursuits"

run import "$WORK/all.batch" --home "$G"
expect_rc 0 "import again"
out_line "applied 0 changes, 11 duplicates" "import again is harmless"
run status --json --home "$G"
expect_eq "$(shared_state "$OUT")" "$(shared_state "$STATUS_F")" "a duplicate import changes nothing"

printf 'not a change batch' >"$WORK/garbage.batch"
run import "$WORK/garbage.batch" --home "$G"
expect_rc 1 "import garbage"
err_has "cairn: cannot import $WORK/garbage.batch: " "garbage is refused"

# Both devices edit the reflection before they sync.
run reflect "$P" "Written on the laptop." --home "$F"
run reflect "$P" "Written on the phone." --home "$G"
run export "$WORK/f.batch" --home "$F"
run import "$WORK/f.batch" --home "$G"
expect_rc 0 "import the laptop's edit"
out_line "applied 1 change, 11 duplicates" "only the new change applies"
run export "$WORK/g.batch" --home "$G"
run import "$WORK/g.batch" --home "$F"
expect_rc 0 "import the phone's edit"

for home in "$F" "$G"; do
  run conflicts --home "$home"
  expect_rc 0 "conflicts"
  out_line "pursuit $P, field reflection: 2 texts written concurrently" "conflict is shown"
  out_has '"Written on the laptop."' "the laptop's text is kept"
  out_has '"Written on the phone."' "the phone's text is kept"
  out_line "  to settle it: cairn resolve $P reflection TEXT" "conflict says how to resolve"
  run status --home "$home"
  out_line "1 unresolved conflict: 'cairn conflicts' shows them" "status counts the conflict"
done
run conflicts --json --home "$F"
out_has "{\"conflicts\":[{\"entity\":\"$P\",\"type\":\"pursuit\",\"field\":\"reflection\",\"values\":[" \
  "conflicts --json"

STDIN="Written on both."$'\n'
run_stdin resolve "$P" reflection - --home "$F"
expect_rc 0 "resolve"
run conflicts --home "$F"
expect_eq "$OUT" "No unresolved conflicts." "resolving clears the conflict"
run resolve "$P" reflection "again" --home "$F"
expect_rc 1 "resolve without a conflict"
err_has "no conflict on field 'reflection'" "nothing to resolve"

"$CAIRN" export - --home "$F" 2>/dev/null | "$CAIRN" import - --home "$G" >"$WORK/stdout" 2>&1
RC=$?
OUT=$(cat "$WORK/stdout")
expect_rc 0 "export to stdout, import from stdin"
run conflicts --home "$G"
expect_eq "$OUT" "No unresolved conflicts." "the resolution reaches the second device"
run status --json --home "$F"
STATUS_F=$OUT
run status --json --home "$G"
expect_eq "$(shared_state "$OUT")" "$(shared_state "$STATUS_F")" "both devices converge"

# Every change once in the log, however often it was received. Replica::ApplyEncoded stores a
# whole incoming batch under the one actor whose changes are new, duplicates included, and
# Replica::ChangesSince then lists those changes again (or fails, depending on actor order).
run log --home "$F"
expect_eq "$(grep -cE "$LOG_LINE_RE" <<<"$OUT")" 14 \
  "after overlapping imports the first device's log lists each of the 14 changes once"
run log --json --home "$G"
TOTAL_G=$(grep -oE '^\{"total":[0-9]+' <<<"$OUT" | grep -oE '[0-9]+$')
expect_eq "${TOTAL_G:-exit code $RC, $ERR}" 14 "the second device's log holds 14 changes"

# ---------------------------------------------------------------------------------------------
# Capture: files into the encrypted evidence store

C=$WORK/capture
run init --home "$C"
expect_rc 0 "init a store for captures"
run catalog publish "$CATALOG" --home "$C"
run pursue exit-tickets --home "$C"
CP=$OUT
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR a ticket that mixes up units' >"$WORK/ticket.png"
PNG_SHA=$(sha256sum "$WORK/ticket.png" | cut -d' ' -f1)
run capture "$WORK/ticket.png" --pursuit "$CP" --requirement student-work --caption "Ticket" \
  --home "$C"
expect_rc 0 "capture a photo"
if grep -qE "$UUID_RE" <<<"$(head -1 <<<"$OUT")"; then pass; else fail "capture prints the evidence id first"; fi
out_line "captured $WORK/ticket.png: image/png, 45 B (45 bytes), sha256 $PNG_SHA" \
  "capture prints the detected type, size and hash"
expect_eq "$(stat -c %a "$C/blob.key")" 600 "the blob key file is private"
BLOB=$C/blobs/${PNG_SHA:0:2}/$PNG_SHA
if [[ -f $BLOB ]]; then pass; else fail "the blob is stored under its hash"; fi
if grep -q "mixes up units" "$BLOB"; then fail "the blob is encrypted at rest"; else pass; fi

run capture "$WORK/ticket.png" --pursuit "$CP" --requirement student-work --json --home "$C"
expect_rc 0 "capture the same file again"
out_has "\"sha256\":\"$PNG_SHA\",\"size\":45,\"media_type\":\"image/png\"}" "capture --json"
expect_eq "$(find "$C/blobs/${PNG_SHA:0:2}" -type f ! -name '*.chunks' | wc -l)" 1 \
  "the same content is stored once"

printf 'Exit ticket: 12 of 25 students confused area and perimeter.\n' >"$WORK/notes.txt"
run capture "$WORK/notes.txt" --pursuit "$CP" --requirement student-work --home "$C"
expect_rc 0 "capture a text file"
out_has ": text/plain, 60 B" "text is detected from the content"

run evidence list "$CP" --home "$C"
out_has "image/png" "captured evidence is listed"

run capture "$WORK/nope.mp4" --pursuit "$CP" --requirement student-work --home "$C"
expect_rc 1 "capture a missing file"
err_has "there is no file $WORK/nope.mp4" "the missing file is named"
run capture "$WORK/ticket.png" --requirement student-work --home "$C"
expect_rc 2 "capture without --pursuit"
err_has "missing --pursuit ID" "--pursuit is required"
run capture "$WORK/ticket.png" --pursuit "$CP" --requirement nope --home "$C"
expect_rc 1 "capture for an unknown requirement"
err_has "asks for no artifact 'nope'; its artifacts are:" "the real artifacts are listed"
chmod 644 "$C/blob.key"
run capture "$WORK/ticket.png" --pursuit "$CP" --requirement student-work --home "$C"
expect_rc 1 "capture with a key file others may read"
err_has "chmod 600 $C/blob.key" "the fix for the key file is given"
chmod 600 "$C/blob.key"

# ---------------------------------------------------------------------------------------------
# badges: a credential as the server sends it (tests/cli/testdata/badge_changes.batch, made by
# cairn_badge_tests' CliBadgeFixtures), exported and verified offline. The fixtures' status list
# snapshot is of 2026-01-01, so every verification runs --now then.

BADGES=$HERE/testdata
NOW="--now 2026-01-01T00:00:00Z"
B=$WORK/badges-home
run init --home "$B"
run catalog publish "$CATALOG" --home "$B"
expect_rc 0 "badges: publish the demo catalog"
run badges list --home "$B"
expect_rc 0 "badges list with none"
out_has "No credentials yet" "badges list says there are none"
run import "$BADGES/badge_changes.batch" --home "$B"
expect_rc 0 "badges: import the server's credential change"

CRED=7f3c2a1e-5b7d-4c1a-9e2f-0d8b6a4c3e21
run badges list --home "$B"
expect_rc 0 "badges list"
out_matches "^$CRED  Exit Tickets for Formative Assessment  micro-credential  2025-03-01  active  2030-03-01$" \
  "badges list shows the credential"
run badges list --json --home "$B"
out_has "\"id\":\"$CRED\",\"entity\":" "badges list --json"
out_has '"valid_until":"2030-03-01T09:00:00.000Z"' "badges list --json has the expiry"
run badges show 7f3c --home "$B"
expect_rc 0 "badges show by prefix"
out_has "issuer       District 17 Professional Learning (did:web:badges.cairn.example:issuers:district-17)" \
  "badges show names the issuer"
out_has "evidence     Lesson video  ni:///sha-256;" "badges show lists the evidence hash"
run badges show 9999 --home "$B"
expect_rc 1 "badges show unknown"
err_has "no credential '9999' on this device" "the unknown credential is named"

run badges export "$CRED" --home "$B"
expect_rc 2 "badges export without --format"
err_has "missing --format json|jws|png|svg|pack" "the formats are listed"
run badges export "$CRED" --format gif --home "$B"
expect_rc 2 "badges export --format gif"
run badges export "$CRED" --format json --jws --home "$B"
expect_rc 2 "--jws only for images"

for format in png svg json jws pack; do
  run badges export "$CRED" --format "$format" --out "$WORK/badge.$format" --home "$B"
  expect_rc 0 "badges export --format $format"
  run badges verify "$WORK/badge.$format" $NOW --home "$B"
  expect_rc 0 "badges verify the exported $format"
  out_has "VALID: \"Exit Tickets for Formative Assessment\"" "the $format verifies"
done
run badges export "$CRED" --format png --out "$WORK/badge.png" --home "$B"
expect_rc 1 "badges export never overwrites"
run badges verify "$WORK/badge.png" $NOW --home "$B"
out_has "credential JSON baked in a PNG" "a PNG carries the JSON by default"
out_line "ok    proof            eddsa-rdfc-2022 proof verified with did:web:badges.cairn.example:issuers:district-17#key-1" \
  "the embedded proof is checked"
out_has "against the issuer's keys from this device" "a bare credential is checked against this device's keys"
run badges export "$CRED" --format svg --jws --out "$WORK/badge-jws.svg" --home "$B"
run badges verify "$WORK/badge-jws.svg" $NOW --home "$B"
expect_rc 0 "badges verify an SVG baked with the VC-JWT"
out_has "a VC-JWT baked in an SVG" "--jws bakes the VC-JWT"
run badges verify "$WORK/badge.pack" $NOW --home "$B"
out_has "keys from this device" "a pack of a credential held here is checked with this device's keys"

sed 's/"name":"Exit Tickets for Formative Assessment"/"name":"Exit Tickets (Distinction)"/' \
  "$WORK/badge.json" >"$WORK/tampered.json"
run badges verify "$WORK/tampered.json" $NOW --home "$B"
expect_rc 6 "badges verify a tampered credential"
out_matches "^FAIL  proof " "the proof fails"
out_matches "^FAIL  same-credential  the VC-JWT and the JSON credential differ in: name" \
  "the JWT comparison names the member"
out_has "INVALID:" "the verdict is invalid"
run badges verify "$WORK/badge.png" --now 2030-03-02T00:00:00Z --home "$B"
expect_rc 6 "badges verify after validUntil"
out_has "FAIL  dates            expired: validUntil 2030-03-01T09:00:00Z" "expiry is the reason"
run badges verify "$BADGES/badge_revoked_pack.json" $NOW --home "$B"
expect_rc 6 "badges verify a revoked credential"
out_has "revoked: the issuer's status list of 2026-01-01T00:00:00Z marks it" "revocation as of the snapshot"
run badges verify "$WORK/badge.png" --now yesterday --home "$B"
expect_rc 2 "badges verify --now must be RFC 3339"

printf 'a lesson video, pretend' >"$WORK/lesson.txt"
BP=$("$CAIRN" pursue exit-tickets --home "$B")
run capture "$WORK/lesson.txt" --pursuit "$BP" --requirement student-work --home "$B"
run badges verify "$WORK/badge.json" $NOW --home "$B"
out_matches '^ok    evidence\[0\]      credential.evidence\[0\] \("Lesson video"\): the file on this device matches sha256 ' \
  "evidence on this device is compared with its hash"
run badges verify "$WORK/badge.json" $NOW --json --home "$B"
out_has '{"valid":true,"credential":"https://badges.cairn.example/credentials/' "badges verify --json"
out_has '"keys_from":"this device"' "badges verify --json says whose keys"

F2=$WORK/badges-elsewhere
run init --home "$F2"
run badges verify "$WORK/badge.json" $NOW --home "$F2"
expect_rc 1 "badges verify a credential this device does not hold"
err_has "which is not on this device" "says the keys are not here"
err_has "verification pack" "points at the pack"
run badges verify "$WORK/badge.pack" $NOW --home "$F2"
expect_rc 0 "a pack verifies on any device"
out_has "keys from the pack" "elsewhere, a pack brings its own keys"
run badges verify "$WORK/lesson.txt" --home "$F2"
expect_rc 1 "badges verify a file that is no credential"
err_has "is neither a credential" "says what it is not"

# ---------------------------------------------------------------------------------------------

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

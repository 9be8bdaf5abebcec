#!/usr/bin/env bash
# Builds and runs every test: a normal build, clang-format and clang-tidy, then the same tests
# under AddressSanitizer + UndefinedBehaviorSanitizer. Run from anywhere, as root on a fresh
# Debian 12 machine (it installs what is missing first).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

bash scripts/install-deps.sh

echo "== format: clang-format"
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run -Werror

# The bad-network test (tests/network, label "network") builds real network namespaces and runs
# for minutes; it runs once, in the dev build, not again under the sanitizers.
build_and_test() {
  local preset=$1
  shift
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  # The OB 3.0 reference verifiers the badge tests run (third_party/ob3-kit, npm ci).
  bash scripts/ob3-kit.sh "build/$preset/ob3"
  echo "== $preset: tests"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" \
    ctest --preset "$preset" -j "$jobs" "$@"
}

build_and_test dev

echo "== lint: clang-tidy (dev build's compile commands)"
git ls-files -z 'core/src/*.cc' 'sync-server/src/*.cc' 'mobile-bridge/src/*.cc' 'transport/*.cc' \
  'tools/*.cc' \
  | xargs -0 -P "$jobs" -n 4 clang-tidy -p build/dev --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null > build/clang-tidy.log || true
if grep -q ': error:' build/clang-tidy.log; then
  grep ': error:' build/clang-tidy.log
  echo "clang-tidy found problems"
  exit 1
fi

build_and_test asan -LE network

echo "== fuzz: libFuzzer smoke runs of every decoder of network and file input"
fuzzers=(change_batch catalog_text sync_request blob_request issuer_request)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target "${fuzzers[@]/%/_fuzzer}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${fuzzers[@]}"; do
  mkdir -p "$scratch/$target"
  seeds=("tests/fuzz/corpus/$target")
  max_len=4096
  # The catalog's seeds are the example catalog's own micro-credentials (a few KiB each).
  if [ "$target" = catalog_text ]; then
    seeds=(docs/examples/catalog/micro-credentials)
    max_len=16384
  fi
  "build/fuzz/tests/fuzz/${target}_fuzzer" -max_total_time="${CAIRN_FUZZ_SECONDS:-20}" \
    -max_len="$max_len" -print_final_stats=1 "$scratch/$target" "${seeds[@]}"
done

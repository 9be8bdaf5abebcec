#!/usr/bin/env bash
# The module map lets Swift `import CairnCore`. No Swift toolchain exists here, so the module is
# built the way Swift's importer builds it: clang with -fmodules, imported from C, Objective-C,
# C++ and Objective-C++, warnings as errors. (Linux's C headers are not modules themselves, so
# -Wnon-modular-include-in-module, which Apple SDKs satisfy, is not asked for.)
# Usage: swift_module_test.sh BRIDGE_INCLUDE_DIR CORE_INCLUDE_DIR
set -euo pipefail
bridge_include=$1
core_include=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/use.m" <<'SRC'
@import CairnCore;
int main(void) { return cairn_abi_version() == CAIRN_ABI_VERSION && CAIRN_TOO_LARGE == 13 ? 0 : 1; }
SRC
cat >"$work/use.c" <<'SRC'
#include "cairn.h"
int main(void) { return cairn_abi_version() == CAIRN_ABI_VERSION && CAIRN_TOO_LARGE == 13 ? 0 : 1; }
SRC
for language in c objective-c c++ objective-c++; do
  source=$work/use.c
  [[ $language == objective-c* ]] && source=$work/use.m
  clang -x "$language" -fmodules -fcxx-modules -fmodules-cache-path="$work/cache-$language" \
    -I "$bridge_include" -I "$core_include" -Werror -Wall -Wextra -Wpedantic -fsyntax-only \
    "$source"
  ls "$work/cache-$language"/*/CairnCore-*.pcm >/dev/null  # the module itself was built
  echo "CairnCore imports as $language"
done

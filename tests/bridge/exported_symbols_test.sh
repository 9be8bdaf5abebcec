#!/usr/bin/env bash
# The shared library exports exactly the symbols of mobile-bridge/abi/cairn.symbols: each one
# cairn_*, none missing (an app built against the ABI would fail to load), none extra (no C++,
# OpenSSL, SQLite or protobuf symbol leaks to clash with an app's own copies).
# Usage: exported_symbols_test.sh LIBCAIRN_SO SYMBOLS_FILE
set -euo pipefail
library=$1
expected=$2
actual=$(nm -D --defined-only "$library" | awk '{print $3}' | sort)
status=0
if grep -v '^cairn_' <<<"$actual" | grep -q .; then
  echo "exported symbols that are not cairn_*:"
  grep -v '^cairn_' <<<"$actual" | head -20
  status=1
fi
missing=$(comm -23 "$expected" <(echo "$actual"))
extra=$(comm -13 "$expected" <(echo "$actual"))
if [[ -n $missing ]]; then
  echo "symbols of the ABI that the library no longer exports (apps built against it break):"
  echo "$missing"
  status=1
fi
if [[ -n $extra ]]; then
  echo "symbols the library exports that $expected does not list (add them if they are new ABI):"
  echo "$extra"
  status=1
fi
[[ $status == 0 ]] && echo "libcairn.so exports the $(wc -l <"$expected") symbols of the ABI"
exit $status

#!/usr/bin/env bash
# Compiles the Java tests of the Android binding and runs them with JUnit 5's console launcher
# (Debian's junit5) on this machine's JVM, with -Xcheck:jni so that every JNI call is checked.
# In a sanitizer build the JNI library carries ASan: the runtime is preloaded into the JVM (the
# JVM's own signals and allocations stay its own: handle_segv=0, no leak report).
# Usage: java_test.sh JAVA JAVAC CAIRN_JAR PROTOBUF_JAR JNI_DIR CAIRN_SERVER CATALOG PNG
set -euo pipefail
java=$1 javac=$2 cairn_jar=$3 protobuf_jar=$4 jni_dir=$5 server=$6 catalog=$7 png=$8
here=$(cd "$(dirname "$0")" && pwd)
junit=/usr/share/java/junit-platform-console-standalone.jar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
find "$here/java" -name '*.java' > "$work/sources.txt"
"$javac" --release 17 -Xlint:all -Werror -encoding UTF-8 -d "$work/classes" \
  -cp "$cairn_jar:$protobuf_jar:$junit" @"$work/sources.txt"
if ldd "$jni_dir/libcairn_jni.so" | grep -q libasan; then
  LD_PRELOAD=$(gcc -print-file-name=libasan.so)
  export LD_PRELOAD
  export ASAN_OPTIONS=handle_segv=0:detect_leaks=0:allow_user_segv_handler=1
fi
status=0
"$java" -Xcheck:jni -Djava.library.path="$jni_dir" \
  -Dcairn.server="$server" -Dcairn.catalog="$catalog" -Dcairn.png="$png" \
  -jar "$junit" --class-path "$work/classes:$cairn_jar:$protobuf_jar" \
  --select-package org.cairn --fail-if-no-tests --disable-banner --details=tree \
  > "$work/run.log" 2>&1 || status=$?
cat "$work/run.log"
# -Xcheck:jni reports misuse as warnings; here they fail the test.
if grep -q "WARNING in native method" "$work/run.log"; then
  echo "java_test.sh: -Xcheck:jni found misuse of JNI (above)"
  exit 1
fi
exit "$status"

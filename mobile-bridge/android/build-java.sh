#!/usr/bin/env bash
# Builds cairn.jar: the Java API (java/org/cairn) and the classes protoc generates from
# schemas/cairn/v1 (package org.cairn.v1), against Debian's protobuf-java.
# Usage: build-java.sh PROTOC JAVAC JAR SCHEMAS_DIR PROTOBUF_JAR OUT_JAR
set -euo pipefail
protoc=$1 javac=$2 jar=$3 schemas=$4 protobuf_jar=$5 out=$6
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gen" "$work/classes"
"$protoc" -I "$schemas" --java_out="$work/gen" "$schemas"/cairn/v1/*.proto
# Generated code is compiled as it is; the API with every lint, warnings as errors.
find "$work/gen" -name '*.java' > "$work/generated.txt"
"$javac" --release 17 -nowarn -encoding UTF-8 -d "$work/classes" -cp "$protobuf_jar" @"$work/generated.txt"
find "$here/java" -name '*.java' > "$work/api.txt"
"$javac" --release 17 -Xlint:all -Werror -encoding UTF-8 -d "$work/classes" \
  -cp "$work/classes:$protobuf_jar" @"$work/api.txt"
"$jar" --create --file "$out.tmp" -C "$work/classes" .
mv "$out.tmp" "$out"

#!/bin/sh
# Rebuilds ../resources/compat/gateway-plugin-compat-1.1-1.0.0.jar from these sources, compiled
# against the released SPI 1.1 (gateway-api/src/compat/gateway-api-1.1.jar), not the current
# gateway-api: the jar stands for a plugin built before later API changes. Needs a JDK 17+.
#
# Run it only when this fixture itself must change, and commit the jar with the sources. The
# output is reproducible (fixed entry order and timestamps).
set -eu
export TZ=UTC LC_ALL=C
here="$(cd "$(dirname "$0")" && pwd)"
api="$here/../../../../gateway-api/src/compat/gateway-api-1.1.jar"
out="$here/../resources/compat/gateway-plugin-compat-1.1-1.0.0.jar"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/classes" "$(dirname "$out")"
find "$here/src/main/java" -name '*.java' | LC_ALL=C sort > "$work/sources"
javac --release 17 -encoding UTF-8 -proc:none -Xlint:all -Werror \
    -cp "$api" -d "$work/classes" @"$work/sources"
cp -R "$here/src/main/resources/." "$work/classes/"

printf 'Created-By: Tollgate compat fixture build.sh\n' > "$work/manifest"
(cd "$work/classes" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) > "$work/entries"
rm -f "$out"
(cd "$work/classes" && jar --create --file "$out" --manifest "$work/manifest" \
    --date 2026-01-01T00:00:00Z @"$work/entries")
echo "built $out"

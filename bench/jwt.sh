#!/bin/sh
# The cost of checking one JWT (RS256 and HS256) with a key already in memory: the jwt filter's
# TokenValidator — parse, key selection, signature (Nimbus JOSE+JWT), claims, principal — on one
# thread, without JMH: a warm-up, then rounds of N calls, ns/op per round and the median.
#
#   bench/jwt.sh [iterations per round] [warm-up seconds] [rounds]     (defaults 200000 30 5)
#
# Builds the plugin's test classes offline (needs gateway-api and gateway-runtime's test-jar in
# ~/.m2, as for the module's tests). JAVA_HOME selects the JDK.
set -eu
cd "$(dirname "$0")/.."
module=plugins/auth-jwt
mvn -B -o -q test-compile -pl "$module"
classpath_file=$module/target/bench-classpath.txt
mvn -B -o -q dependency:build-classpath -pl "$module" -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file"
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
"$java" -Xms512m -Xmx512m -cp "$module/target/test-classes:$module/target/classes:$(cat "$classpath_file")" \
  dev.tollgate.plugin.authjwt.JwtValidationBenchmark "${1:-200000}" "${2:-30}" "${3:-5}"
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"

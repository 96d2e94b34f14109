#!/bin/sh
# The rate-limit filter's stores: the cost of one decision of the local store (one thread, 1024
# keys) and of the Redis store (one at a time — the round trip — and 64 in flight), for both
# algorithms; then the accuracy of one sliding-window limit (100/s) shared by three gateway
# instances through Redis under overload (24 clients): admitted per second / limit.
#
#   bench/ratelimit.sh [rounds] [accuracy seconds]      (defaults 5 12)
#
# Needs the Redis at 127.0.0.1:6379. Builds the plugin's test classes offline (needs gateway-api
# and gateway-runtime's test-jar in ~/.m2, as for the module's tests). JAVA_HOME selects the JDK.
set -eu
cd "$(dirname "$0")/.."
module=plugins/rate-limit
mvn -B -o -q test-compile -pl "$module"
classpath_file=$module/target/bench-classpath.txt
mvn -B -o -q dependency:build-classpath -pl "$module" -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file"
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
"$java" -Xms512m -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$module/target/test-classes:$module/target/classes:$(cat "$classpath_file")" \
  dev.tollgate.plugin.ratelimit.RateLimitBenchmark "${1:-5}" "${2:-12}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uptime | sed 's/.*load average/load average/')"

#!/bin/sh
# Start-up time to ready and idle memory of the built distribution on its embedded default.
#
#   bench/startup.sh [runs]      (build first: mvn -B package -DskipTests)
#
# For each run: start bin/gateway, poll /health/ready every 10 ms and report the milliseconds from
# launch to the first 200; after 10 s idle, report the process RSS and the JVM heap in use (from
# /metrics). The first run of a fresh home also generates the development certificate and records
# the class data sharing archive (on exit); it is reported separately. The later runs use both.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-5}
home=distribution/target/gateway
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
port=${GATEWAY_HTTP_PORT:-18080}
export GATEWAY_HTTP_PORT=$port GATEWAY_HTTPS_PORT=$((port + 363))

now_ms() { date +%s%3N; }

measure() {
  start=$(now_ms)
  "$home/bin/gateway" >/tmp/tollgate-startup.log 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready"; do
    sleep 0.01
    kill -0 "$pid" 2>/dev/null || { echo "gateway exited; see /tmp/tollgate-startup.log" >&2; exit 1; }
  done
  ready=$(($(now_ms) - start))
  sleep 10
  rss=$(ps -o rss= -p "$pid" | tr -d ' ')
  heap=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^jvm_memory_heap_used /{printf "%d", $2/1024}')
  kill -TERM "$pid"
  # The first run writes the class data sharing archive as it exits.
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "$1 ready_ms=$ready rss_kib=$rss heap_used_kib=$heap"
}

rm -rf "$home/data"
measure "first-start(cert generated)"
i=1
while [ "$i" -le "$runs" ]; do
  measure "run-$i"
  i=$((i + 1))
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"

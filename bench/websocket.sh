#!/bin/sh
# WebSocket hub benchmark: memory per connection and fan-out delivery of the built distribution.
#
#   bench/websocket.sh [connections] [rate] [seconds]     (defaults: 1000 100 10)
#
# Starts the gateway with a bench configuration (a hub route; the Redis event bridge when its plugin
# jar is in plugins.d, else the in-memory bus), measures its heap in use (after a forced GC) and RSS,
# opens the connections from as many load processes (bench/WebSocketLoad.java, JDK only) as the
# 20 000-open-files limit needs, each subscribing to one of CHANNELS channels, measures again, then
# publishes `rate` messages per second for `seconds` (after WARMUP seconds of the same, unmeasured)
# through Redis PUBLISH (backend → Redis → the gateway's bridge → hub → clients) or, with the
# in-memory bus, the hub's publish message, and reports deliveries per second and their latency.
# Fan-out: every published message goes to connections/CHANNELS clients, e.g.
#   CHANNELS=1 bench/websocket.sh 10000 100 30     (1 channel × 10 000 clients × 100 msg/s)
#
# Build first: mvn -B package -DskipTests. Installs curl and the JDK's jcmd from Debian when they
# are missing. Raises no limit: the gateway holds at most ≈ 19 500 sockets (ulimit -n 20 000), so
# 100 000 connections are stated as an extrapolation (per-connection cost × 100 000 + baseline).
# Environment: CHANNELS (10), WARMUP (30 s), PAYLOAD_BYTES (0: ≈ 45-byte JSON), PER_PROCESS
# (connections per load process, 9500), THREADS (selector threads per load process, 2), RAMP
# (connections per second, 2000), MAX_PENDING (handshakes in flight, 1024: below somaxconn 4096),
# SLOW_CONSUMER (the hub's policy for a full client queue: drop-oldest or close; drop-oldest),
# PUBLISH (redis or hub; default redis when the bridge is there), REDIS (127.0.0.1:6379),
# JAVA_OPTS (the gateway's), CLIENT_JAVA_OPTS (the load processes', -Xmx1g -XX:+UseParallelGC),
# DISTRIBUTION (the gateway to run, distribution/target/gateway: another build for an A/B run),
# LABEL (the run's name in the results, "run").
#
# Each run adds a row to bench/results/websocket.tsv and redraws bench/results/websocket.png from its
# last 12 rows (deliveries/s, latency p50/p99, heap per connection and gateway CPU per delivery per
# run), with Debian's gnuplot (gnuplot-nox, installed when missing).
set -eu
cd "$(dirname "$0")/.."
connections=${1:-1000}
rate=${2:-100}
seconds=${3:-10}
channels=${CHANNELS:-10}
warmup=${WARMUP:-30}
payload_bytes=${PAYLOAD_BYTES:-0}
per_process=${PER_PROCESS:-9500}
threads=${THREADS:-2}
ramp=${RAMP:-2000}
max_pending=${MAX_PENDING:-1024}
slow_consumer=${SLOW_CONSUMER:-drop-oldest}
redis=${REDIS:-127.0.0.1:6379}
client_java_opts=${CLIENT_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}
home=${DISTRIBUTION:-$PWD/distribution/target/gateway}
port=19300
drain=2
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
ls "$home"/plugins.d/gateway-plugin-websocket-hub-*.jar >/dev/null 2>&1 || { echo "the websocket-hub plugin is missing from $home/plugins.d" >&2; exit 1; }

[ "$channels" -le "$connections" ] || { echo "CHANNELS ($channels) must not exceed the connections ($connections): every channel needs a subscriber" >&2; exit 1; }
files=$(ulimit -n)
if [ "$files" != unlimited ] && [ "$connections" -gt $((files - 500)) ]; then
  echo "one gateway process may open $files files here: at most $((files - 500)) connections (asked for $connections)" >&2
  exit 1
fi
if [ "$files" != unlimited ] && [ "$per_process" -gt $((files - 300)) ]; then
  per_process=$((files - 300))
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v jcmd >/dev/null 2>&1 || missing="$missing openjdk-17-jdk-headless"
command -v ps >/dev/null 2>&1 || missing="$missing procps"
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if [ -n "${PUBLISH:-}" ]; then
  publish=$PUBLISH
elif ls "$home"/plugins.d/gateway-plugin-event-bridge-redis-*.jar >/dev/null 2>&1; then
  publish=redis
else
  publish=hub
fi
case $publish in
  redis) ls "$home"/plugins.d/gateway-plugin-event-bridge-redis-*.jar >/dev/null 2>&1 \
           || { echo "PUBLISH=redis needs the event-bridge-redis plugin in $home/plugins.d" >&2; exit 1; } ;;
  hub) ;;
  *) echo "PUBLISH must be redis or hub" >&2; exit 1 ;;
esac

work=$(mktemp -d /tmp/tollgate-bench-websocket.XXXXXX)
gateway_pid=""
client_pids=""
cleanup() {
  for pid in $client_pids $gateway_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# --- The gateway, from the built distribution, with a bench configuration.
run_id="tollgate-bench-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
if [ "$publish" = redis ]; then
  events="redis { default { address = \"redis://$redis\" } }, events { bridge = redis, redis { channel-prefix = \"$run_id:\", key-prefix = \"$run_id:\" } }"
else
  events="events { bridge = local }"
fi
mkdir -p "$work/gateway/conf" "$work/gateway/data" "$work/sync"
cat > "$work/gateway/conf/gateway.conf" <<CONF
gateway {
  server {
    host = "127.0.0.1"
    http { port = $port }
    https { enabled = false }
    management.port = $((port + 1))
    # Up to the open-file limit, as the hub's own cap below.
    limits.max-connections = 0
  }
  logging.level = WARN
  $events
  plugins.websocket-hub {
    max-connections = 200000
    # What the queues may hold together: room for every connection's queue to fill (64 KiB each),
    # so that the benchmark measures delivery, not the budget.
    queue-budget = 16GiB
    channel-defaults { slow-consumer = $slow_consumer }
    permissions = [
      { channels = "bench:*", subscribe = true, publish = true, anonymous = true }
      { channels = "*", subscribe = true, anonymous = true }
    ]
  }
  routes = [
    # The publisher (PUBLISH=hub) sends every event over one connection without waiting for replies:
    # lift the client limits that would refuse it.
    { path = "/ws", endpoint = { name = hub, max-queued-bytes = 64KiB, idle-timeout = 10m,
                                 max-messages-per-second = 1000000, max-publishes-in-flight = 100000 } }
  ]
}
CONF
ln -s "$home/lib" "$work/gateway/lib"
ln -s "$home/plugins.d" "$work/gateway/plugins.d"
GATEWAY_HOME="$work/gateway" GATEWAY_CDS=off "$home/bin/gateway" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
tries=0
until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready"; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { echo "the gateway did not start; see $work/gateway.log" >&2; exit 1; }
  kill -0 "$gateway_pid" 2>/dev/null || { echo "the gateway exited; see $work/gateway.log" >&2; cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.1
done

load() { # runs one load process in place of the calling (sub)shell, so that $! is the JVM
  # shellcheck disable=SC2086
  exec java $client_java_opts bench/WebSocketLoad.java --url "ws://127.0.0.1:$port/ws" --channels "$channels" \
    --threads "$threads" --payload-bytes "$payload_bytes" --drain "$drain" --redis "$redis" --redis-prefix "$run_id:" "$@"
}

heap_kib() { # forces a full GC, then reads the heap in use from /metrics
  jcmd "$gateway_pid" GC.run >/dev/null
  curl -fs "http://127.0.0.1:$((port + 1))/metrics" | awk '/^jvm_memory_heap_used /{printf "%d", $2/1024}'
}
rss_kib() { ps -o rss= -p "$gateway_pid" | tr -d ' '; }
open_files() { ls "/proc/$gateway_pid/fd" | wc -l; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
system_ticks() { awk '{print $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hub_connections() { curl -fs "http://127.0.0.1:$((port + 1))/metrics" | awk '/^tollgate_websocket_hub_connections /{printf "%d", $2}'; }

# A short run first, so that the WebSocket, hub and bus code is loaded before the baseline.
echo "priming the gateway (50 connections, 2 s) ..." >&2
(load --connections 50 --channels 5 --publish "$publish" --rate 200 --duration 2 --sources 127.0.0.2) \
  >"$work/prime.log" 2>&1 || { echo "the priming run failed:" >&2; tail -20 "$work/prime.log" >&2; exit 1; }
grep -q " errors=0$" "$work/prime.log" || { echo "the priming run saw errors:" >&2; tail -8 "$work/prime.log" >&2; exit 1; }
sleep 2

jcmd "$gateway_pid" GC.class_histogram >"$work/histogram-before.txt"
heap_before=$(heap_kib)
rss_before=$(rss_kib)
files_before=$(open_files)

# --- The load processes: process 0 also publishes and prints the merged report.
processes=$(((connections + per_process - 1) / per_process))
[ "$processes" -ge 1 ] || processes=1
echo "opening $connections connections from $processes load process(es) at $ramp/s ..." >&2
i=0
first=0
while [ "$i" -lt "$processes" ]; do
  count=$(((connections - first) / (processes - i)))
  role="--publish none"
  [ "$i" -eq 0 ] && role="--publish $publish --rate $rate --duration $seconds --warmup $warmup"
  # shellcheck disable=SC2086
  load --connections "$count" --first-connection "$first" --total-connections "$connections" \
    --sources "127.0.0.$((2 + i))" --ramp $((ramp / processes + 1)) --max-pending $((max_pending / processes + 1)) \
    --sync-dir "$work/sync" --processes "$processes" --process-id "$i" $role >"$work/load-$i.log" 2>&1 &
  client_pids="$client_pids $!"
  first=$((first + count))
  i=$((i + 1))
done

alive_or_fail() {
  for pid in $client_pids; do
    kill -0 "$pid" 2>/dev/null && continue
    wait "$pid" 2>/dev/null && continue
    echo "a load process failed:" >&2
    tail -n 20 "$work"/load-*.log >&2
    exit 1
  done
}
i=0
while [ "$i" -lt "$processes" ]; do
  until [ -f "$work/sync/ready-$i" ]; do alive_or_fail; sleep 0.2; done
  i=$((i + 1))
done
subscribed=$(cat "$work"/sync/ready-* | awk -F= '/^subscribed=/{s += $2} END {print s + 0}')
failed=$(cat "$work"/sync/ready-* | awk -F= '/^failed=/{s += $2} END {print s + 0}')
ticks=$(getconf CLK_TCK)
idle_start=$(cpu_ticks "$gateway_pid")
sleep 5
idle_cpu=$(awk -v t="$ticks" -v a="$idle_start" -v b="$(cpu_ticks "$gateway_pid")" 'BEGIN {printf "%.1f", (b - a) / t / 5 * 100}')
jcmd "$gateway_pid" GC.class_histogram >"$work/histogram-connected.txt"
heap_after=$(heap_kib)
rss_after=$(rss_kib)
files_after=$(open_files)
hub_open=$(hub_connections)

echo "publishing $rate/s for ${seconds}s after a ${warmup}s warm-up ..." >&2
gateway_cpu_start=$(cpu_ticks "$gateway_pid")
client_cpu_start=0
for pid in $client_pids; do client_cpu_start=$((client_cpu_start + $(cpu_ticks "$pid"))); done
start_ms=$(date +%s%3N)
touch "$work/sync/go"
# CPU of the measured window: from the end of the warm-up to the last delivery.
until [ -f "$work/sync/published" ] || [ "$warmup" = 0 ]; do
  alive_or_fail
  if [ $(($(date +%s%3N) - start_ms)) -ge $((warmup * 1000)) ]; then break; fi
  sleep 0.1
done
gateway_cpu_measured=$(cpu_ticks "$gateway_pid")
gateway_system_measured=$(system_ticks "$gateway_pid")
client_cpu_measured=0
for pid in $client_pids; do client_cpu_measured=$((client_cpu_measured + $(cpu_ticks "$pid"))); done
measured_ms=$(date +%s%3N)
until [ -f "$work/sync/result-0" ]; do alive_or_fail; sleep 0.1; done
end_ms=$(date +%s%3N)
gateway_cpu_end=$(cpu_ticks "$gateway_pid")
gateway_system_end=$(system_ticks "$gateway_pid")
client_cpu_end=0
for pid in $client_pids; do client_cpu_end=$((client_cpu_end + $(cpu_ticks "$pid"))); done
for pid in $client_pids; do wait "$pid" || true; done
client_pids=""
rss_end=$(rss_kib)

report=$(grep -A8 '^WebSocket hub load' "$work/load-0.log" || true)
result=$(grep '^RESULT ' "$work/load-0.log" | tail -1)
[ -n "$result" ] || { echo "no result from the load processes:" >&2; tail -n 20 "$work"/load-*.log >&2; exit 1; }
field() { echo "$result" | tr ' ' '\n' | awk -F= -v key="$1" '$1 == key {print $2}'; }

echo
echo "$report"
echo
awk -v n="$subscribed" -v failed="$failed" -v hb="$heap_before" -v ha="$heap_after" -v rb="$rss_before" \
    -v ra="$rss_after" -v re="$rss_end" -v fb="$files_before" -v fa="$files_after" -v hub="$hub_open" 'BEGIN {
  mib = 1024
  printf "gateway memory, %d connections open (%d failed; hub gauge %d)\n", n, failed, hub
  printf "%-26s%14s%14s%18s\n", "", "before", "connected", "per connection"
  printf "%-26s%10.1f MiB%10.1f MiB%14.2f KiB\n", "heap in use (after GC)", hb / mib, ha / mib, n ? (ha - hb) / n : 0
  printf "%-26s%10.1f MiB%10.1f MiB%14.2f KiB\n", "RSS", rb / mib, ra / mib, n ? (ra - rb) / n : 0
  printf "%-26s%14d%14d%18.2f\n", "open files", fb, fa, n ? (fa - fb) / n : 0
  if (n) {
    printf "extrapolation to 100 000 connections (per-connection cost x 100 000 + baseline, not measured):\n"
    printf "  heap %.0f MiB, RSS %.0f MiB\n", (hb + (ha - hb) / n * 100000) / mib, (rb + (ra - rb) / n * 100000) / mib
  }
  printf "RSS after the publishing run: %.1f MiB\n", re / mib
}'
# What the connections hold, by class: the live-object histograms (each after a full GC) subtracted.
awk -v n="$subscribed" '
  FNR == 1 { file++ }
  $1 ~ /^[0-9]+:$/ { key = $4; if (file == 1) { bi[key] = $2; bb[key] = $3 } else { ai[key] = $2; ab[key] = $3 } }
  END {
    if (!n) exit
    total = 0
    for (k in ab) { d = ab[k] - bb[k]; total += d; if (d > 0) rows[k] = d }
    for (k in bb) if (!(k in ab)) total -= bb[k]
    printf "heap per connection by class (live-object histograms before and after; all classes: %.0f B):\n", total / n
    count = 0
    while (count < 15) {
      best = ""; max = 0
      for (k in rows) if (rows[k] > max) { max = rows[k]; best = k }
      if (best == "") break
      printf "  %8.1f B  %6.2f objects  %s\n", max / n, (ai[best] - bi[best]) / n, best
      delete rows[best]; count++
    }
  }' "$work/histogram-before.txt" "$work/histogram-connected.txt"
echo "gateway CPU with the connections open and idle (5 s, pings included): $idle_cpu % of one core"
# The load processes end with $drain s without deliveries: not part of the window.
measured_s=$(awk -v a="$measured_ms" -v b="$end_ms" -v d="$drain" 'BEGIN {printf "%.1f", (b - a) / 1000 - d}')
awk -v t="$ticks" -v g0="$gateway_cpu_measured" -v g1="$gateway_cpu_end" -v k0="$gateway_system_measured" -v k1="$gateway_system_end" \
    -v c0="$client_cpu_measured" \
    -v c1="$client_cpu_end" -v s="$measured_s" -v d="$(field delivered)" -v cores="$(nproc)" 'BEGIN {
  if (s <= 0) exit
  printf "CPU from the end of the warm-up to the last delivery (%.1f s, %d cores = %d %%): gateway %.0f %%, load processes %.0f %%\n",
    s, cores, cores * 100, (g1 - g0) / t / s * 100, (c1 - c0) / t / s * 100
  if (d > 0) printf "gateway CPU per delivered message (all its CPU in the window, idle work included): %.2f us (kernel %.2f us, JVM %.2f us)\n",
    (g1 - g0) / t / d * 1e6, (k1 - k0) / t / d * 1e6, ((g1 - g0) - (k1 - k0)) / t / d * 1e6
}'
echo "delivery: $(field delivered_per_s) delivered/s (sustained, warm-up included: $(field sustained_per_s)/s), p50 $(field p50_us) us, p99 $(field p99_us) us, loss $(field lost) of $(field expected) ($(field loss_pct) %), publish via $publish"
# --- The results table and its chart.
results=bench/results
mkdir -p "$results"
[ -f "$results/websocket.tsv" ] || printf 'date\tlabel\tconnections\tchannels\trate\tdelivered_per_s\tp50_ms\tp99_ms\theap_kib_per_connection\tcpu_us_per_delivery\tjava\n' >"$results/websocket.tsv"
heap_per_connection=$(awk -v n="$subscribed" -v hb="$heap_before" -v ha="$heap_after" 'BEGIN {printf "%.2f", n ? (ha - hb) / n : 0}')
cpu_per_delivery=$(awk -v t="$ticks" -v g0="$gateway_cpu_measured" -v g1="$gateway_cpu_end" -v d="$(field delivered)" \
  'BEGIN {printf "%.2f", (d > 0 ? (g1 - g0) / t / d * 1e6 : 0)}')
java_version=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1 | tr -d '"')
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "${LABEL:-run}" "$subscribed" "$channels" "$rate" \
  "$(field delivered_per_s)" "$(awk -v u="$(field p50_us)" 'BEGIN {printf "%.2f", u / 1000}')" \
  "$(awk -v u="$(field p99_us)" 'BEGIN {printf "%.2f", u / 1000}')" "$heap_per_connection" "$cpu_per_delivery" "$java_version" >>"$results/websocket.tsv"
{ head -1 "$results/websocket.tsv"; tail -n +2 "$results/websocket.tsv" | tail -12; } >"$work/chart.tsv"
gnuplot <<PLOT
set terminal pngcairo size 1500,640 font "sans,10"
set output "$results/websocket.png"
set datafile separator "\t"
set key autotitle columnhead top left
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -40 left noenhanced
set key opaque
set bmargin 12
set grid ytics
set multiplot layout 1,3 title "bench/websocket.sh: the gateway's WebSocket hub (last runs; label, connections / channels, published msg/s)" noenhanced
set title "deliveries per second"
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0
plot "$work/chart.tsv" using 6:xticlabels(sprintf("%s %d/%d %d/s", strcol(2), column(3), column(4), column(5))) title "delivered/s" lc rgb "#3b7dd8"
set title "delivery latency (ms, log scale)"
set logscale y
set yrange [*:*]
set offsets 0, 0, 0, 0
plot "$work/chart.tsv" using 7:xticlabels(sprintf("%s %d/%d", strcol(2), column(3), column(4))) title "p50" lc rgb "#5aa469", \
     "" using 8 title "p99" lc rgb "#d35d47"
unset logscale y
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0
set title "cost per connection and per delivery"
plot "$work/chart.tsv" using 9:xticlabels(sprintf("%s %d/%d", strcol(2), column(3), column(4))) title "heap KiB per idle connection" lc rgb "#8e6cc0", \
     "" using 10 title "gateway CPU us per delivery" lc rgb "#e0a030"
unset multiplot
PLOT
echo "results: $results/websocket.tsv (this run added), chart: $results/websocket.png"
echo "bench: connections=$connections rate=$rate seconds=$seconds channels=$channels warmup=$warmup payload_bytes=$payload_bytes processes=$processes slow_consumer=$slow_consumer gateway JAVA_OPTS='${JAVA_OPTS:-}'; logs in $work"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"

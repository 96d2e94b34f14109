#!/bin/sh
# Soak: the built distribution under steady load for a long time — 70 % of its measured peak
# through a proxied route (HTTP/1.1, h2load at a fixed rate) and thousands of hub WebSocket clients
# receiving published messages — reporting failed requests, WebSocket errors and lost messages, and
# the heap after a full GC and the RSS every 5 minutes while every connection is open (a leak shows
# as a rising series).
#
#   bench/soak.sh [minutes] [websocket-connections] [load-percent]     (defaults: 30 5000 70)
#
# Build first: mvn -B package -DskipTests. Installs nghttp2-client (h2load), nginx-light, curl and
# the JDK's jcmd from Debian when missing. Environment: RATE (published messages per second, 100),
# CHANNELS (100), CONNECTIONS (h2load clients, 50), SAMPLE (seconds between heap samples, 300),
# JAVA_OPTS (the gateway's).
set -eu
cd "$(dirname "$0")/.."
minutes=${1:-30}
websockets=${2:-5000}
percent=${3:-70}
rate=${RATE:-100}
channels=${CHANNELS:-100}
clients=${CONNECTIONS:-50}
home=$PWD/distribution/target/gateway
port=19320
management=19321
backend=19322
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v h2load >/dev/null 2>&1 || missing="$missing nghttp2-client"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v jcmd >/dev/null 2>&1 || missing="$missing openjdk-17-jdk-headless"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/tollgate-bench-soak.XXXXXX)
chmod 755 "$work"
gateway_pid=""
load_pid=""
http_pid=""
cleanup() {
  for pid in $http_pid $load_pid $gateway_pid; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# --- The backend: nginx serving a 1 KiB file.
mkdir -p "$work/www" "$work/logs" "$work/gateway/conf" "$work/gateway/data"
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 > "$work/www/1k.txt"
chmod -R a+rX "$work/www"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$backend; root $work/www; } }
NGINX
"$NGINX" -c "$work/nginx.conf"

# --- The gateway: a proxied route and a hub route.
cat > "$work/gateway/conf/gateway.conf" <<CONF
gateway {
  server {
    host = "127.0.0.1"
    http { port = $port }
    https { enabled = false }
    management.port = $management
  }
  logging.level = WARN
  events { bridge = local }
  plugins.websocket-hub {
    max-connections = 200000
    permissions = [ { channels = "soak:*", subscribe = true, publish = true, anonymous = true } ]
  }
  services { files { backend = http, instances = ["http://127.0.0.1:$backend"] } }
  routes = [
    { path = "/api/**", service = { name = files, strip-prefix = "/api" } }
    { path = "/ws", endpoint = { name = hub, idle-timeout = 10m } }
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
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.1
done
url="http://127.0.0.1:$port/api/1k.txt"

heap_kib() { jcmd "$gateway_pid" GC.run >/dev/null; curl -fs "http://127.0.0.1:$management/metrics" | awk '/^jvm_memory_heap_used /{printf "%d", $2/1024}'; }
rss_kib() { ps -o rss= -p "$gateway_pid" | tr -d ' '; }

echo "warming up (30 s), then measuring the peak (20 s) ..." >&2
h2load --h1 -t1 -c"$clients" -D 30 "$url" >/dev/null
peak=$(h2load --h1 -t1 -c"$clients" -D 20 "$url" | awk '/^finished in/{for (i = 1; i <= NF; i++) if ($i ~ /req\/s/) {print int($(i - 1)); exit}}')
target=$((peak * percent / 100))
per_client=$((target / clients))
[ "$per_client" -ge 1 ] || per_client=1
echo "peak $peak req/s; soaking at $((per_client * clients)) req/s ($percent %) and $websockets WebSocket clients for $minutes min" >&2

# --- The WebSocket clients (connected until after the HTTP load ends: the last sample is taken
# under load), then the baseline.
seconds=$((minutes * 60))
java -Xmx1g -XX:+UseParallelGC bench/WebSocketLoad.java --url "ws://127.0.0.1:$port/ws" --connections "$websockets" \
  --channels "$channels" --publish hub --rate "$rate" --warmup 20 --duration "$((seconds + 120))" --sources 127.0.0.2 \
  --channel-prefix soak: >"$work/websocket.log" 2>&1 &
load_pid=$!
hub_connections() { curl -fs "http://127.0.0.1:$management/metrics" | awk '/^tollgate_websocket_hub_connections /{printf "%d", $2}'; }
until [ "$(hub_connections)" -ge "$websockets" ] 2>/dev/null; do
  kill -0 "$load_pid" 2>/dev/null || { echo "the WebSocket load failed:" >&2; tail -20 "$work/websocket.log" >&2; exit 1; }
  sleep 1
done
sleep 20
heap_start=$(heap_kib)
rss_start=$(rss_kib)

# Heap after a full GC and RSS every SAMPLE seconds (300) while every connection is open: a leak
# shows as a rising series, whatever the start and the end say.
sample=${SAMPLE:-300}
echo "minute heap_after_gc_kib rss_kib" >"$work/samples.txt"
echo "0 $heap_start $rss_start" >>"$work/samples.txt"
h2load --h1 -t1 -c"$clients" --rps="$per_client" -D "$seconds" "$url" >"$work/h2load.log" 2>&1 &
http_pid=$!
elapsed=0
while [ $((elapsed + sample)) -lt "$seconds" ]; do
  sleep "$sample"
  elapsed=$((elapsed + sample))
  echo "$((elapsed / 60)) $(heap_kib) $(rss_kib)" >>"$work/samples.txt"
done
wait "$http_pid" || true
heap_end=$(heap_kib)
rss_end=$(rss_kib)
echo "$minutes $heap_end $rss_end" >>"$work/samples.txt"
wait "$load_pid" || true
load_pid=""
heap_closed=$(heap_kib)

requests=$(awk '/^requests:/{print $2}' "$work/h2load.log")
succeeded=$(awk '/^requests:/{for (i = 1; i <= NF; i++) if ($i == "succeeded,") print $(i - 1)}' "$work/h2load.log")
failed=$(awk '/^requests:/{for (i = 1; i <= NF; i++) if ($i == "failed,") print $(i - 1)}' "$work/h2load.log")
errored=$(awk '/^requests:/{for (i = 1; i <= NF; i++) if ($i == "errored,") print $(i - 1)}' "$work/h2load.log")
non_2xx=$(awk '/^status codes:/{gsub(/,/, ""); print $5 + $7 + $9}' "$work/h2load.log")
ws=$(grep -E "closed_by_gateway=" "$work/websocket.log" | tail -1)
field() { echo "$ws" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

echo "machine:                    $(nproc) cores, $(uname -r), java $(java -version 2>&1 | head -1)"
achieved=$(awk '/^finished in/{for (i = 1; i <= NF; i++) if ($i ~ /req\/s/) {print int($(i - 1)); exit}}' "$work/h2load.log")
echo "HTTP (proxied, HTTP/1.1):   $requests requests for $minutes min, $achieved/s (asked $((per_client * clients))/s); succeeded $succeeded, failed $failed, errored $errored, non-2xx $non_2xx"
echo "WebSocket:                  $(field subscribed) of $websockets subscribed, closed by the gateway $(field closed_by_gateway), errors $(field errors); messages delivered $(field delivered) of $(field expected)"
echo "heap after GC (KiB):        start $heap_start, end $heap_end (under load); $heap_closed once the WebSocket clients left"
echo "RSS (KiB):                  start $rss_start, end $rss_end"
echo "samples (under load):"
sed 's/^/  /' "$work/samples.txt"
echo "details: $work"
[ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] && [ "${non_2xx:-1}" = 0 ] && [ "$(field errors)" = 0 ] \
  && [ "$(field closed_by_gateway)" = 0 ] || { echo "FAILED" >&2; exit 1; }
echo "OK"

#!/bin/sh
# Reloads under load, end to end: the built distribution serves HTTP/1.1 (wrk) and WebSocket
# (bench/WebSocketLoad.java: hub connections receiving published messages) while
# `bin/gateway reload` applies a changed conf/gateway.conf RELOADS times (SIGHUP through
# data/gateway.pid). It then reports wrk's requests, non-2xx answers and socket errors, the
# WebSocket connections the gateway closed and the messages lost, and fails unless all are 0.
#
#   bench/reload.sh [reloads] [seconds]     (defaults: 10 30)
#
# Build first: mvn -B package -DskipTests. Installs wrk and curl from Debian when missing.
# Environment: CONNECTIONS (WebSocket connections, 200), RATE (messages per second, 200),
# WRK_CONNECTIONS (50), JAVA_OPTS (the gateway's).
set -eu
cd "$(dirname "$0")/.."
reloads=${1:-10}
seconds=${2:-30}
connections=${CONNECTIONS:-200}
rate=${RATE:-200}
wrk_connections=${WRK_CONNECTIONS:-50}
home=$PWD/distribution/target/gateway
port=19310
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

work=$(mktemp -d /tmp/tollgate-bench-reload.XXXXXX)
gateway_pid=""
load_pid=""
cleanup() {
  for pid in $load_pid $gateway_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Generation n of the configuration: a changed header filter and, every other time, one more route.
write_config() {
  extra=""
  [ $(($1 % 2)) -eq 1 ] && extra="{ path = \"/extra-$1/**\", endpoint = echo }"
  cat > "$work/gateway/conf/gateway.conf.new" <<CONF
gateway {
  server { host = "127.0.0.1", http { port = $port }, https { enabled = false } }
  logging.level = WARN
  events { bridge = local }
  plugins.websocket-hub.permissions = [ { channels = "*", subscribe = true, publish = true, anonymous = true } ]
  filters { generation { type = response-headers, set { X-Generation = "$1" } } }
  global-filters = [ security-headers ]
  routes = [
    { path = "/echo/**", endpoint = echo, filters = [ generation ] }
    { path = "/ws", endpoint = { name = hub, idle-timeout = 10m } }
    $extra
  ]
}
CONF
  mv "$work/gateway/conf/gateway.conf.new" "$work/gateway/conf/gateway.conf"
}

mkdir -p "$work/gateway/conf" "$work/gateway/data"
ln -s "$home/lib" "$work/gateway/lib"
ln -s "$home/plugins.d" "$work/gateway/plugins.d"
write_config 0
GATEWAY_HOME="$work/gateway" GATEWAY_CDS=off "$home/bin/gateway" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
tries=0
until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready"; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { echo "the gateway did not start; see $work/gateway.log" >&2; exit 1; }
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.1
done

echo "warming up for 10 s ..." >&2
wrk -t1 -c"$wrk_connections" -d10s "http://127.0.0.1:$port/echo/warm" >/dev/null

java -Xmx512m bench/WebSocketLoad.java --url "ws://127.0.0.1:$port/ws" --connections "$connections" --channels 10 \
  --publish hub --rate "$rate" --warmup 2 --duration "$((seconds + 5))" --sources 127.0.0.2 >"$work/websocket.log" 2>&1 &
load_pid=$!
sleep 4
echo "wrk for $seconds s while reloading $reloads times ..." >&2
wrk -t1 -c"$wrk_connections" -d"${seconds}s" "http://127.0.0.1:$port/echo/hello" >"$work/wrk.log" 2>&1 &
wrk_pid=$!
interval=$(awk -v s="$seconds" -v n="$reloads" 'BEGIN {printf "%.2f", (s - 4) / n}')
sleep 2
applied=0
i=1
while [ "$i" -le "$reloads" ]; do
  write_config "$i"
  if GATEWAY_HOME="$work/gateway" "$home/bin/gateway" reload >>"$work/reload.log" 2>&1; then
    applied=$((applied + 1))
  fi
  generation=$(curl -fs "http://127.0.0.1:$port/echo/check" -D - -o /dev/null | awk -F': ' 'tolower($1)=="x-generation"{print $2}' | tr -d '\r')
  [ "$generation" = "$i" ] || echo "after reload $i the gateway answers with generation '$generation'" >&2
  sleep "$interval"
  i=$((i + 1))
done
wait "$wrk_pid"
wait "$load_pid" || true
load_pid=""

requests=$(awk '/requests in/{print $1}' "$work/wrk.log")
non_2xx=$(awk '/Non-2xx/{print $NF}' "$work/wrk.log"); non_2xx=${non_2xx:-0}
socket_errors=$(awk -F'[ ,]+' '/Socket errors/{print $4 + $6 + $8 + $10}' "$work/wrk.log"); socket_errors=${socket_errors:-0}
rps=$(awk '/Requests\/sec/{print $2}' "$work/wrk.log")
ws=$(grep -E "closed_by_gateway=" "$work/websocket.log" | tail -1)
closed=$(echo "$ws" | sed -n 's/.*closed_by_gateway=\([0-9]*\).*/\1/p'); closed=${closed:-missing}
ws_errors=$(echo "$ws" | sed -n 's/.* errors=\([0-9]*\).*/\1/p'); ws_errors=${ws_errors:-missing}
delivered=$(echo "$ws" | sed -n 's/.*delivered=\([0-9]*\).*/\1/p')
expected=$(echo "$ws" | sed -n 's/.*expected=\([0-9]*\).*/\1/p')

echo "reloads applied:            $applied of $reloads"
echo "HTTP requests (wrk):        $requests ($rps/s), non-2xx: $non_2xx, socket errors: $socket_errors"
echo "WebSocket connections:      $connections, closed by the gateway: $closed, errors: $ws_errors"
echo "WebSocket messages:         delivered $delivered of $expected"
echo "details: $work"
[ "$applied" -eq "$reloads" ] && [ "$non_2xx" -eq 0 ] && [ "$socket_errors" -eq 0 ] \
  && [ "$closed" = 0 ] && [ "$ws_errors" = 0 ] && [ "$delivered" = "$expected" ] || { echo "FAILED" >&2; exit 1; }
echo "OK"

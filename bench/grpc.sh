#!/bin/sh
# Transcoding benchmark: the same unary call, grpc.testing.TestService/UnaryCall asking for a
# 1 KiB payload (the official interop service, grpc-java's TestServiceImpl, with reflection), made
#   grpc-direct    with a gRPC client (h2load posting the gRPC frame) straight to the server,
#   grpc-gateway   the same gRPC request through Tollgate (backend = http, h2c instance: passthrough),
#   json-gateway   as HTTP/JSON through Tollgate (backend = grpc: JSON → protobuf → gRPC → JSON),
# and, for the cost of the translation against plain proxying,
#   http-gateway   Tollgate proxying a static file of the JSON answer's size from nginx (backend = http),
#   http-direct    that file from nginx itself.
# h2load over h2c for all five (one load tool, one protocol), wrk over HTTP/1.1 for json-gateway and
# http-gateway (what curl users do); targets alternated within each round, the median of the rounds
# per cell, with the ratios. The gateway is warmed up first (the JIT needs it).
#
#   bench/grpc.sh [seconds-per-run] [rounds] [warm-up-seconds]     (defaults: 10 3 30)
#
# Build first: mvn -B package -DskipTests (the bench server is a test class of backend-grpc, run
# with that module's test class path). Installs wrk, nghttp2-client (h2load) and nginx-light from
# Debian when missing. Environment: CONNECTIONS (50, wrk), H2_CONNECTIONS (10), H2_STREAMS (10),
# JAVA_OPTS for the gateway.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
warmup=${3:-30}
connections=${CONNECTIONS:-50}
h2_connections=${H2_CONNECTIONS:-10}
h2_streams=${H2_STREAMS:-10}
home=$PWD/distribution/target/gateway
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
for plugin in backend-http backend-grpc; do
  ls "$home"/plugins.d/gateway-plugin-$plugin-*.jar >/dev/null 2>&1 || { echo "the $plugin plugin is missing from $home/plugins.d" >&2; exit 1; }
done
[ -d plugins/backend-grpc/target/test-classes/dev/tollgate/plugin/backendgrpc/bench ] \
  || { echo "build first: mvn -B package -DskipTests (plugins/backend-grpc test classes)" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v h2load >/dev/null 2>&1 || missing="$missing nghttp2-client"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/tollgate-grpc-bench.XXXXXX)
chmod 755 "$work"
gateway_pid=""
server_pid=""
cleanup() {
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
mkdir -p "$work/www" "$work/logs"

# --- The gRPC server: the interop TestService with reflection, on the backend-grpc test class path.
mvn -B -q -o -pl plugins/backend-grpc dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/classpath" >/dev/null 2>&1 \
  || mvn -B -q -pl plugins/backend-grpc dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/classpath" >/dev/null
java -Xmx512m -cp "plugins/backend-grpc/target/test-classes:$(cat "$work/classpath")" \
  dev.tollgate.plugin.backendgrpc.bench.BenchServer 19300 >"$work/logs/server.log" 2>&1 &
server_pid=$!

# --- The gateway, from the built distribution.
mkdir -p "$work/gateway/conf" "$work/gateway/data"
cat > "$work/gateway/conf/gateway.conf" <<CONF
gateway {
  server {
    host = "127.0.0.1"
    http { port = 19200 }
  }
  logging.level = WARN
  services {
    interop { backend = grpc, instances = ["grpc://127.0.0.1:19300"], schema.reflection = true }
    native { backend = http, instances = ["h2c://127.0.0.1:19300"] }
    files { backend = http, instances = ["http://127.0.0.1:19000"] }
  }
  routes = [
    { path = "/json/**", service = { name = interop, strip-prefix = "/json" } }
    { path = "/grpc.testing.TestService/**", service = native }
    { path = "/files/**", service = { name = files, strip-prefix = "/files" } }
  ]
}
CONF
ln -s "$home/lib" "$work/gateway/lib"
ln -s "$home/plugins.d" "$work/gateway/plugins.d"

# The requests: the gRPC frame of SimpleRequest{response_size: 1024} (field 2, varint 1024 = 80 08)
# and its JSON.
printf '\000\000\000\000\003\020\200\010' > "$work/request.grpc"
printf '{"responseSize":1024}' > "$work/request.json"

tries=0
until grep -q listening "$work/logs/server.log" 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { echo "the gRPC server did not start; see $work/logs/server.log" >&2; exit 1; }
  sleep 0.1
done
GATEWAY_HOME="$work/gateway" GATEWAY_CDS=off "$home/bin/gateway" >"$work/logs/gateway.log" 2>&1 &
gateway_pid=$!
tries=0
until curl -fs -o "$work/answer.json" -H 'Content-Type: application/json' -d @"$work/request.json" \
    http://127.0.0.1:19200/json/grpc.testing.TestService/UnaryCall; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { echo "the gateway did not answer; see $work/logs/gateway.log" >&2; exit 1; }
  sleep 0.1
done
# The static file: the JSON answer itself, so both gateway paths carry the same bytes back.
cp "$work/answer.json" "$work/www/answer.json"
chmod -R a+rX "$work/www"
answer_size=$(wc -c < "$work/answer.json")
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:19000;
    listen 127.0.0.1:19001 http2;
    root $work/www;
    default_type application/json;
  }
}
NGINX
"$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log"
curl -fs -o /dev/null http://127.0.0.1:19200/files/answer.json

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"responseSize":1024}'
wrk.headers["Content-Type"] = "application/json"
LUA

url_of() { # target
  case $1 in
    grpc-direct) echo "http://127.0.0.1:19300/grpc.testing.TestService/UnaryCall" ;;
    grpc-gateway) echo "http://127.0.0.1:19200/grpc.testing.TestService/UnaryCall" ;;
    json-gateway) echo "http://127.0.0.1:19200/json/grpc.testing.TestService/UnaryCall" ;;
    http-gateway) echo "http://127.0.0.1:19200/files/answer.json" ;;
    http-direct) echo "http://127.0.0.1:19001/answer.json" ;;
  esac
}

run() { # protocol target seconds -> "req_per_s p50_ms p99_ms errors"
  url=$(url_of "$2")
  case $1 in
    h2c)
      set --  -t1 -c"$h2_connections" -m"$h2_streams" -D "$3" --log-file="$work/h2.log"
      case $url in
        */UnaryCall) case $url in
                       */json/*) set -- "$@" -d "$work/request.json" -H 'content-type: application/json' ;;
                       *) set -- "$@" -d "$work/request.grpc" -H 'content-type: application/grpc' -H 'te: trailers' ;;
                     esac ;;
      esac
      rm -f "$work/h2.log"
      h2load "$@" "$url" > "$work/out" 2>&1 || true
      python3 - "$work/out" "$work/h2.log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1))
ok = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
failed = re.search(r"(\d+) failed, (\d+) errored", text)
durations = sorted(int(line.split("\t")[2]) for line in open(sys.argv[2]) if line.count("\t") >= 2)
p = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] / 1000 if durations else float("nan")
errors = (int(ok.group(3)) + int(ok.group(4)) if ok else 0) + (int(failed.group(1)) if failed else 0)
print(f"{rps:.0f} {p(0.50):.2f} {p(0.99):.2f} {errors}")
PY
      ;;
    h1)
      script=""
      [ "$2" = json-gateway ] && script="-s $work/post.lua"
      wrk -t1 -c"$connections" -d"${3}s" --latency $script "$url" > "$work/out" 2>&1
      python3 - "$work/out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors.group(1) if errors else 0}")
PY
      ;;
  esac
}

echo "warming up for ${warmup}s ..." >&2
share=$(( warmup / 4 > 1 ? warmup / 4 : 1 ))
for target in json-gateway grpc-gateway http-gateway grpc-direct; do run h2c "$target" "$share" >/dev/null; done
wrk -t1 -c"$connections" -d"${share}s" -s "$work/post.lua" "$(url_of json-gateway)" >/dev/null 2>&1

: > "$work/results"
round=1
while [ "$round" -le "$rounds" ]; do
  case $((round % 3)) in
    1) order="grpc-direct grpc-gateway json-gateway http-gateway http-direct" ;;
    2) order="json-gateway http-gateway http-direct grpc-direct grpc-gateway" ;;
    0) order="http-gateway http-direct grpc-direct grpc-gateway json-gateway" ;;
  esac
  for target in $order; do
    echo "round $round: h2c $target" >&2
    echo "h2c $target $(run h2c "$target" "$seconds")" >> "$work/results"
  done
  for target in $( [ $((round % 2)) -eq 1 ] && echo "json-gateway http-gateway" || echo "http-gateway json-gateway"); do
    echo "round $round: h1 $target" >&2
    echo "h1 $target $(run h1 "$target" "$seconds")" >> "$work/results"
  done
  round=$((round + 1))
done

gateway_rss=$(ps -o rss= -p "$gateway_pid" | tr -d ' ')
python3 - "$work/results" "$seconds" "$rounds" "$connections" "$h2_connections" "$h2_streams" "$gateway_rss" "$answer_size" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
seconds, rounds, c, h2c, h2m, rss, size = sys.argv[2:9]
cells = {}
for protocol, target, rps, p50, p99, errors in rows:
    cells.setdefault((protocol, target), []).append((float(rps), float(p50), float(p99), int(errors)))
med = statistics.median
print(f"\n{rounds} rounds of {seconds}s per cell, median shown; h2load -t1 -c{h2c} -m{h2m} (h2c); wrk -t1 -c{c} (HTTP/1.1)")
print(f"unary grpc.testing.TestService/UnaryCall, 1 KiB payload; JSON answer and static file: {size} bytes")
print(f"{'protocol':<9}{'target':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
rps = {}
for protocol in ("h2c", "h1"):
    for target in ("grpc-direct", "grpc-gateway", "json-gateway", "http-gateway", "http-direct"):
        v = cells.get((protocol, target))
        if not v:
            continue
        rps[(protocol, target)] = med([r[0] for r in v])
        print(f"{protocol:<9}{target:<14}{rps[(protocol, target)]:>9.0f}{med([r[1] for r in v]):>9.2f}{med([r[2] for r in v]):>9.2f}"
              f"{sum(r[3] for r in v):>8}")
ratio = lambda a, b: rps[a] / rps[b] if a in rps and b in rps and rps[b] else float("nan")
print(f"\njson-gateway / grpc-direct   (h2c): {ratio(('h2c', 'json-gateway'), ('h2c', 'grpc-direct')):.2f}")
print(f"grpc-gateway / grpc-direct   (h2c): {ratio(('h2c', 'grpc-gateway'), ('h2c', 'grpc-direct')):.2f}")
print(f"json-gateway / grpc-gateway  (h2c): {ratio(('h2c', 'json-gateway'), ('h2c', 'grpc-gateway')):.2f}")
print(f"json-gateway / http-gateway  (h2c): {ratio(('h2c', 'json-gateway'), ('h2c', 'http-gateway')):.2f}")
print(f"json-gateway / http-gateway  (h1):  {ratio(('h1', 'json-gateway'), ('h1', 'http-gateway')):.2f}")
print(f"gateway RSS after the run: {int(rss) // 1024} MiB")
PY
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), $("$NGINX" -v 2>&1)"

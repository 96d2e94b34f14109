#!/bin/sh
# Proxy benchmark: the same 1 KiB response fetched from
#   direct   the backend itself (nginx serving a file),
#   gateway  Tollgate proxying to that backend (backend-http plugin, HTTP/1.1 upstream, pooled),
#   nginx    nginx proxying to that backend (upstream keepalive 64),
# over HTTP/1.1 (wrk), h2c and h2 over TLS (h2load), all on loopback in one run. Targets are
# alternated within each round and each cell reports the median of the rounds, with the ratios
# gateway/direct and gateway/nginx. The gateway is warmed up first (the JIT needs it).
#
#   bench/proxy.sh [seconds-per-run] [rounds] [warm-up-seconds]     (defaults: 10 3 30)
#
# Build first: mvn -B package -DskipTests. Installs wrk, nghttp2-client (h2load), nginx-light and
# openssl from Debian when they are missing. Environment: CONNECTIONS (50), H2_CONNECTIONS (10),
# H2_STREAMS (10 per connection), JAVA_OPTS for the gateway.
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
ls "$home"/plugins.d/gateway-plugin-backend-http-*.jar >/dev/null 2>&1 || { echo "the backend-http plugin is missing from $home/plugins.d" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v h2load >/dev/null 2>&1 || missing="$missing nghttp2-client"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/tollgate-bench.XXXXXX)
chmod 755 "$work"
gateway_pid=""
cleanup() {
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# --- The backend and nginx as a proxy: one nginx, two servers.
mkdir -p "$work/www" "$work/logs"
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 > "$work/www/1k.txt"
chmod -R a+rX "$work/www"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  ssl_certificate $work/cert.pem;
  ssl_certificate_key $work/key.pem;
  upstream backend { server 127.0.0.1:19000; keepalive 64; }
  server {                       # the backend
    listen 127.0.0.1:19000;
    listen 127.0.0.1:19001 http2;
    listen 127.0.0.1:19002 ssl http2;
    root $work/www;
  }
  server {                       # nginx as the proxy
    listen 127.0.0.1:19100;
    listen 127.0.0.1:19101 http2;
    listen 127.0.0.1:19102 ssl http2;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
"$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log"

# --- The gateway, from the built distribution, with a bench configuration.
mkdir -p "$work/gateway/conf" "$work/gateway/data"
cat > "$work/gateway/conf/gateway.conf" <<CONF
gateway {
  server {
    host = "127.0.0.1"
    http { port = 19200 }
    https { port = 19201 }
  }
  logging.level = WARN
  services { bench { backend = http, instances = ["http://127.0.0.1:19000"] } }
  routes = [ { path = "/**", service = bench } ]
}
CONF
ln -s "$home/lib" "$work/gateway/lib"
ln -s "$home/plugins.d" "$work/gateway/plugins.d"
GATEWAY_HOME="$work/gateway" GATEWAY_CDS=off "$home/bin/gateway" >"$work/logs/gateway.log" 2>&1 &
gateway_pid=$!
tries=0
until curl -fs -o /dev/null http://127.0.0.1:19200/1k.txt; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { echo "the gateway did not start; see $work/logs/gateway.log" >&2; exit 1; }
  sleep 0.1
done
for port in 19000 19100; do curl -fs -o /dev/null "http://127.0.0.1:$port/1k.txt"; done

port_of() { # target protocol
  base=$(case $1 in direct) echo 19000 ;; nginx) echo 19100 ;; gateway) echo 19200 ;; esac)
  case $2 in h1) echo "$base" ;; h2c) [ "$1" = gateway ] && echo 19200 || echo $((base + 1)) ;;
             h2) [ "$1" = gateway ] && echo 19201 || echo $((base + 2)) ;; esac
}

run() { # target protocol seconds -> "req_per_s p50_ms p99_ms"
  port=$(port_of "$1" "$2")
  case $2 in
    h1)
      wrk -t1 -c"$connections" -d"${3}s" --latency "http://127.0.0.1:$port/1k.txt" > "$work/out" 2>&1
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
    h2c|h2)
      scheme=$([ "$2" = h2 ] && echo https || echo http)
      rm -f "$work/h2.log"
      h2load -t1 -c"$h2_connections" -m"$h2_streams" -D "$3" --log-file="$work/h2.log" \
        "$scheme://127.0.0.1:$port/1k.txt" > "$work/out" 2>&1 || true
      python3 - "$work/out" "$work/h2.log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1))
ok = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
durations = sorted(int(line.split("\t")[2]) for line in open(sys.argv[2]) if line.count("\t") >= 2)
p = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] / 1000 if durations else float("nan")
print(f"{rps:.0f} {p(0.50):.2f} {p(0.99):.2f} {int(ok.group(3)) + int(ok.group(4)) if ok else -1}")
PY
      ;;
  esac
}

echo "warming the gateway up for ${warmup}s ..." >&2
wrk -t1 -c"$connections" -d"${warmup}s" http://127.0.0.1:19200/1k.txt >/dev/null 2>&1
h2load -t1 -c"$h2_connections" -m"$h2_streams" -D 5 http://127.0.0.1:19200/1k.txt >/dev/null 2>&1 || true

: > "$work/results"
round=1
while [ "$round" -le "$rounds" ]; do
  for protocol in h1 h2c h2; do
    # Alternate the order of targets from round to round.
    case $((round % 3)) in
      1) order="direct gateway nginx" ;; 2) order="gateway nginx direct" ;; 0) order="nginx direct gateway" ;;
    esac
    for target in $order; do
      echo "round $round: $protocol $target" >&2
      echo "$protocol $target $(run "$target" "$protocol" "$seconds")" >> "$work/results"
    done
  done
  round=$((round + 1))
done

gateway_rss=$(ps -o rss= -p "$gateway_pid" | tr -d ' ')
python3 - "$work/results" "$seconds" "$rounds" "$connections" "$h2_connections" "$h2_streams" "$gateway_rss" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
seconds, rounds, c, h2c, h2m, rss = sys.argv[2:8]
cells = {}
for protocol, target, rps, p50, p99, errors in rows:
    cells.setdefault((protocol, target), []).append((float(rps), float(p50), float(p99), int(errors)))
med = lambda values: statistics.median(values)
print(f"\n{rounds} rounds of {seconds}s per cell, median shown; wrk -t1 -c{c} (HTTP/1.1); h2load -t1 -c{h2c} -m{h2m} (h2c, h2)")
print(f"{'protocol':<9}{'target':<9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'gw/direct':>11}{'gw/nginx':>10}")
for protocol in ("h1", "h2c", "h2"):
    stats = {t: cells.get((protocol, t), []) for t in ("direct", "gateway", "nginx")}
    rps = {t: med([r[0] for r in v]) if v else float("nan") for t, v in stats.items()}
    for target in ("direct", "gateway", "nginx"):
        v = stats[target]
        if not v:
            continue
        ratios = f"{rps['gateway'] / rps['direct']:>11.2f}{rps['gateway'] / rps['nginx']:>10.2f}" if target == "gateway" else ""
        print(f"{protocol:<9}{target:<9}{rps[target]:>9.0f}{med([r[1] for r in v]):>9.2f}{med([r[2] for r in v]):>9.2f}"
              f"{sum(r[3] for r in v):>8}{ratios}")
print(f"gateway RSS after the run: {int(rss) // 1024} MiB")
PY
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), $("$NGINX" -v 2>&1)"

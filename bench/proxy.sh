#!/bin/sh
# Proxy benchmark: the same 1 KiB response fetched from
#   direct   the backend itself (nginx serving a file),
#   gateway  Tollgate proxying to that backend (backend-http plugin, HTTP/1.1 upstream, pooled),
#   nginx    nginx proxying to that backend (upstream keepalive 64),
#   jetty    Jetty's own ProxyHandler.Reverse (bench/jetty-proxy/JettyProxy.java: shared pool of 16
#            threads, shared ByteBufferPool, non-blocking invocation type on the handler and the
#            client transport), run with the gateway's JVM and the gateway's JVM options,
# over HTTP/1.1 (wrk), h2c and h2 over TLS (h2load), all on loopback in one run. Targets are
# alternated within each round and each cell reports the median of the rounds, with the ratios
# gateway/direct, gateway/nginx, jetty/nginx and gateway/jetty, and for the two JVM proxies the
# CPU time (user + system, /proc/<pid>/stat) and context switches per request. The JVM proxies are
# warmed up first (the JIT needs it). The table goes to bench/results/proxy.txt and a chart
# (req/s, p50 and p99 per contender and protocol) to bench/results/proxy.png.
#
#   bench/proxy.sh [seconds-per-run] [rounds] [warm-up-seconds]     (defaults: 10 3 30)
#
# Build first: mvn -B package -DskipTests. Installs wrk, nghttp2-client (h2load), nginx-light,
# openssl and gnuplot-nox from Debian when they are missing; the jetty-proxy jar of the
# distribution's Jetty version from Maven Central when ~/.m2 lacks it. Environment: JAVA_HOME (the
# JDK for the gateway and Jetty's proxy; else java from PATH), JAVA_OPTS for the gateway (added
# after bin/gateway's defaults, so they win), CONNECTIONS (50), H2_CONNECTIONS (10), H2_STREAMS
# (10 per connection), TARGETS (direct gateway nginx jetty), PROTOCOLS (h1 h2c h2).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
warmup=${3:-30}
connections=${CONNECTIONS:-50}
h2_connections=${H2_CONNECTIONS:-10}
h2_streams=${H2_STREAMS:-10}
targets=${TARGETS:-direct gateway nginx jetty}
protocols=${PROTOCOLS:-h1 h2c h2}
home=$PWD/distribution/target/gateway
results=$PWD/bench/results
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
ls "$home"/plugins.d/gateway-plugin-backend-http-*.jar >/dev/null 2>&1 || { echo "the backend-http plugin is missing from $home/plugins.d" >&2; exit 1; }
has() { case " $targets " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v h2load >/dev/null 2>&1 || missing="$missing nghttp2-client"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# Jetty's proxy module, of the distribution's Jetty version.
jetty_version=$(ls "$home"/lib/jetty-server-*.jar | sed 's/.*jetty-server-\(.*\)\.jar/\1/')
jetty_proxy_jar=$HOME/.m2/repository/org/eclipse/jetty/jetty-proxy/$jetty_version/jetty-proxy-$jetty_version.jar
if has jetty && [ ! -f "$jetty_proxy_jar" ]; then
  (cd /tmp && mvn -B -q dependency:get -Dartifact="org.eclipse.jetty:jetty-proxy:$jetty_version") >&2
fi

work=$(mktemp -d /tmp/tollgate-bench.XXXXXX)
chmod 755 "$work"
gateway_pid=""
jetty_pid=""
cleanup() {
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "$jetty_pid" ] && kill "$jetty_pid" 2>/dev/null || true
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

await() { # url log-file what
  tries=0
  until curl -fsk -o /dev/null "$1"; do
    tries=$((tries + 1))
    [ "$tries" -lt 300 ] || { echo "$3 did not start; see $2" >&2; exit 1; }
    sleep 0.1
  done
}

# --- The gateway, from the built distribution, with a bench configuration. It runs even when
# not measured: Jetty's proxy takes its JVM, its JVM options and its TLS key store.
mkdir -p "$work/gateway/conf" "$work/gateway/data"
cat > "$work/gateway/conf/gateway.conf" <<CONF
gateway {
  server {
    host = "127.0.0.1"
    http { port = 19200 }
    https { port = 19201 }
    management { enabled = false }
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
await http://127.0.0.1:19200/1k.txt "$work/logs/gateway.log" "the gateway"
for port in 19000 19100; do curl -fs -o /dev/null "http://127.0.0.1:$port/1k.txt"; done

# The JVM and the options bin/gateway started it with (defaults, then JAVA_OPTS), as the process
# has them; the launcher's own arguments (class path, gateway.home, main class) left out.
tr '\0' '\n' < "/proc/$gateway_pid/cmdline" > "$work/gateway.cmdline"
java=$(head -1 "$work/gateway.cmdline")
sed -n '2,$p' "$work/gateway.cmdline" | sed '/^-cp$/,$d' | grep -v '^-Dgateway.home=' > "$work/jvm.options" || true
jvm_version=$("$java" -version 2>&1 | grep -m1 -i 'version')
jvm_options=$(tr '\n' ' ' < "$work/jvm.options" | sed 's/ $//')

if has jetty; then
  set --
  while IFS= read -r option; do set -- "$@" "$option"; done < "$work/jvm.options"
  "$java" "$@" -cp "$home/lib/*:$jetty_proxy_jar" bench/jetty-proxy/JettyProxy.java \
    http://127.0.0.1:19000 19400 19401 "$work/gateway/data/tls/self-signed.p12" tollgate-development \
    >"$work/logs/jetty.log" 2>&1 &
  jetty_pid=$!
  await http://127.0.0.1:19400/1k.txt "$work/logs/jetty.log" "Jetty's proxy"
fi

port_of() { # target protocol
  base=$(case $1 in direct) echo 19000 ;; nginx) echo 19100 ;; gateway) echo 19200 ;; jetty) echo 19400 ;; esac)
  case $1 in
    gateway|jetty) case $2 in h1|h2c) echo "$base" ;; h2) echo $((base + 1)) ;; esac ;;
    *) case $2 in h1) echo "$base" ;; h2c) echo $((base + 1)) ;; h2) echo $((base + 2)) ;; esac ;;
  esac
}

pid_of() { case $1 in gateway) echo "$gateway_pid" ;; jetty) echo "$jetty_pid" ;; *) echo "" ;; esac; }

counters() { # pid -> "cpu-ticks context-switches" of the process (all its live threads)
  if [ -z "$1" ]; then echo "0 0"; return; fi
  ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
  switches=$(cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s + 0}')
  echo "$ticks $switches"
}
ticks_per_second=$(getconf CLK_TCK)

run() { # target protocol seconds -> "req_per_s p50_ms p99_ms errors requests"
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
requests = int(re.search(r"(\d+) requests in", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors.group(1) if errors else 0} {requests}")
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
done = re.search(r"requests: \d+ total, \d+ started, (\d+) done", text)
ok = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
durations = sorted(int(line.split("\t")[2]) for line in open(sys.argv[2]) if line.count("\t") >= 2)
p = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] / 1000 if durations else float("nan")
print(f"{rps:.0f} {p(0.50):.2f} {p(0.99):.2f} {int(ok.group(3)) + int(ok.group(4)) if ok else -1} {done.group(1) if done else 0}")
PY
      ;;
  esac
}

measure() { # target protocol seconds -> a results line
  pid=$(pid_of "$1")
  before=$(counters "$pid")
  outcome=$(run "$@")
  after=$(counters "$pid")
  echo "$2 $1 $outcome $before $after"
}

for target in gateway jetty; do
  has "$target" || continue
  echo "warming $target up for ${warmup}s ..." >&2
  wrk -t1 -c"$connections" -d"${warmup}s" "http://127.0.0.1:$(port_of "$target" h1)/1k.txt" >/dev/null 2>&1
  h2load -t1 -c"$h2_connections" -m"$h2_streams" -D 5 "http://127.0.0.1:$(port_of "$target" h2c)/1k.txt" >/dev/null 2>&1 || true
  h2load -t1 -c"$h2_connections" -m"$h2_streams" -D 3 "https://127.0.0.1:$(port_of "$target" h2)/1k.txt" >/dev/null 2>&1 || true
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$work/results"
round=1
while [ "$round" -le "$rounds" ]; do
  for protocol in $protocols; do
    # Rotate the order of targets from round to round.
    order=$targets
    shift_by=$(( (round - 1) % $(echo "$targets" | wc -w) ))
    while [ "$shift_by" -gt 0 ]; do
      order="${order#* } ${order%% *}"
      shift_by=$((shift_by - 1))
    done
    for target in $order; do
      echo "round $round: $protocol $target" >&2
      measure "$target" "$protocol" "$seconds" >> "$work/results"
    done
  done
  round=$((round + 1))
done

gateway_rss=$(ps -o rss= -p "$gateway_pid" | tr -d ' ')
jetty_rss=$([ -n "$jetty_pid" ] && ps -o rss= -p "$jetty_pid" | tr -d ' ' || echo 0)
mkdir -p "$results"
machine="$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average at the start $load_start, $("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
python3 - "$work/results" "$seconds" "$rounds" "$connections" "$h2_connections" "$h2_streams" \
    "$gateway_rss" "$jetty_rss" "$ticks_per_second" "$work/chart.dat" <<'PY' | tee "$results/proxy.txt"
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
seconds, rounds, c, h2c, h2m, gateway_rss, jetty_rss, ticks_per_second, chart = sys.argv[2:11]
ticks_per_second = int(ticks_per_second)
cells = {}
for protocol, target, rps, p50, p99, errors, requests, ticks0, switches0, ticks1, switches1 in rows:
    requests = max(int(requests), 1)
    cpu = (int(ticks1) - int(ticks0)) / ticks_per_second * 1e6 / requests
    switches = (int(switches1) - int(switches0)) / requests
    cells.setdefault((protocol, target), []).append((float(rps), float(p50), float(p99), int(errors), cpu, switches))
med = statistics.median
nan = float("nan")
targets = ("direct", "gateway", "nginx", "jetty")
names = {"direct": "direct", "gateway": "Tollgate", "nginx": "nginx proxy", "jetty": "Jetty proxy"}
print(f"\n{rounds} rounds of {seconds}s per cell, median shown; wrk -t1 -c{c} (HTTP/1.1); h2load -t1 -c{h2c} -m{h2m} (h2c, h2);")
print("CPU µs and context switches per request of the JVM process (user + system, all threads)")
print(f"{'protocol':<9}{'target':<9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'µs/req':>8}{'cs/req':>8}"
      f"{'/direct':>9}{'/nginx':>8}{'gw/jetty':>10}")
chart_rows = []
for protocol in ("h1", "h2c", "h2"):
    stats = {t: cells.get((protocol, t), []) for t in targets}
    if not any(stats.values()):
        continue
    rps = {t: med([r[0] for r in v]) if v else nan for t, v in stats.items()}
    p50 = {t: med([r[1] for r in v]) if v else nan for t, v in stats.items()}
    p99 = {t: med([r[2] for r in v]) if v else nan for t, v in stats.items()}
    for target in targets:
        v = stats[target]
        if not v:
            continue
        proxy = target in ("gateway", "jetty")
        cpu = f"{med([r[4] for r in v]):>8.0f}{med([r[5] for r in v]):>8.2f}" if proxy else f"{'':>16}"
        ratios = ""
        if proxy:
            ratios = f"{rps[target] / rps['direct']:>9.2f}{rps[target] / rps['nginx']:>8.2f}"
            if target == "gateway":
                ratios += f"{rps['gateway'] / rps['jetty']:>10.2f}"
        print(f"{protocol:<9}{target:<9}{rps[target]:>9.0f}{p50[target]:>9.2f}{p99[target]:>9.2f}"
              f"{sum(r[3] for r in v):>8}{cpu}{ratios}")
    label = {"h1": "HTTP/1.1", "h2c": "h2c", "h2": "h2 (TLS)"}[protocol]
    chart_rows.append(f'"{label}" ' + " ".join(f"{rps[t]:.0f} {p50[t]:.3f} {p99[t]:.3f}" for t in targets))
rss = f"gateway RSS after the run: {int(gateway_rss) // 1024} MiB"
if int(jetty_rss):
    rss += f", Jetty proxy's: {int(jetty_rss) // 1024} MiB"
print(rss)
with open(chart, "w") as out:
    out.write("# protocol " + " ".join(f"{t}_rps {t}_p50 {t}_p99" for t in targets) + "\n")
    out.write("\n".join(chart_rows) + "\n")
PY
{
  echo "JVM (gateway and Jetty's proxy): $java — $jvm_version"
  echo "JVM options: $jvm_options"
  echo "machine: $machine"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee -a "$results/proxy.txt"

# --- The chart: req/s, p50 and p99 per protocol, a bar per contender.
cat > "$work/chart.gp" <<GNUPLOT
set terminal pngcairo size 1500,520 font "sans,10"
set output "$results/proxy.png"
set datafile missing "nan"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key below horizontal
set multiplot layout 1,3 title "bench/proxy.sh $seconds s × $rounds rounds, 1 KiB from nginx — $(date -u +%Y-%m-%d), $(echo "$jvm_version" | sed 's/"//g') $jvm_options\\n$machine"
set title "throughput (req/s, higher is better)"
set yrange [0:*]
plot "$work/chart.dat" using 2:xtic(1) title "direct" lc rgb "#9e9e9e", \
  "" using 5 title "Tollgate" lc rgb "#1f77b4", "" using 8 title "nginx proxy" lc rgb "#2ca02c", \
  "" using 11 title "Jetty ProxyHandler" lc rgb "#ff7f0e"
set title "p50 latency (ms, log scale, lower is better)"
set logscale y
set yrange [0.05:*]
plot "$work/chart.dat" using 3:xtic(1) title "direct" lc rgb "#9e9e9e", \
  "" using 6 title "Tollgate" lc rgb "#1f77b4", "" using 9 title "nginx proxy" lc rgb "#2ca02c", \
  "" using 12 title "Jetty ProxyHandler" lc rgb "#ff7f0e"
set title "p99 latency (ms, log scale, lower is better)"
plot "$work/chart.dat" using 4:xtic(1) title "direct" lc rgb "#9e9e9e", \
  "" using 7 title "Tollgate" lc rgb "#1f77b4", "" using 10 title "nginx proxy" lc rgb "#2ca02c", \
  "" using 13 title "Jetty ProxyHandler" lc rgb "#ff7f0e"
unset multiplot
GNUPLOT
gnuplot "$work/chart.gp" && echo "chart: $results/proxy.png"

#!/bin/sh
# Routing with many routes: the same request (the example plugin's echo endpoint, no backend)
# through a gateway with 1 route and through one with ROUTES routes (default 10 000), all of the
# form /svc<i>/items/{id}/** → echo. Reports each gateway's time from launch to ready, then
# requests per second (wrk) for each, alternated within each round, the median of the rounds and
# the ratio many/one (target ≥ 0.9: routing cost must not grow with the route count).
#
#   bench/routes.sh [seconds-per-run] [rounds] [warm-up-seconds]     (defaults: 5 8 20)
#
# Build first: mvn -B package -DskipTests. Installs wrk and curl from Debian when missing.
# Environment: ROUTES (10000), CONNECTIONS (50), JAVA_OPTS for the gateways, GATEWAY_DIST (the
# distribution to run, default distribution/target/gateway: point it at another build to compare).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-8}
warmup=${3:-20}
routes=${ROUTES:-10000}
connections=${CONNECTIONS:-50}
home=${GATEWAY_DIST:-$PWD/distribution/target/gateway}
[ -x "$home/bin/gateway" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
ls "$home"/plugins.d/gateway-plugin-example-*.jar >/dev/null 2>&1 || { echo "the example plugin (echo endpoint) is missing from $home/plugins.d" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

work=$(mktemp -d /tmp/tollgate-bench-routes.XXXXXX)
# start() runs in a command substitution (a subshell): it leaves each gateway's pid in a file.
cleanup() {
  for file in "$work"/*.pid; do
    [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true
  done
  for file in "$work"/*.pid; do
    [ -f "$file" ] || continue
    while kill -0 "$(cat "$file")" 2>/dev/null; do sleep 0.2; done
  done
}
trap cleanup EXIT INT TERM

now_ms() { date +%s%3N; }

# start <name> <port> <route count>: a gateway home with that many routes; prints ms to ready.
start() {
  mkdir -p "$work/$1/conf" "$work/$1/data"
  ln -s "$home/lib" "$work/$1/lib"
  ln -s "$home/plugins.d" "$work/$1/plugins.d"
  {
    echo "gateway {"
    echo "  server { host = \"127.0.0.1\", http { port = $2 }, https { enabled = false }, management { port = $(($2 + 100)) }, shutdown { drain-delay = 0s } }"
    echo "  logging.level = WARN"
    echo "  routes = ["
    awk -v n="$3" 'BEGIN { for (i = 0; i < n; i++) printf "    { path = \"/svc%d/items/{id}/**\", endpoint = echo }\n", i }'
    echo "  ]"
    echo "}"
  } > "$work/$1/conf/gateway.conf"
  begin=$(now_ms)
  GATEWAY_HOME="$work/$1" GATEWAY_CDS=off "$home/bin/gateway" >"$work/$1.log" 2>&1 &
  pid=$!
  echo "$pid" > "$work/$1.pid"
  until curl -fs -o /dev/null "http://127.0.0.1:$2/health/ready"; do
    kill -0 "$pid" 2>/dev/null || { echo "the gateway with $3 routes exited; see $work/$1.log" >&2; exit 1; }
    sleep 0.01
  done
  echo $(($(now_ms) - begin))
}

one_port=19510
many_port=19511
one_path="/svc0/items/42/details"
many_path="/svc$((routes / 2))/items/42/details"
echo "starting the gateway with 1 route ..." >&2
one_ready=$(start one "$one_port" 1)
echo "starting the gateway with $routes routes ..." >&2
many_ready=$(start many "$many_port" "$routes")
for check in "$one_port$one_path" "$many_port$many_path"; do
  curl -fs "http://127.0.0.1:$check" | grep -q '"pathParameters":{"\*\*":"details","id":"42"}' \
    || { echo "http://127.0.0.1:$check did not answer from the echo endpoint" >&2; exit 1; }
done

url() { if [ "$1" = one ]; then echo "http://127.0.0.1:$one_port$one_path"; else echo "http://127.0.0.1:$many_port$many_path"; fi; }

run() { # target seconds -> "req_per_s non_2xx"
  wrk -t1 -c"$connections" -d"${2}s" "$(url "$1")" > "$work/wrk.out" 2>&1
  rps=$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")
  errors=$(awk '/Non-2xx/{print $NF}' "$work/wrk.out")
  echo "${rps:-0} ${errors:-0}"
}

for target in one many; do
  echo "warming up the $target-route gateway for ${warmup}s ..." >&2
  run "$target" "$warmup" >/dev/null
done

: > "$work/results"
round=1
while [ "$round" -le "$rounds" ]; do
  if [ $((round % 2)) -eq 1 ]; then order="one many"; else order="many one"; fi
  for target in $order; do
    echo "round $round: $target" >&2
    echo "$target $(run "$target" "$seconds")" >> "$work/results"
  done
  round=$((round + 1))
done

python3 - "$work/results" "$routes" "$one_ready" "$many_ready" "$seconds" "$rounds" "$connections" <<'PY'
import statistics, sys
path, routes, one_ready, many_ready, seconds, rounds, connections = sys.argv[1:8]
rows = [line.split() for line in open(path) if line.strip()]
rps = {t: [float(r[1]) for r in rows if r[0] == t] for t in ("one", "many")}
errors = {t: sum(int(r[2]) for r in rows if r[0] == t) for t in ("one", "many")}
print(f"\n{rounds} alternated rounds of {seconds}s, wrk -t1 -c{connections}, median shown")
print(f"{'gateway':<16}{'ready ms':>10}{'req/s':>10}{'non-2xx':>9}   rounds")
for target, label, ready in (("one", "1 route", one_ready), ("many", f"{int(routes):,} routes".replace(",", " "), many_ready)):
    print(f"{label:<16}{ready:>10}{statistics.median(rps[target]):>10.0f}{errors[target]:>9}   "
          + " ".join(f"{v:.0f}" for v in rps[target]))
ratio = statistics.median(rps["many"]) / statistics.median(rps["one"])
per_round = [m / o for o, m in zip(rps["one"], rps["many"])]
print(f"ratio many/one: {ratio:.2f} (target >= 0.9); per round: " + " ".join(f"{r:.2f}" for r in per_round))
PY
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"

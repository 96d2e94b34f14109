#!/bin/sh
# JMH microbenchmarks of the request path's in-process parts (module benchmarks/): route matching
# with 1, 100 and 10 000 routes (hit, miss, and the former walk over all routes), the runtime's
# filter chain through 0, 3 and 10 filters that only proceed, and the jwt filter's validation of an
# HS256 and an RS256 token. Prints JMH's table, then ours beside the Go figures quoted in the
# design documents (shared/seeds/003: BenchmarkRoutingEngine-8 1200 ns/op, "routing with load
# balancing"; BenchmarkJWTMiddleware-8 1500 ns/op, algorithm not stated).
#
#   bench/jmh.sh [regexp of benchmarks to run]        (default: all, about 4 minutes)
#
# Build first: mvn -B package -DskipTests (makes benchmarks/target/benchmarks.jar). Environment:
# JMH_OPTS adds JMH options (e.g. "-wi 5 -i 8": they override each class's own, one fork, 3 warm-up
# and 4 measured iterations of 2 s, 5 × 4 s of warm-up for JWT); JAVA_HOME selects the JDK.
set -eu
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
results=$(mktemp /tmp/tollgate-jmh.XXXXXX.json)
# shellcheck disable=SC2086
"$java" -jar "$jar" ${JMH_OPTS:-} -rf json -rff "$results" "${1:-.}"

python3 - "$results" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
go = {"RoutingBenchmark.hit": ("BenchmarkRoutingEngine-8", 1200), "JwtValidationBenchmark.hs256": ("BenchmarkJWTMiddleware-8", 1500),
      "JwtValidationBenchmark.rs256": ("BenchmarkJWTMiddleware-8", 1500)}
print("\nours beside the Go gateway's figures of the design documents (ns per operation, one thread)")
print(f"{'benchmark':<44}{'ours ns/op':>12}{'± (99.9%)':>11}   {'Go figure':<28}{'ours/Go':>8}")
for row in rows:
    name = row["benchmark"].rsplit(".", 2)
    short = name[-2] + "." + name[-1]
    params = ",".join(f"{k}={v}" for k, v in row.get("params", {}).items())
    label = short + (f" [{params}]" if params else "")
    score = float(row["primaryMetric"]["score"])
    try:
        error = float(row["primaryMetric"]["scoreError"])
    except (TypeError, ValueError):
        error = float("nan")
    unit = row["primaryMetric"]["scoreUnit"]
    factor = {"ns/op": 1, "us/op": 1000, "ms/op": 1e6}[unit]
    ours = score * factor
    error = error * factor
    reference = go.get(short)
    if reference:
        print(f"{label:<44}{ours:>12.0f}{error:>11.0f}   {reference[0] + ' ' + str(reference[1]):<28}{ours / reference[1]:>8.2f}")
    else:
        print(f"{label:<44}{ours:>12.0f}{error:>11.0f}")
PY
echo "results: $results"
echo "machine: $(nproc) cores, $("$java" -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"

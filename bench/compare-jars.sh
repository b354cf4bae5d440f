#!/usr/bin/env bash
# A quick before/after of two users-service jars on HTTP/1.1 GET-by-id throughput, interleaved over rounds
# (A B A B ...), for a change on the request path; bench/run.sh is the full benchmark (docs/performance.md).
# Usage: bench/compare-jars.sh BEFORE.jar AFTER.jar [ROUNDS]   (default 5 rounds)
# Per run: users-service `run` with the memory store, auth and the access log off, the shipped JVM options,
# 200 users seeded, wrk -t2 -c64 5 s warm-up, then 10 s measured with bench/lua/get-by-id.lua. With --http10,
# also ApacheBench (HTTP/1.0) with and without keep-alive on the same instance after the wrk run.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HTTP10=0
if [[ ${1:-} == --http10 ]]; then HTTP10=1; shift; fi
(($# >= 2)) || { echo "usage: bench/compare-jars.sh [--http10] BEFORE.jar AFTER.jar [ROUNDS]" >&2; exit 2; }
JARS=("$1" "$2")
ROUNDS=${3:-5}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
for tool in wrk curl; do command -v "$tool" >/dev/null || { echo "compare-jars.sh: '$tool' is missing (apt-get install $tool)" >&2; exit 2; }; done
((HTTP10)) && { command -v ab >/dev/null || { echo "compare-jars.sh: 'ab' is missing (apt-get install apache2-utils)" >&2; exit 2; }; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for round in $(seq 1 "$ROUNDS"); do
  for jar in "${JARS[@]}"; do
    dir=$(mktemp -d)
    port=$(free_port); mport=$(free_port)
    "$JAVA" -XX:+UseSerialGC -Xms16m -Xmx128m -XX:+ExitOnOutOfMemoryError -jar "$jar" run \
      --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir" --set store.url=memory: \
      --set auth.enabled=false --set log.access=false >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/users?limit=1" && break; sleep 0.1; done
    for i in $(seq 1 200); do
      curl -fs -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"name\":\"Seed $i\",\"email\":\"seed-$i@bench.example\"}" "http://127.0.0.1:$port/api/v1/users"
    done
    wrk -t2 -c64 -d5s -s "$BENCH_DIR/lua/get-by-id.lua" "http://127.0.0.1:$port" -- 200 >/dev/null
    out=$(wrk -t2 -c64 -d10s --latency -s "$BENCH_DIR/lua/get-by-id.lua" "http://127.0.0.1:$port" -- 200)
    echo "round $round $(basename "$jar"): $(awk '/^Requests\/sec:/ {print $2}' <<<"$out") req/s," \
      "p99 $(awk '$1 == "99%" {print $2}' <<<"$out"), non-2xx $(awk '/Non-2xx/ {print $NF}' <<<"$out")," \
      "load $(cut -d' ' -f1 /proc/loadavg)"
    if ((HTTP10)); then
      for opts in "" "-k"; do
        ab_out=$(ab -q $opts -n 100000 -c 64 "http://127.0.0.1:$port/api/v1/users/1")
        echo "  ab $opts (HTTP/1.0): $(awk '/Requests per second/ {print $4}' <<<"$ab_out") req/s," \
          "failed $(awk '/Failed requests/ {print $3}' <<<"$ab_out"), non-2xx $(awk '/Non-2xx/ {print $3}' <<<"$ab_out")"
      done
    fi
    kill "$pid"; wait "$pid" 2>/dev/null
    rm -rf "$dir"
  done
done

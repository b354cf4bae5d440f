#!/usr/bin/env bash
# A quick before/after of two users-service jars on HTTP/1.1 GET-by-id throughput, interleaved over rounds
# (A B A B ...), for a change on the request path; bench/run.sh is the full benchmark (docs/performance.md).
# Usage: bench/compare-jars.sh [--http10] [--auth] [--sqlite] [--post] [--defaults] [--pinned] BEFORE.jar AFTER.jar [ROUNDS]
#        (default 5 rounds)
# Per run: users-service `run` with the memory store, auth and the access log off, the shipped JVM options,
# 200 users seeded, wrk -t2 -c64 5 s warm-up, then 10 s measured with bench/lua/get-by-id.lua. With --http10,
# also ApacheBench (HTTP/1.0) with and without keep-alive on the same instance after the wrk run. With --auth, auth
# is on (one HS256 key and one token, issued by BEFORE.jar, for every run) and every request carries the token.
# With --sqlite, the store is the default SQLite file in the run's data directory instead of memory:. With --post (which
# implies --sqlite), the measured load is durable creates (bench/lua/post-user.lua, a new email prefix per wrk run)
# instead of GET by id.
# With --defaults (implies --sqlite and --auth), the access log stays on: the shipped defaults (users-defaults of
# bench/run.sh, with the shipped JVM options). With --pinned, the server runs on CPU 0 and wrk, curl and the token
# on CPU 1 (taskset), and the runs are bench/run.sh's: 30 s warm-up, 20 s measured.
# Each run also prints the server's CPU time per request over the measured run (user + system, every thread, from
# /proc/PID/stat) and its context switches per request (every thread, /proc/PID/task/*/status): they move less than
# req/s when other processes share the machine (threads that exit during the run are not counted).
# PROFILE_DIR (environment): record a JFR profile (settings=profile) of each measured run into that directory
# (round<N>-<0|1>-<jar>.jfr); read it with `jfr view hot-methods` or `jfr print --events jdk.ExecutionSample`.
# BEFORE_JVM / AFTER_JVM (environment): extra JVM options for the BEFORE / AFTER runs.
# BEFORE_SETS / AFTER_SETS (environment): extra space-separated key=value settings for the BEFORE / AFTER runs, so
# one jar can be compared with itself, e.g. BEFORE_SETS=auth.cache.max-age=0s bench/compare-jars.sh --auth X.jar X.jar
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HTTP10=0
AUTH=0
SQLITE=0
POST=0
DEFAULTS=0
PINNED=0
while [[ ${1:-} == --* ]]; do
  case $1 in
    --http10) HTTP10=1 ;;
    --auth) AUTH=1 ;;
    --sqlite) SQLITE=1 ;;
    --post) POST=1; SQLITE=1 ;;
    --defaults) DEFAULTS=1; SQLITE=1; AUTH=1 ;;
    --pinned) PINNED=1 ;;
    *) echo "compare-jars.sh: unknown option '$1'; use --http10, --auth, --sqlite, --post, --defaults or --pinned" >&2; exit 2 ;;
  esac
  shift
done
(($# >= 2)) || { echo "usage: bench/compare-jars.sh [--http10] [--auth] [--sqlite] [--post] [--defaults] [--pinned] BEFORE.jar AFTER.jar [ROUNDS]" >&2; exit 2; }
JARS=("$1" "$2")
ROUNDS=${3:-5}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
SERVER_CPU=() CLIENT_CPU=() WARMUP=5s DURATION=10s
if ((PINNED)); then
  command -v taskset >/dev/null || { echo "compare-jars.sh: 'taskset' is missing (apt-get install util-linux)" >&2; exit 2; }
  SERVER_CPU=(taskset -c 0) CLIENT_CPU=(taskset -c 1) WARMUP=30s DURATION=20s
fi
ACCESS_SETS=(--set log.access=false)
((DEFAULTS)) && ACCESS_SETS=()
for tool in wrk curl; do command -v "$tool" >/dev/null || { echo "compare-jars.sh: '$tool' is missing (apt-get install $tool)" >&2; exit 2; }; done
((HTTP10)) && { command -v ab >/dev/null || { echo "compare-jars.sh: 'ab' is missing (apt-get install apache2-utils)" >&2; exit 2; }; }
pid='' dir='' AUTH_DIR=''
cleanup() { # also when interrupted: the running server stopped, its data directory, its log and the key removed
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; fi
  if [[ -n $dir ]]; then rm -rf "$dir" "$dir.log"; fi
  if [[ -n $AUTH_DIR ]]; then rm -rf "$AUTH_DIR"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
HEADERS=()
AUTH_SETS=(--set auth.enabled=false)
if ((AUTH)); then
  AUTH_DIR=$(mktemp -d)
  chmod 700 "$AUTH_DIR"
  TOKEN=$(cd "$AUTH_DIR" && "$JAVA" -jar "$1" token issue --subject bench --scope "users:read users:write" --ttl 12h \
            --set "data-dir=$AUTH_DIR" 2>"$AUTH_DIR/token.err") || { cat "$AUTH_DIR/token.err" >&2; exit 1; }
  HEADERS=(-H "Authorization: Bearer $TOKEN")
  AUTH_SETS=(--set auth.enabled=true --set "auth.hs256-secret-file=$AUTH_DIR/jwt-hs256.key")
fi
STORE_SETS=(--set store.url=memory:)
((SQLITE)) && STORE_SETS=()
SCRIPT=get-by-id.lua
((POST)) && SCRIPT=post-user.lua
# user + system CPU time of a process, all threads, in clock ticks (/proc/PID/stat fields 14 and 15)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# context switches of a process, all threads (voluntary and not, from /proc/PID/task/*/status)
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for round in $(seq 1 "$ROUNDS"); do
  for which in 0 1; do
    jar=${JARS[$which]}
    if ((which == 0)); then read -r -a extra <<<"${BEFORE_SETS:-}"; else read -r -a extra <<<"${AFTER_SETS:-}"; fi
    if ((which == 0)); then read -r -a jvm <<<"${BEFORE_JVM:-}"; else read -r -a jvm <<<"${AFTER_JVM:-}"; fi
    sets=()
    for kv in "${extra[@]}"; do sets+=(--set "$kv"); done
    dir=$(mktemp -d)
    port=$(free_port); mport=$(free_port)
    "${SERVER_CPU[@]}" "$JAVA" -XX:+UseSerialGC -Xms16m -Xmx128m -XX:+ExitOnOutOfMemoryError "${jvm[@]}" -jar "$jar" run \
      --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir" "${STORE_SETS[@]}" \
      "${AUTH_SETS[@]}" "${ACCESS_SETS[@]}" "${sets[@]}" >"$dir.log" 2>&1 & # not in the data directory, which the service watches
    pid=$!
    for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/users?limit=1" && break; sleep 0.1; done
    for i in $(seq 1 200); do
      curl -fs -o /dev/null "${HEADERS[@]}" -H 'Content-Type: application/json' \
        -d "{\"name\":\"Seed $i\",\"email\":\"seed-$i@bench.example\"}" "http://127.0.0.1:$port/api/v1/users"
    done
    if ((POST)); then warm_arg=warm-$round-$which; run_arg=run-$round-$which; else warm_arg=200; run_arg=200; fi
    "${CLIENT_CPU[@]}" wrk -t2 -c64 -d"$WARMUP" "${HEADERS[@]}" -s "$BENCH_DIR/lua/$SCRIPT" "http://127.0.0.1:$port" -- "$warm_arg" >/dev/null
    if [[ -n ${PROFILE_DIR:-} ]]; then
      "${CLIENT_CPU[@]}" "${JAVA%java}jcmd" "$pid" JFR.start name=cmp settings=profile \
        "filename=$PROFILE_DIR/round$round-$which-$(basename "$jar" .jar).jfr" >/dev/null
    fi
    cpu_before=$(cpu_ticks "$pid") switches_before=$(switches "$pid")
    out=$("${CLIENT_CPU[@]}" wrk -t2 -c64 -d"$DURATION" --latency "${HEADERS[@]}" -s "$BENCH_DIR/lua/$SCRIPT" "http://127.0.0.1:$port" -- "$run_arg")
    cpu_after=$(cpu_ticks "$pid") switches_after=$(switches "$pid")
    [[ -n ${PROFILE_DIR:-} ]] && "${CLIENT_CPU[@]}" "${JAVA%java}jcmd" "$pid" JFR.stop name=cmp >/dev/null
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    echo "round $round $(basename "$jar") ${jvm[*]} ${extra[*]}: $(awk '/^Requests\/sec:/ {print $2}' <<<"$out") req/s," \
      "server CPU $(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
        'BEGIN {printf "%.1f", t / hz * 1e6 / n}') us/request," \
      "$(awk -v s=$((switches_after - switches_before)) -v n="$requests" 'BEGIN {printf "%.2f", s / n}') context switches/request," \
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
    rm -rf "$dir" "$dir.log"
    pid='' dir=''
  done
done

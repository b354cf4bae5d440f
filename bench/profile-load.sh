#!/usr/bin/env bash
# Where users-service's CPU goes under load on the shipped defaults (SQLite, JWT on, access log on), as the
# README runs it: one server pinned to a CPU, wrk on the other, a JFR recording of GET-by-id and one of POST.
# Prints markdown: per run the throughput during the recording, CPU samples by component (each sample goes
# to the innermost frame outside the JDK, so JDK code counts for the library that called it) and the
# hottest methods. bench/run.sh appends it to RESULTS.md when a throughput target is not met.
#
# Usage: bench/profile-load.sh [--seconds N] [--warmup N]   (defaults 15 and 20; needs bench/run.sh's
#        artifacts: users-service.jar and bench/bin/benchtool)
# Environment: JAVA_HOME (its jcmd and jfr; default as ./mvnw), BENCH_README_JAVA (the server's java;
# default the one on PATH, as the README), BENCH_SERVER_CPU / BENCH_CLIENT_CPU (0 / 1), BENCH_CONNECTIONS (64).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
ROOT=$(cd "$BENCH_DIR/.." && pwd)
SECONDS_PER_RUN=15
WARMUP=20
while (($#)); do
  case "$1" in
    --seconds) SECONDS_PER_RUN=${2:?"--seconds needs a number"}; shift ;;
    --warmup) WARMUP=${2:?"--warmup needs a number"}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "profile-load.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
  esac
  shift
done
. "$ROOT/.mvn/select-jdk.sh" || { echo "profile-load.sh: no JDK 21 or newer found" >&2; exit 1; }
JAVA=$JAVA_HOME/bin/java
README_JAVA=${BENCH_README_JAVA:-$(command -v java || echo "$JAVA")}
JAR=$ROOT/users-service/target/users-service.jar
BENCHTOOL=$BENCH_DIR/bin/benchtool
[[ -x $BENCHTOOL && -e $JAR ]] || { echo "profile-load.sh: build first (bench/run.sh --quick)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "profile-load.sh: wrk is missing; apt-get install -y wrk" >&2; exit 1; }
SERVER_PIN=(taskset -c "${BENCH_SERVER_CPU:-0}")
CLIENT_PIN=(taskset -c "${BENCH_CLIENT_CPU:-1}")
CONNECTIONS=${BENCH_CONNECTIONS:-64}
OUT=$BENCH_DIR/out/profile-load-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT/auth" "$OUT/server"
chmod 700 "$OUT/auth" "$OUT/server"

TOKEN=$(cd "$OUT/auth" && "$JAVA" -jar "$JAR" token issue --subject bench --scope "users:read users:write" --ttl 2h \
          --set "data-dir=$OUT/auth" 2>"$OUT/auth/token.err") || { cat "$OUT/auth/token.err" >&2; exit 1; }
install -m 600 "$OUT/auth/jwt-hs256.key" "$OUT/server/jwt-hs256.key"
port=$("$BENCHTOOL" freeport); mport=$("$BENCHTOOL" freeport)
line=$("${CLIENT_PIN[@]}" "$BENCHTOOL" startup -keep -port "$port" -dir "$OUT/server" -log "$OUT/server.log" \
         -header "Authorization: Bearer $TOKEN" -- "${SERVER_PIN[@]}" "$README_JAVA" -jar "$JAR" run \
         --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$OUT/server")
pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
stop_server() {
  stop_group "$pid" || echo "profile-load.sh: the server did not stop within 20 s of SIGTERM; killed it" >&2
}
# On exit: the server stopped, its database (every user the POST run created) deleted and its access log trimmed;
# the recordings, wrk's output and the ends of the log stay.
finish() {
  stop_server
  rm -rf "$OUT/server"
  trim_log "$OUT/server.log"
}
trap finish EXIT
# The JVM that serves: the java process of the server's process group that started no other java (the
# server's pid itself, unless a launcher JVM started it as a child).
jvm=$(ps -e -o pid=,ppid=,pgid=,comm= | awk -v g="$pid" '$3 == g && $4 == "java" { java[$1] = 1; parent[$1] = $2 }
  END { for (p in java) if (parent[p] in java) delete java[parent[p]]; for (p in java) print p }' | head -1)
[[ -n $jvm ]] || { echo "profile-load.sh: no JVM found in process group $pid" >&2; exit 1; }
"${CLIENT_PIN[@]}" "$BENCHTOOL" seed -url "http://127.0.0.1:$port" -n 1000 -header "Authorization: Bearer $TOKEN" >"$OUT/seed.txt"

wrk_load() { # wrk_load SECONDS SCRIPT ARGS...: prints wrk's output
  local secs=$1 script=$2; shift 2
  "${CLIENT_PIN[@]}" wrk -t2 -c"$CONNECTIONS" -d"${secs}s" --latency --timeout 10s -H "Authorization: Bearer $TOKEN" \
    -s "$BENCH_DIR/lua/$script" "http://127.0.0.1:$port" -- "$@"
}

# component_table FILE.jfr: CPU samples by component, from the execution samples' stacks.
component_table() {
  "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$1" | awk '
    function component(frame) {
      if (frame ~ /^(java|javax|jdk|sun|com\.sun)\./) return ""
      if (frame ~ /^org\.sqlite\./) return "sqlite-jdbc (JNI into SQLite)"
      if (frame ~ /^com\.zaxxer\.hikari\./) return "HikariCP"
      if (frame ~ /^org\.flywaydb\./) return "Flyway"
      if (frame ~ /^io\.helidon\./) return "Helidon (HTTP, routing)"
      if (frame ~ /^com\.fasterxml\.jackson\./) return "Jackson"
      if (frame ~ /^com\.nimbusds\./) return "nimbus-jose-jwt"
      if (frame ~ /^(ch\.qos\.logback|org\.slf4j)\./) return "Logback/SLF4J (access log)"
      if (frame ~ /^(io\.micrometer|io\.prometheus)\./) return "Micrometer/Prometheus"
      if (frame ~ /^dev\.servicekit\.users\.(Sqlite|Jdbc|Store|Postgres)/) return "users-service store code"
      if (frame ~ /^dev\.servicekit\./) return "Servicekit and users-service"
      return "other libraries"
    }
    /^jdk\.ExecutionSample/ { if (inStack) finish(); inStack = 0; comp = ""; next }
    /stackTrace = \[/ { inStack = 1; next }
    inStack && /^[[:space:]]*\]/ { finish(); inStack = 0; next }
    inStack && comp == "" { f = $1; c = component(f); if (c != "") comp = c; next }
    function finish() { n[comp == "" ? "JDK only (GC, JIT threads excluded; JDK code with no library caller)" : comp]++; total++; comp = "" }
    END { for (c in n) printf "%d\t%s\n", n[c], c; printf "%d\tTOTAL\n", total }' |
    sort -t$'\t' -k1,1nr | awk -F'\t' '
      $2 == "TOTAL" { total = $1; next } { rows[++k] = $0 }
      END { print "| component (innermost non-JDK frame) | samples | share |"; print "|---|---|---|"
            for (i = 1; i <= k; i++) { split(rows[i], p, "\t"); printf "| %s | %d | %.1f %% |\n", p[2], p[1], 100 * p[1] / total }
            printf "| all | %d | 100 %% |\n", total }'
}

profile_run() { # profile_run NAME SCRIPT ARGS...
  local name=$1 script=$2; shift 2
  local file=$OUT/$name.jfr
  "$JAVA_HOME/bin/jcmd" "$jvm" JFR.start name="$name" settings=profile filename="$file" >/dev/null
  local result rps p99
  result=$(wrk_load "$SECONDS_PER_RUN" "$script" "$@")
  "$JAVA_HOME/bin/jcmd" "$jvm" JFR.stop name="$name" >/dev/null
  echo "$result" >"$OUT/wrk-$name.txt"
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$result")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$result")
  echo "### $name: $rps req/s, p99 $p99 during the recording (JFR settings=profile)"
  echo
  component_table "$file"
  echo
  echo "Hottest methods (self samples, \`jfr view hot-methods\`):"
  echo
  echo '```'
  "$JAVA_HOME/bin/jfr" view --width 150 hot-methods "$file" | sed -n '1,20p' | sed '/^$/d'
  echo '```'
  echo
}

wrk_load "$WARMUP" get-by-id.lua 1000 >"$OUT/warmup-get.txt"
profile_run get-by-id get-by-id.lua 1000
wrk_load "$(( (WARMUP + 1) / 2 ))" post-user.lua "pw-$RANDOM" >"$OUT/warmup-post.txt"
profile_run post post-user.lua "pm-$RANDOM"
echo "Server: \`java -jar users-service.jar run\` as the README runs it ($("$README_JAVA" -version 2>&1 | head -1)), pinned to CPU ${BENCH_SERVER_CPU:-0}; wrk -t2 -c$CONNECTIONS on CPU ${BENCH_CLIENT_CPU:-1}; ${WARMUP} s warm-up. Recordings: \`${OUT#"$ROOT"/}\` (not committed)."

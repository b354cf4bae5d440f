#!/usr/bin/env bash
# What the stack itself costs before users-service adds anything: the README command's start and memory beside
# the floors under it, on the same machine and JDK, every process pinned to one CPU, interleaved over rounds.
#   jvm            the JDK 24+ JVM the launcher picks, running a main that returns at once (wall and CPU)
#   helidon-cds    bench/peers/helidon-bare: a Helidon SE WebServer with one route, the JDK's default class data
#   helidon-aot    the same with an AOT cache of its own (trained once, as the launcher trains users-service's,
#                  without method profiles on JDK 25+)
#   users-direct   users-service `run` started by that JDK directly with the launcher's options and AOT cache
#   users-readme   the README's command, `java -jar users-service.jar run` on the default java (the launcher hop)
# For the servers: wall time from fork to the first 200 (`benchtool startup -keep`; users-service's with a token,
# to GET /api/v1/users?limit=1 on SQLite), CPU time (user + system, /proc/<pid>/stat) and VmRSS at that moment,
# and VmRSS after IDLE seconds without requests. The users-service rows run the README's configuration in a scratch
# data directory, with the AOT cache primed first (up to four starts and the background build).
# Usage: bench/floor.sh [ROUNDS] [IDLE_SECONDS]   (default 5 rounds, 10 s; CPU=N pins to another CPU, default 0)
# Needs: the users-service jar (./mvnw -q -DskipTests package), bench/bin/benchtool (docs/performance.md), a JDK 24+
# where the launcher finds one, taskset (util-linux).
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
JAR=$ROOT/users-service/target/users-service.jar
BENCHTOOL=$BENCH_DIR/bin/benchtool
ROUNDS=${1:-5}
IDLE=${2:-10}
CPU=${CPU:-0}
PORT=${PORT:-18080}
[ -f "$JAR" ] || { echo "floor.sh: $JAR is missing; run ./mvnw -q -DskipTests package" >&2; exit 1; }
[ -x "$BENCHTOOL" ] || { echo "floor.sh: $BENCHTOOL is missing; build it (docs/performance.md)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "floor.sh: taskset (util-linux) is missing" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME=$WORK/cache
DATA=$WORK/data
mkdir -p "$DATA"
TOKEN=$(cd "$DATA" && java -jar "$JAR" token issue --subject bench --scope "users:read users:write" 2>/dev/null)
[ -n "$TOKEN" ] || { echo "floor.sh: token issue printed no token" >&2; exit 1; }
TICKS=$(getconf CLK_TCK)
PIN=(taskset -c "$CPU")
SHIPPED=()
read -r -a SHIPPED <<<"$(shipped_jvm_opts java "$JAR")"

# serve LABEL PATH HEADER CMD...: one start to the first 200 at PATH, measured, IDLE seconds idle, then stopped.
serve() {
  local label=$1 path=$2 header=$3 out pid ms u s rss idle
  shift 3
  out=$(cd "$DATA" && "$BENCHTOOL" startup -keep -port "$PORT" -dir "$DATA" -log "$WORK/$label.log" -path "$path" \
      -header "$header" -- "${PIN[@]}" "$@") || { echo "$label failed: $out" >&2; return 1; }
  pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
  ms=$(sed -n 's/.*startup_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  read -r u s < <(awk '{print $14, $15}' "/proc/$pid/stat")
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  LAST_EXE=$(readlink "/proc/$pid/exe")
  tr '\0' '\n' <"/proc/$pid/cmdline" >"$WORK/$label.cmdline"
  sleep "$IDLE"
  idle=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  echo "$label startup_ms=$ms cpu_ms=$(((u + s) * 1000 / TICKS)) rss_kib=$rss idle_rss_kib=$idle"
}

# empty: the JVM's own start, wall and CPU of a main that returns at once.
empty() {
  local started ended
  started=$(date +%s%N)
  "${PIN[@]}" /usr/bin/time -o "$WORK/time" -f "%U %S" "$JAVA" "${SHIPPED[@]}" -cp "$WORK/bare.jar" Empty
  ended=$(date +%s%N)
  echo "jvm startup_ms=$(((ended - started) / 1000000)) cpu_ms=$(awk '{printf "%d", ($1 + $2) * 1000}' "$WORK/time")"
}

readme() { serve users-readme "/api/v1/users?limit=1" "Authorization: Bearer $TOKEN" java -jar "$JAR" run \
  --set "http.port=$PORT" --set management.port=0; }

# Prime the README command's AOT cache: the first start (it migrates the new database and records nothing), a
# training start, a start that builds the cache, the build itself; at most 4 starts.
for _ in 1 2 3 4; do
  readme >/dev/null || exit 1
  grep -q -- '-XX:AOTCache=' "$WORK/users-readme.cmdline" && break
  await_aot_builds "$XDG_CACHE_HOME/servicekit"
done
readme >/dev/null || exit 1 # this one maps the cache: its command line is users-direct's
JAVA=$LAST_EXE
mapfile -t DIRECT <"$WORK/users-readme.cmdline"
grep -q -- '-XX:AOTCache=' "$WORK/users-readme.cmdline" ||
  { echo "floor.sh: the README command did not map an AOT cache: $(paste -sd' ' "$WORK/users-readme.cmdline")" >&2; exit 1; }
# The launcher's cache carries no training profiles on JDK 25+ (servicekit-launcher's AotCache.NO_TRAINING): the bare
# peer's cache is made and used the same way, so that the floor stays comparable.
NO_TRAINING=()
grep -qx -- '-XX:-AOTReplayTraining' "$WORK/users-readme.cmdline" &&
  NO_TRAINING=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:-AOTReplayTraining)
JDK_BIN=$(dirname "$JAVA")
[ -x "$JDK_BIN/javac" ] || { echo "floor.sh: $JDK_BIN has no javac (a JDK, not a JRE, is needed)" >&2; exit 1; }

# The bare Helidon peer, compiled against the jar's Helidon, and its AOT cache (JDK 24+: record, then create).
mkdir -p "$WORK/classes"
"$JDK_BIN/javac" -nowarn -cp "$JAR" -d "$WORK/classes" "$BENCH_DIR/peers/helidon-bare/"*.java || exit 1
"$JDK_BIN/jar" cf "$WORK/bare.jar" -C "$WORK/classes" . || exit 1
BARE=("$JAVA" "${SHIPPED[@]}" -cp "$JAR:$WORK/bare.jar" BareHelidon "$PORT")
(cd "$WORK" && "${BARE[0]}" -XX:AOTMode=record -XX:AOTConfiguration="$WORK/bare.aotconf" "${NO_TRAINING[@]}" \
  "${BARE[@]:1}" 4000 \
  >"$WORK/bare-record.log" 2>&1) &
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do sleep 0.05; done
wait
"${BARE[0]}" -XX:AOTMode=create -XX:AOTConfiguration="$WORK/bare.aotconf" -XX:AOTCache="$WORK/bare.aot" \
  "${NO_TRAINING[@]}" "${BARE[@]:1}" >"$WORK/bare-create.log" 2>&1 || { cat "$WORK/bare-create.log" >&2; exit 1; }

echo "# $(date -u +%FT%TZ) $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) jdk=$("$JAVA" -version 2>&1 | head -1)"
echo "# pinned to CPU $CPU; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$ROUNDS"); do
  empty
  serve helidon-cds / "X-Bench: floor" "${BARE[@]}"
  serve helidon-aot / "X-Bench: floor" "${BARE[0]}" -XX:AOTCache="$WORK/bare.aot" "${NO_TRAINING[@]}" "${BARE[@]:1}"
  serve users-direct "/api/v1/users?limit=1" "Authorization: Bearer $TOKEN" "${DIRECT[@]}"
  readme
done | tee "$WORK/lines"
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# medians of $ROUNDS: label startup_ms cpu_ms rss_kib idle_rss_kib"
for label in jvm helidon-cds helidon-aot users-direct users-readme; do
  printf '%-13s' "$label"
  for field in startup_ms cpu_ms rss_kib idle_rss_kib; do
    grep "^$label " "$WORK/lines" | grep -o " $field=[0-9.]*" | cut -d= -f2 | sort -n |
      awk '{v[NR]=$1} END{if (NR) printf " %9.0f", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); else printf " %9s", "-"}'
  done
  echo
done

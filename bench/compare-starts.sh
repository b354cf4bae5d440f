#!/usr/bin/env bash
# Before/after of two users-service jars on the README's command, interleaved over rounds (A B A B ...), with
# each JAVA given: `JAVA -jar JAR version` (wall and CPU time) and `JAVA -jar JAR run` to the first authenticated
# 200 to GET /api/v1/users?limit=1 (benchtool startup -keep), with the CPU time (user + system, from
# /proc/<pid>/stat) and the summed VmRSS of the service's processes (a launcher and its child, or one JVM) at
# that moment; then, STATUS_WAIT seconds later (default 2), `JAVA -jar JAR status` against that running service,
# once untimed (the service's first answer to it is its slowest) and once timed (wall and CPU time; it must answer
# 0); then SIGTERM and the time the stop took. The README's configuration: SQLite in a scratch data
# directory, auth on (the key the first `token issue` makes). Class-data archives and AOT caches go to a scratch
# XDG_CACHE_HOME; three warm-up rounds write them first (a JDK 24+ AOT cache takes up to three starts, the first of
# a new database not trained on, and a background build).
# Usage: bench/compare-starts.sh BEFORE.jar AFTER.jar [ROUNDS] [JAVA...]   (default 5 rounds, `java`)
# CPU=N pins each measured java process to CPU N (taskset), as bench/run.sh pins its servers; the default runs
# them unpinned.
# Output: one line per measurement, e.g.
#   java-17-openjdk-amd64-after run startup_ms=2391.8 cpu_ms=2560 rss_kib=115824 stop_ms=2501
#   java-17-openjdk-amd64-after status wall_ms=480 cpu_ms=460
# then a summary per java and measure: each side's median and range, and the difference within each round (after
# less before: median, mean, and in how many rounds AFTER was lower), e.g.
#   # java-17-openjdk-amd64 run startup_ms: before 1231 (1153-1313), after 1226 (1145-1368); after - before, same
#   round: median 6, mean 8.7, lower in 9 of 20
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
BEFORE=$(realpath "${1:?usage: compare-starts.sh BEFORE.jar AFTER.jar [ROUNDS] [JAVA...]}")
AFTER=$(realpath "${2:?usage: compare-starts.sh BEFORE.jar AFTER.jar [ROUNDS] [JAVA...]}")
ROUNDS=${3:-5}
shift 3 2>/dev/null || shift $#
JAVAS=("$@")
[ ${#JAVAS[@]} -eq 0 ] && JAVAS=(java)
BENCHTOOL="$BENCH_DIR/bin/benchtool"
[ -x "$BENCHTOOL" ] || { echo "compare-starts.sh: $BENCHTOOL is missing; build it (docs/performance.md)" >&2; exit 1; }
PORT=${PORT:-18080}
STATUS_WAIT=${STATUS_WAIT:-2}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"
DATA="$WORK/data"
mkdir -p "$DATA"
TOKEN=$(cd "$DATA" && java -jar "$BEFORE" token issue --subject bench --scope "users:read users:write" 2>/dev/null)
[ -n "$TOKEN" ] || { echo "compare-starts.sh: token issue with $BEFORE printed no token" >&2; exit 1; }
TICKS=$(getconf CLK_TCK)
PIN=()
if [ -n "${CPU:-}" ]; then
  command -v taskset >/dev/null || { echo "compare-starts.sh: CPU=$CPU needs taskset (util-linux)" >&2; exit 1; }
  PIN=(taskset -c "$CPU")
fi

# run LABEL JAVA JAR: one cold start of `run` to the first 200, measured, then stopped.
run() {
  local label=$1 java=$2 jar=$3 out pid ms cpu=0 rss=0 p u s r started
  out=$("$BENCHTOOL" startup -keep -port "$PORT" -dir "$DATA" -log "$WORK/$label.log" \
      -path "/api/v1/users?limit=1" -header "Authorization: Bearer $TOKEN" \
      -- "${PIN[@]}" "$java" -jar "$jar" run --set http.port="$PORT" --set management.port=0) || { echo "$label run failed: $out"; return; }
  pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
  ms=$(sed -n 's/.*startup_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  for p in $pid $(pgrep -P "$pid"); do
    read -r u s < <(awk '{print $14, $15}' "/proc/$p/stat")
    cpu=$((cpu + (u + s) * 1000 / TICKS))
    r=$(awk '/VmRSS/{print $2}' "/proc/$p/status")
    rss=$((rss + r))
  done
  sleep "$STATUS_WAIT"
  status "$label" "$java" "$jar"
  status "$label" "$java" "$jar"
  kill -TERM "$pid"
  started=$(date +%s%N)
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  echo "$label run startup_ms=$ms cpu_ms=$cpu rss_kib=$rss stop_ms=$(( ($(date +%s%N) - started) / 1000000 ))"
  echo "$STATUS_LINE"
}

# version LABEL JAVA JAR: wall and CPU time of `version`.
version() {
  local label=$1 java=$2 jar=$3 started ended
  started=$(date +%s%N)
  "${PIN[@]}" /usr/bin/time -o "$WORK/time" -f "%U %S" "$java" -jar "$jar" version >/dev/null
  ended=$(date +%s%N)
  echo "$label version wall_ms=$(( (ended - started) / 1000000 )) cpu_ms=$(awk '{printf "%d", ($1 + $2) * 1000}' "$WORK/time")"
}

# status LABEL JAVA JAR: wall and CPU time of `status` against the running service (printed after the run's line).
status() {
  local label=$1 java=$2 jar=$3 started ended code
  started=$(date +%s%N)
  "${PIN[@]}" /usr/bin/time -o "$WORK/time" -f "%U %S" "$java" -jar "$jar" status --set data-dir="$DATA" \
      >"$WORK/status.out" 2>&1
  code=$?
  ended=$(date +%s%N)
  if [ "$code" -ne 0 ]; then
    STATUS_LINE="# $label status failed with exit code $code: $(head -c 300 "$WORK/status.out" | tr '\n' ' ')"
  else
    STATUS_LINE="$label status wall_ms=$(( (ended - started) / 1000000 )) cpu_ms=$(awk 'END {printf "%d", ($1 + $2) * 1000}' "$WORK/time")"
  fi
}

# The Java home's directory name (java-17-openjdk-amd64, temurin-25-jdk-amd64): `java` alone says nothing.
home_name() {
  basename "$(dirname "$(dirname "$(readlink -f "$(command -v "$1")")")")"
}

round() {
  local java side jar
  for java in "${JAVAS[@]}"; do
    for side in before after; do
      jar=$BEFORE
      [ "$side" = after ] && jar=$AFTER
      version "$(home_name "$java")-$side" "$java" "$jar"
      run "$(home_name "$java")-$side" "$java" "$jar"
    done
  done
}

# Writes the archives, or (JDK 24+) makes the AOT caches: the first run migrates the new database (a start of a jar
# that has not yet run the service records nothing), the second records, the third builds in the background.
for _ in 1 2 3; do
  round >/dev/null
  await_aot_builds "$XDG_CACHE_HOME/servicekit"
done
# summary FILE: for each java and measure, the medians (and ranges) of each side, and the difference within each
# round (after less before, the two measured minutes apart): its median and mean, and in how many rounds AFTER was
# lower. The paired difference sees a small change that the medians' ranges hide on a machine whose speed drifts.
summary() {
  awk '
    /^#/ { next }
    { split($1, l, "-"); side = l[length(l)]; home = substr($1, 1, length($1) - length(side) - 1); kind = $2
      for (i = 3; i <= NF; i++) {
        split($i, kv, "="); if (kv[1] == "stop_ms") continue
        k = home SUBSEP kind SUBSEP kv[1]; keys[k] = 1
        n = ++count[k, side]; v[k, side, n] = kv[2] } }
    function median(a, m,   i, j, t, b) { for (i = 1; i <= m; i++) b[i] = a[i]
      for (i = 2; i <= m; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
      lo = b[1]; hi = b[m]; return (m % 2) ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2 }
    END { for (k in keys) { split(k, p, SUBSEP); m = count[k, "before"] < count[k, "after"] ? count[k, "before"] : count[k, "after"]
        if (m == 0) continue
        delete x; for (i = 1; i <= m; i++) x[i] = v[k, "before", i]; mb = median(x, m); lb = lo; hb = hi
        delete x; for (i = 1; i <= m; i++) x[i] = v[k, "after", i]; ma = median(x, m); la = lo; ha = hi
        delete x; sum = 0; lower = 0
        for (i = 1; i <= m; i++) { x[i] = v[k, "after", i] - v[k, "before", i]; sum += x[i]; if (x[i] < 0) lower++ }
        md = median(x, m)
        printf "# %s %s %s: before %g (%g-%g), after %g (%g-%g); after - before, same round: median %g, mean %.1f, lower in %d of %d\n",
          p[1], p[2], p[3], mb, lb, hb, ma, la, ha, md, sum / m, lower, m } }' "$1" | sort
}

echo "# ${CPU:+pinned to CPU $CPU; }load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$ROUNDS"); do
  round
done | tee "$WORK/rounds"
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
summary "$WORK/rounds"

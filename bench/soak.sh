#!/usr/bin/env bash
# The soak (issue 18, SPEC §16): users-service on its shipped defaults (SQLite, JWT on, access log on), started from
# the shaded jar with its shipped JVM options (`version --jvm-options`, as `install` writes them), under DURATION of
# mixed load on loopback (wrk with bench/lua/soak-mix.lua: GET by id, list, POST, PUT, DELETE, with a JWT). Every
# INTERVAL it samples the JVM's resident memory, heap after GC, threads and open file descriptors into a CSV, then
# draws them (PNG, gnuplot) and says whether each series is flat. See docs/operations.md#soak.
#
# Usage: bench/soak.sh [--duration D] [--interval S] [--tolerance PCT] [--connections N] [--seed-users N]
#                      [--out DIR] [--java PATH] [--jar PATH]
#   --duration D     how long the load runs: 120s, 30m, 1h (default: $DURATION, else 30m); at most 24h
#   --interval S     seconds between samples (default 10)
#   --tolerance PCT  how far the last third's median may be from the middle third's, in percent (default 5)
#   --connections N  wrk connections, over 2 threads (default 16)
#   --seed-users N   users created before the load, read by GET by id (default 1000)
#   --out DIR        where soak-<UTC time>.csv, .png and .txt go (default: bench/results for a run of 30 minutes or
#                    more, the one to commit; bench/out, never committed, for a shorter trial)
#   --java, --jar    the java (default: the JDK 21+ ./mvnw picks) and jar (default users-service/target/users-service.jar)
#
# Columns of the CSV, one row per sample:
#   t_s                  seconds since the load started
#   rss_kib              VmRSS of the JVM (/proc/PID/status)
#   heap_after_gc_bytes  jvm_gc_live_data_size_bytes from /metrics: the old generation after the last major GC
#                        (empty until the first one)
#   heap_used_bytes      jvm_memory_used_bytes, heap pools summed (the sawtooth, for the chart only)
#   major_gcs, minor_gcs jvm_gc_pause_seconds_count, summed by action
#   threads              Threads: of /proc/PID/status (every thread of the JVM, its own included)
#   fds                  entries of /proc/PID/fd
#   requests_2xx         from the access log so far (lines with a 2xx status), to show that the load ran
# Flat: the first third of the samples is warm-up; a series is flat when the median of the last third is within
# the tolerance of the median of the middle third, or within a floor (RSS 8 MiB, heap after GC 2 MiB, threads 2,
# file descriptors 4) for series too small for a percentage to mean much. Heap after GC is judged only over
# samples taken after a major GC, and only when a major GC happened in both the middle and the last third; else it
# is "not judged".
# Exit status: 0 when every series is judged and flat and no answer was 5xx; 1 otherwise; 2 on a usage error.
# Needs: wrk, curl, gnuplot (apt-get install -y wrk curl gnuplot-nox) and bench/bin/benchtool (built by bench/run.sh,
# or: cd bench/tools/benchtool && env GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -o ../../bin/benchtool .).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
DURATION_TEXT=${DURATION:-30m}
INTERVAL=10
TOLERANCE=5
CONNECTIONS=16
SEED_USERS=1000
RESULTS=
JAVA=
JAR=$ROOT/users-service/target/users-service.jar

usage() { sed -n '2,36p' "$0"; }
die() { echo "soak.sh: $*" >&2; exit 1; }
usage_error() { echo "soak.sh: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

while (($#)); do
  case "$1" in
    --duration) DURATION_TEXT=${2:?}; shift ;;
    --interval) INTERVAL=${2:?}; shift ;;
    --tolerance) TOLERANCE=${2:?}; shift ;;
    --connections) CONNECTIONS=${2:?}; shift ;;
    --seed-users) SEED_USERS=${2:?}; shift ;;
    --out) RESULTS=${2:?}; shift ;;
    --java) JAVA=${2:?}; shift ;;
    --jar) JAR=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; usage_error "unknown argument '$1'" ;;
  esac
  shift
done

# seconds DURATION: 90, 90s, 30m, 1h -> seconds
seconds() {
  [[ $1 =~ ^([0-9]+)([smh]?)$ ]] || return 1
  local n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; esac
  echo "$n"
}
DURATION_S=$(seconds "$DURATION_TEXT") || usage_error "duration '$DURATION_TEXT' must be a number of seconds, or like 120s, 30m, 1h"
((DURATION_S >= 30 && DURATION_S <= 86400)) || usage_error "duration '$DURATION_TEXT' must be from 30s to 24h"
[[ $INTERVAL =~ ^[0-9]+$ ]] && ((INTERVAL >= 1 && INTERVAL <= 600)) || usage_error "interval '$INTERVAL' must be 1..600 seconds"
((DURATION_S >= 6 * INTERVAL)) || usage_error "duration '$DURATION_TEXT' gives fewer than 6 samples at --interval $INTERVAL"
[[ $TOLERANCE =~ ^[0-9]+$ ]] && ((TOLERANCE >= 1 && TOLERANCE <= 100)) || usage_error "tolerance '$TOLERANCE' must be 1..100 (percent)"
[[ $CONNECTIONS =~ ^[0-9]+$ ]] && ((CONNECTIONS >= 2 && CONNECTIONS <= 1000)) || usage_error "connections '$CONNECTIONS' must be 2..1000"
[[ $SEED_USERS =~ ^[0-9]+$ ]] && ((SEED_USERS >= 100 && SEED_USERS <= 1000000)) || usage_error "seed-users '$SEED_USERS' must be 100..1000000"

if [[ -z $JAVA ]]; then
  . "$ROOT/.mvn/select-jdk.sh" # the same JDK 21+ as ./mvnw
  JAVA=$JAVA_HOME/bin/java
fi
BENCHTOOL=$BENCH_DIR/bin/benchtool
[[ -x $BENCHTOOL ]] || die "no $BENCHTOOL; build it: cd bench/tools/benchtool && env GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -o ../../bin/benchtool ."
[[ -f $JAR ]] || die "no jar '$JAR'; build it: ./mvnw -o -q -pl users-service -am -DskipTests package"
for tool in wrk curl gnuplot; do
  command -v "$tool" >/dev/null || die "$tool is missing; install it with: apt-get install -y $([[ $tool == gnuplot ]] && echo gnuplot-nox || echo "$tool")"
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
if [[ -z $RESULTS ]]; then
  if ((DURATION_S >= 1800)); then RESULTS=$BENCH_DIR/results; else RESULTS=$BENCH_DIR/out; fi
fi
WORK=$BENCH_DIR/out/soak-$STAMP # the data directory, the server's log, wrk's output: never committed
mkdir -p "$WORK/data" "$RESULTS"
CSV=$RESULTS/soak-$STAMP.csv
PNG=$RESULTS/soak-$STAMP.png
TXT=$RESULTS/soak-$STAMP.txt
cp "$JAR" "$WORK/users-service.jar" # a build during the run changes nothing
JAR=$WORK/users-service.jar

SERVER_PID=
WRK_PID=
LOG_FILTER_PID=
cleanup() {
  [[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null || true
  [[ -n $LOG_FILTER_PID ]] && kill "$LOG_FILTER_PID" 2>/dev/null || true
  [[ -n $SERVER_PID ]] && kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

# The token: a signing key in the data directory (the default auth.hs256-secret-file), valid beyond the run.
TOKEN=$(cd "$WORK/data" && "$JAVA" -jar "$JAR" token issue --subject soak --scope "users:read users:write" \
          --ttl "$((DURATION_S / 3600 + 2))h" --set "data-dir=$WORK/data" 2>"$WORK/token.err") ||
  { cat "$WORK/token.err" >&2; die "'token issue' failed"; }
[[ $TOKEN == *.*.* ]] || die "'token issue' printed no JWT: '$TOKEN'"

mapfile -t JVM_OPTIONS < <("$JAVA" -jar "$JAR" version --jvm-options) || die "'version --jvm-options' failed"
((${#JVM_OPTIONS[@]})) || die "'version --jvm-options' printed nothing"
PORT=$("$BENCHTOOL" freeport)
MPORT=$("$BENCHTOOL" freeport)
# The access log stays on (a shipped default), but at thousands of lines a second it is counted, not kept: every
# other line goes to server.log.
mkfifo "$WORK/server.pipe"
awk -v counts="$WORK/access-2xx" '
  / dev\.servicekit\.http\.access / {
    if ($0 ~ / [A-Z]+ [^ ]+ 2[0-9][0-9] /) { n++; if (n % 1000 == 0) { print n > counts; close(counts) } }
    next
  }
  { print; fflush() }
  END { print n + 0 > counts }' <"$WORK/server.pipe" >"$WORK/server.log" &
LOG_FILTER_PID=$!
log "starting users-service (shipped options, SQLite, JWT, access log) on 127.0.0.1:$PORT, management $MPORT"
line=$("$BENCHTOOL" startup -keep -port "$PORT" -dir "$WORK" -log "$WORK/server.pipe" -timeout 120s \
         -header "Authorization: Bearer $TOKEN" -- \
         "$JAVA" "${JVM_OPTIONS[@]}" -jar "$JAR" run \
         --set "http.port=$PORT" --set "management.port=$MPORT" --set "data-dir=$WORK/data") ||
  { tail "$WORK/server.log" >&2; die "users-service did not start"; }
SERVER_PID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
[[ -n $SERVER_PID ]] || die "benchtool startup printed no pid: '$line'"

log "seeding $SEED_USERS users"
"$BENCHTOOL" seed -url "http://127.0.0.1:$PORT" -n "$SEED_USERS" -header "Authorization: Bearer $TOKEN" >/dev/null

# sample T: one CSV row
sample() {
  local pid=$SERVER_PID metrics rss threads fds ok
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  metrics=$(curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics") ||
    { log "t=$1 s: GET /metrics on 127.0.0.1:$MPORT failed; this row has no heap figures"; metrics=; }
  ok=$(cat "$WORK/access-2xx" 2>/dev/null || echo 0)
  awk -v t="$1" -v rss="$rss" -v threads="$threads" -v fds="$fds" -v ok="$ok" '
    /^jvm_gc_live_data_size_bytes / { live = $2 + 0 }
    /^jvm_memory_used_bytes\{area="heap"/ { heap += $NF }
    /^jvm_gc_pause_seconds_count\{action="end of major GC"/ { major += $NF }
    /^jvm_gc_pause_seconds_count\{action="end of minor GC"/ { minor += $NF }
    END { printf "%d,%s,%s,%.0f,%d,%d,%s,%s,%s\n", t, rss, (live > 0 ? sprintf("%.0f", live) : ""), heap, major, minor,
                 threads, fds, ok }' <<<"$metrics"
}

echo "t_s,rss_kib,heap_after_gc_bytes,heap_used_bytes,major_gcs,minor_gcs,threads,fds,requests_2xx" >"$CSV"
log "load: wrk -t2 -c$CONNECTIONS for ${DURATION_S}s (bench/lua/soak-mix.lua); a sample every ${INTERVAL}s into $CSV"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION_S}s" --timeout 10s -H "Authorization: Bearer $TOKEN" \
  -s "$BENCH_DIR/lua/soak-mix.lua" "http://127.0.0.1:$PORT" -- "$SEED_USERS" "soak$STAMP" >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
START=$(date +%s)
next=0
while kill -0 "$WRK_PID" 2>/dev/null; do
  now=$(($(date +%s) - START))
  if ((now >= next)); then
    kill -0 "$SERVER_PID" 2>/dev/null || die "users-service (pid $SERVER_PID) is gone; see $WORK/server.log"
    sample "$now" >>"$CSV"
    next=$((next + INTERVAL))
    if ((next % 300 == 0)); then log "$(tail -1 "$CSV")"; fi
  fi
  sleep 1 # the sampling cadence, not a wait for a condition
done
WRK_PID=
kill -0 "$SERVER_PID" 2>/dev/null || die "users-service (pid $SERVER_PID) died during the load; see $WORK/server.log"
log "stopping users-service (SIGTERM)"
kill -TERM -- "-$SERVER_PID"
for ((i = 0; i < 600; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  log "users-service still running 60 s after SIGTERM; killing it"
  kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
fi
SERVER_PID=
cat "$WORK/wrk.txt" >&2
statuses=$(grep '^status_2xx=' "$WORK/wrk.txt" || true)
[[ -n $statuses ]] || die "wrk printed no status counts; see $WORK/wrk.txt"
requests_per_s=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$WORK/wrk.txt")

# flat NAME COLUMN SCALE UNIT FLOOR [EVENTS]: the verdict line for one series (FLOOR in the series' unit after
# SCALE). With EVENTS, the column of a counter that must grow in the middle and in the last third for a verdict
# (the major GCs that update heap after GC).
flat() {
  awk -F, -v name="$1" -v col="$2" -v scale="$3" -v unit="$4" -v floor="$5" -v events="${6:-0}" -v tol="$TOLERANCE" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NR > 1 { rows++; value[rows] = $col; if (events) count[rows] = $events }
    END {
      third = int(rows / 3)
      if (events) {
        e2 = count[2 * third] - count[third]; e3 = count[rows] - count[rows - third]
        if (e2 < 1 || e3 < 1) {
          printf "%-14s not judged: %d and %d major GCs in the middle and last thirds (at least 1 each)\n", name, e2, e3
          exit 3
        }
      }
      for (i = third + 1; i <= 2 * third; i++) if (value[i] != "") middle[++m] = value[i] / scale
      for (i = rows - third + 1; i <= rows; i++) if (value[i] != "") last[++l] = value[i] / scale
      if (m < 2 || l < 2) {
        printf "%-14s not judged: %d and %d samples in the middle and last thirds (at least 2 each)\n", name, m, l
        exit 3
      }
      a = median(middle, m); b = median(last, l); allowed = a * tol / 100; if (allowed < floor) allowed = floor
      d = b - a; verdict = (d <= allowed && -d <= allowed) ? "FLAT" : "NOT FLAT"
      printf "%-14s %s: median %.1f %s in the middle third, %.1f %s in the last (%+.1f, allowed +/-%.1f)\n",
             name, verdict, a, unit, b, unit, d, allowed
      exit (verdict == "FLAT" ? 0 : 1)
    }' "$CSV"
}

{
  echo "users-service soak, $STAMP: ${DURATION_S}s of mixed load, a sample every ${INTERVAL}s, tolerance ${TOLERANCE}%"
  echo "jar: $(sha256sum "$JAR" | cut -c1-16) ($("$JAVA" -jar "$JAR" version 2>/dev/null | head -1)); java: $("$JAVA" -version 2>&1 | head -1)"
  echo "JVM options: ${JVM_OPTIONS[*]}"
  echo "machine: $(nproc) CPUs, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "load: wrk -t2 -c$CONNECTIONS, $requests_per_s req/s; $statuses"
} >"$TXT"
failed=0
for series in "RSS,2,1024,MiB,8" "heap after GC,3,1048576,MiB,2,5" "threads,7,1,,2" "file descr.,8,1,,4"; do
  IFS=, read -r name col scale unit floor events <<<"$series"
  rc=0
  flat "$name" "$col" "$scale" "$unit" "$floor" "$events" >>"$TXT" || rc=$?
  ((rc != 0)) && failed=1
done
[[ $statuses == *"status_5xx=0 "* ]] || { echo "answers >= 500 during the load: $statuses" >>"$TXT"; failed=1; }

# The chart: four panels over the run's minutes.
term=pngcairo
gnuplot -e 'set terminal pngcairo' 2>/dev/null || term=png
gnuplot <<GNUPLOT || die "gnuplot failed to draw $PNG"
set terminal $term size 1200,900
set output '$PNG'
set datafile separator ','
set datafile missing ''
set key bottom right
set grid
set offsets graph 0, 0, 0.15, 0
set xlabel 'minutes under load'
set multiplot layout 2,2 title 'users-service soak $STAMP (${DURATION_S}s, wrk -c$CONNECTIONS, $requests_per_s req/s)'
set title 'resident memory (VmRSS)'; set ylabel 'MiB'; set yrange [0:*]
plot '$CSV' using (\$1/60):(\$2/1024) every ::1 with lines lw 2 title 'RSS'
set title 'Java heap'; set ylabel 'MiB'
plot '$CSV' using (\$1/60):(\$4/1048576) every ::1 with lines lc rgb '#bbbbbb' title 'used (sawtooth)', \
     '$CSV' using (\$1/60):(\$3/1048576) every ::1 with linespoints lw 2 pt 7 ps 0.5 title 'after the last major GC'
set title 'threads'; set ylabel 'threads'
plot '$CSV' using (\$1/60):7 every ::1 with lines lw 2 title 'threads (/proc)'
set title 'open file descriptors'; set ylabel 'fds'
plot '$CSV' using (\$1/60):8 every ::1 with lines lw 2 title 'fds (/proc/PID/fd)'
unset multiplot
GNUPLOT

cat "$TXT"
echo "CSV: $CSV"
echo "chart: $PNG"
echo "summary: $TXT; the server's log and wrk's output: $WORK"
exit "$failed"

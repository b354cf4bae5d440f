#!/usr/bin/env bash
# Compares users-service cold start and memory under sets of JVM options, including an AppCDS archive
# and the JDK AOT cache (each created by a training run first). Companion of bench/run.sh, which must
# have built the artifacts (bench/bin/benchtool, users-service/target/users-service.jar).
#
# Usage: bench/jvm-options.sh [--starts N] [--store memory|sqlite] [--load SECONDS] [SET...]
#   SET names (default: all): defaults install serial64 lean lean-c1 appcds aot aot-lean install-appcds install-aot
#   --load S also runs S seconds of GET-by-id warm-up and S seconds measured (C1-only costs throughput)
# Starts are interleaved over the sets; the server is on CPU 0, the probe on CPU 1, as in run.sh.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
STARTS=5
STORE=memory
LOAD=0
SETS=()
while (($#)); do
  case "$1" in
    --starts) STARTS=${2:?}; shift ;;
    --store) STORE=${2:?}; shift ;;
    --load) LOAD=${2:?}; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "jvm-options.sh: unknown option '$1'" >&2; exit 2 ;;
    *) SETS+=("$1") ;;
  esac
  shift
done
((${#SETS[@]})) || SETS=(defaults install serial64 lean lean-c1 appcds aot aot-lean install-appcds install-aot)

die() { echo "jvm-options.sh: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
. "$ROOT/.mvn/select-jdk.sh" # the same JDK 21+ as ./mvnw
JAVA=$JAVA_HOME/bin/java
JAR=$ROOT/users-service/target/users-service.jar
BENCHTOOL=$BENCH_DIR/bin/benchtool
[[ -x $BENCHTOOL && -e $JAR ]] || die "build first: bench/run.sh --quick --only go-nethttp (or any run) builds $BENCHTOOL and the jar"
OUT=$BENCH_DIR/out/jvm-options-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
INSTALL=$(shipped_jvm_opts "$JAVA" "$JAR") || die "cannot read the shipped JVM options from $JAR"
LEAN="-XX:+UseSerialGC -Xss256k -Xmx64m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:CICompilerCount=2"
declare -A OPTS=(
  [defaults]=""
  [install]="$INSTALL"
  [serial64]="-XX:+UseSerialGC -Xmx64m"
  [lean]="$LEAN"
  [lean-c1]="-XX:+UseSerialGC -Xss256k -Xmx64m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
  [appcds]="-XX:SharedArchiveFile=$OUT/app.jsa"
  [install-appcds]="$INSTALL -XX:SharedArchiveFile=$OUT/app.jsa"
  [install-aot]="$INSTALL -XX:AOTCache=$OUT/app.aot"
  [aot]="-XX:AOTCache=$OUT/app.aot"
  [aot-lean]="-XX:AOTCache=$OUT/app.aot $LEAN"
)
for s in "${SETS[@]}"; do [[ -v OPTS[$s] ]] || die "unknown set '$s'; use: ${!OPTS[*]}"; done

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done' EXIT

store_args() { # store_args DIR
  if [[ $STORE == sqlite ]]; then echo "--set store.url=jdbc:sqlite:$1/users.db"; else echo "--set store.url=memory:"; fi
}

# start SET TAG [EXTRA_JVM_OPTS]: cold start, idle RSS after 3 s, optional load, stop. Prints one line.
start() {
  local set=$1 tag=$2 extra=${3:-}
  local dir=$OUT/$set-$tag port mport line pid
  mkdir -p "$dir"
  port=$("$BENCHTOOL" freeport); mport=$("$BENCHTOOL" freeport)
  # shellcheck disable=SC2086 # option strings are word lists on purpose
  line=$(taskset -c 1 "$BENCHTOOL" startup -keep -port "$port" -dir "$dir" -log "$dir/server.log" -- \
           taskset -c 0 "$JAVA" ${OPTS[$set]} $extra -Xlog:disable -Xlog:all=warning:stderr -jar "$JAR" run \
           --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir" $(store_args "$dir") \
           --set auth.enabled=false --set log.access=false) || { tail "$dir/server.log" >&2; die "$set did not start"; }
  pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
  PIDS+=("$pid")
  sleep 3
  local idle rps="-"
  idle=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  if ((LOAD)); then
    taskset -c 1 "$BENCHTOOL" seed -url "http://127.0.0.1:$port" -n 1000 >/dev/null
    taskset -c 1 wrk -t2 -c64 -d"${LOAD}s" -s "$BENCH_DIR/lua/get-by-id.lua" "http://127.0.0.1:$port" -- 1000 >/dev/null
    rps=$(taskset -c 1 wrk -t2 -c64 -d"${LOAD}s" -s "$BENCH_DIR/lua/get-by-id.lua" "http://127.0.0.1:$port" -- 1000 | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
  fi
  local after
  after=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  kill -TERM -- "-$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "$line idle_kib=$idle rps=$rps after_kib=$after"
}

# Training runs: AppCDS dumps its archive at exit; the AOT cache is written at exit of the training run.
if [[ " ${SETS[*]} " == *"appcds "* ]]; then
  log "training AppCDS archive"
  train_set=appcds; [[ " ${SETS[*]} " == *" install-appcds "* ]] && train_set=install-appcds
  start "$train_set" train "-XX:+AutoCreateSharedArchive" >/dev/null
  ls -l "$OUT/app.jsa" >&2 || die "no AppCDS archive was written"
fi
if [[ " ${SETS[*]} " == *"aot"* ]]; then
  log "training AOT cache (with 1000 POSTs and GETs so that request handling is in the cache)"
  saved=$LOAD; LOAD=${LOAD:-0}; ((LOAD)) || LOAD=3
  OPTS[aot-train]="-XX:AOTCacheOutput=$OUT/app.aot"
  [[ " ${SETS[*]} " == *" install-aot "* ]] && OPTS[aot-train]="${OPTS[install]} -XX:AOTCacheOutput=$OUT/app.aot"
  start aot-train train >/dev/null
  LOAD=$saved
  ls -l "$OUT/app.aot" >&2 || die "no AOT cache was written"
fi

printf 'set\tstart\tstartup_ms\trss_first_mib\trss_idle_mib\tget_id_rps\trss_after_mib\n' >"$OUT/results.tsv"
for ((i = 1; i <= STARTS; i++)); do
  for s in "${SETS[@]}"; do
    line=$(start "$s" "s$i")
    awk -v s="$s" -v i="$i" '{ for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] } }
      END { printf "%s\t%d\t%s\t%.0f\t%.0f\t%s\t%.0f\n", s, i, v["startup_ms"], v["rss_kib"] / 1024, v["idle_kib"] / 1024, v["rps"], v["after_kib"] / 1024 }' \
      <<<"$line" | tee -a "$OUT/results.tsv" >&2
  done
done

echo
echo "| set | JVM options | startup ms (median of $STARTS) | RSS at first 200 MB | RSS idle MB | GET id req/s | RSS after MB |"
echo "|---|---|---|---|---|---|---|"
for s in "${SETS[@]}"; do
  awk -F'\t' -v s="$s" -v o="${OPTS[$s]//$OUT\//}" '
    function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
                                     return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    $1 == s { n++; st[n] = $3; rf[n] = $4; ri[n] = $5; rp[n] = $6; ra[n] = $7 }
    END { printf "| %s | `%s` | %.0f | %.0f | %.0f | %s | %.0f |\n", s, o, med(st, n), med(rf, n), med(ri, n), (rp[1] == "-" ? "-" : sprintf("%.0f", med(rp, n))), med(ra, n) }' "$OUT/results.tsv"
done
[[ -e $OUT/app.jsa ]] && echo "AppCDS archive: $(du -m "$OUT/app.jsa" | cut -f1) MB"
[[ -e $OUT/app.aot ]] && echo "AOT cache: $(du -m "$OUT/app.aot" | cut -f1) MB"
echo "Raw: $OUT/results.tsv"

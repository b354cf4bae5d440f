#!/usr/bin/env bash
# Where users-service's resident memory goes, on the shipped defaults (SQLite, JWT on, access log on): one
# instance per named set of JVM options, idle RSS 3 s and 30 s after the first 200, then a bounded load (seed
# 1,000 users, GET by id, then POST, wrk -t2 -c64) and RSS after it and 30 s later. With --nmt the instance
# also runs with -XX:NativeMemoryTracking=summary and the script saves, idle and after load, `jcmd
# VM.native_memory summary`, /proc/<pid>/smaps_rollup, the largest mappings of /proc/<pid>/smaps, the thread
# names and the class count (`jcmd VM.classes`; NMT itself costs a few MB, so compare RSS only between runs with the same flag).
# Companion of bench/run.sh, which builds the artifacts (bench/bin/benchtool, users-service/target/users-service.jar).
#
# Usage: bench/memory.sh [--rounds N] [--load SECONDS] [--nmt] [--java PATH] [--jar PATH] [SET=OPTIONS...]
#   SET=OPTIONS  a name and its JVM options, e.g. "small=-XX:+UseSerialGC -Xmx64m", with environment variables for
#                the JVM first if any (e.g. "arena2=MALLOC_ARENA_MAX=2 -XX:+UseSerialGC"); "shipped" (the default set)
#                is `version --jvm-options` as `install` writes it, the class-data archive included (one
#                archive per set, written by a first, unmeasured run).
#   Sets are run interleaved, N rounds (default 3); --load is the seconds of each wrk run (default 20). --jar measures
#   another jar than users-service/target/users-service.jar (a copy, so that a build during the run changes nothing).
# The server is on CPU 0, wrk and the probes on CPU 1, as in run.sh. Prints a table of medians.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
ROUNDS=3
LOAD=20
NMT=0
JAVA=
JAR=$ROOT/users-service/target/users-service.jar
SETS=()
declare -A OPTS=()
while (($#)); do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift ;;
    --load) LOAD=${2:?}; shift ;;
    --nmt) NMT=1 ;;
    --java) JAVA=${2:?}; shift ;;
    --jar) JAR=${2:?}; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "memory.sh: unknown option '$1'" >&2; exit 2 ;;
    *=*) SETS+=("${1%%=*}"); OPTS[${1%%=*}]=${1#*=} ;;
    shipped) SETS+=(shipped) ;;
    *) echo "memory.sh: '$1' is not SET=OPTIONS nor 'shipped'" >&2; exit 2 ;;
  esac
  shift
done
((${#SETS[@]})) || SETS=(shipped)

die() { echo "memory.sh: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
if [[ -z $JAVA ]]; then
  . "$ROOT/.mvn/select-jdk.sh" # the same JDK 21+ as ./mvnw
  JAVA=$JAVA_HOME/bin/java
fi
JCMD=$(dirname "$JAVA")/jcmd
BENCHTOOL=$BENCH_DIR/bin/benchtool
[[ -x $BENCHTOOL && -e $JAR ]] || die "build first: bench/run.sh --quick --only go-nethttp (or any run) builds $BENCHTOOL and the jar"
command -v wrk >/dev/null || die "wrk is missing; install it with: apt-get install -y wrk"
OUT=$BENCH_DIR/out/memory-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT/auth"
if [[ " ${SETS[*]} " == *" shipped "* && ! -v OPTS[shipped] ]]; then
  OPTS[shipped]=$("$JAVA" -jar "$JAR" version --jvm-options | paste -sd' ' -) || die "'version --jvm-options' failed"
fi

TOKEN=$(cd "$OUT/auth" && "$JAVA" -jar "$JAR" token issue --subject bench --scope "users:read users:write" \
          --ttl 12h --set "data-dir=$OUT/auth" 2>"$OUT/auth/token.err") || { cat "$OUT/auth/token.err" >&2; die "token issue failed"; }
[[ $TOKEN == *.*.* ]] || die "'token issue' printed no JWT: '$TOKEN'"

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done' EXIT
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# snapshot PID DIR WHEN: the breakdown files (with --nmt) for one moment.
snapshot() {
  local pid=$1 dir=$2 when=$3
  cat "/proc/$pid/smaps_rollup" >"$dir/smaps_rollup-$when.txt"
  # the mappings by resident size: Rss kB, then the mapping's name (anonymous ones as [anon] with their range)
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6 ? $6 : "[anon " $1 "]") }
       /^Rss:/ { rss[name] += $2 }
       END { for (n in rss) if (rss[n] >= 256) printf "%8d kB  %s\n", rss[n], n }' "/proc/$pid/smaps" | sort -rn >"$dir/smaps-$when.txt"
  ls "/proc/$pid/task" | wc -l >"$dir/threads-$when.txt"
  for t in /proc/"$pid"/task/*; do cat "$t/comm" 2>/dev/null || true; done | sed 's/[0-9]\+$/N/' | sort | uniq -c | sort -rn >>"$dir/threads-$when.txt"
  if ((NMT)); then
    "$JCMD" "$pid" VM.native_memory summary >"$dir/nmt-$when.txt" 2>&1 || true
    # the classes loaded, and those of them from a class-data archive or AOT cache (flag S); the PerfCounters count
    # only the classes loaded since the JVM started, not those restored from an archive
    "$JCMD" "$pid" VM.classes 2>/dev/null | awk '$1 ~ /^0x/ { n++; if (NF >= 5 && $4 ~ /S/) s++ }
      END { printf "classes=%d from_archive=%d\n", n, s }' >"$dir/classes-$when.txt" || true
  fi
}

# run SET TAG: one instance; prints "rss_first idle3 idle30 after after30 get post" (KiB, KiB, ..., req/s).
run() {
  local set=$1 tag=$2 dir=$OUT/$1-$2 port mport line pid
  local cwd=$OUT/$1-cwd # the working directory, where the shipped relative archive path lands: kept per set
  mkdir -p "$dir" "$cwd"
  install -m 600 "$OUT/auth/jwt-hs256.key" "$dir/jwt-hs256.key"
  port=$("$BENCHTOOL" freeport); mport=$("$BENCHTOOL" freeport)
  local nmt=() env=() jvm=() word
  ((NMT)) && nmt=(-XX:NativeMemoryTracking=summary)
  for word in ${OPTS[$set]}; do # leading NAME=VALUE words are the JVM's environment
    if ((${#jvm[@]} == 0)) && [[ $word =~ ^[A-Z_][A-Z0-9_]*= ]]; then env+=("$word"); else jvm+=("$word"); fi
  done
  line=$(taskset -c 1 "$BENCHTOOL" startup -keep -port "$port" -dir "$cwd" -log "$dir/server.log" \
           -header "Authorization: Bearer $TOKEN" -- \
           env "${env[@]}" taskset -c 0 "$JAVA" "${jvm[@]}" "${nmt[@]}" -jar "$JAR" run \
           --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir") ||
    { tail "$dir/server.log" >&2; die "$set did not start"; }
  pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
  PIDS+=("$pid")
  local first idle3 idle30 after after30 get=- post=-
  first=$(sed -n 's/.*rss_kib=\([0-9]*\).*/\1/p' <<<"$line")
  sleep 3; idle3=$(rss "$pid")
  sleep 27; idle30=$(rss "$pid")
  snapshot "$pid" "$dir" idle
  if ((LOAD)); then
    local h=(-H "Authorization: Bearer $TOKEN")
    taskset -c 1 "$BENCHTOOL" seed -url "http://127.0.0.1:$port" -n 1000 -header "Authorization: Bearer $TOKEN" >/dev/null
    get=$(taskset -c 1 wrk -t2 -c64 -d"${LOAD}s" "${h[@]}" -s "$BENCH_DIR/lua/get-by-id.lua" "http://127.0.0.1:$port" -- 1000 |
            awk '/^Requests\/sec:/ {printf "%.0f", $2}')
    post=$(taskset -c 1 wrk -t2 -c64 -d"${LOAD}s" "${h[@]}" -s "$BENCH_DIR/lua/post-user.lua" "http://127.0.0.1:$port" -- "$tag-$RANDOM" |
             awk '/^Requests\/sec:/ {printf "%.0f", $2}')
  fi
  after=$(rss "$pid")
  snapshot "$pid" "$dir" after
  sleep 30; after30=$(rss "$pid")
  snapshot "$pid" "$dir" after30
  grep -q OutOfMemoryError "$dir/server.log" && log "$set $tag: OutOfMemoryError, see $dir/server.log"
  kill -TERM -- "-$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "$first $idle3 $idle30 $after $after30 $get $post"
}

for s in "${SETS[@]}"; do
  if [[ ${OPTS[$s]} == *AutoCreateSharedArchive* ]]; then
    log "$s: a first run writes its class-data archive"
    LOAD_SAVED=$LOAD; LOAD=0; run "$s" train >/dev/null; LOAD=$LOAD_SAVED
  fi
done
printf 'set\tround\trss_first_kib\tidle3_kib\tidle30_kib\tafter_kib\tafter30_kib\tget_rps\tpost_rps\tload\n' >"$OUT/results.tsv"
for ((i = 1; i <= ROUNDS; i++)); do
  for s in "${SETS[@]}"; do
    log "round $i: $s"
    read -r a b c d e f g < <(run "$s" "r$i")
    printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$i" "$a" "$b" "$c" "$d" "$e" "$f" "$g" \
      "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/results.tsv" >&2
  done
done

echo
echo "| set | RSS first 200 MB | idle 3 s MB | idle 30 s MB | after load MB | 30 s after load MB | GET id req/s | POST req/s |"
echo "|---|---|---|---|---|---|---|---|"
for s in "${SETS[@]}"; do
  awk -F'\t' -v s="$s" '
    function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
                                     return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function span(a, n) { med(a, n); return sprintf("%.0f (%.0f-%.0f)", med(a, n), a[1], a[n]) }
    $1 == s { n++; for (c = 3; c <= 9; c++) v[c, n] = $c }
    END { for (c = 3; c <= 9; c++) { for (k = 1; k <= n; k++) col[k] = (c <= 7 ? v[c, k] / 1024 : v[c, k]); out[c] = span(col, n) }
          printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", s, out[3], out[4], out[5], out[6], out[7], out[8], out[9] }' "$OUT/results.tsv"
done
for s in "${SETS[@]}"; do echo "$s: ${OPTS[$s]}"; done
echo "Raw: $OUT/results.tsv; breakdowns (smaps, threads$( ((NMT)) && echo ", NMT, classes")) in $OUT/<set>-r<N>/"

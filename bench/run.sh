#!/usr/bin/env bash
# The Servicekit benchmark (SPEC §12, §15): users-service against two Go net/http peers (users in memory; users in
# SQLite with JWT) and a Spring Boot peer.
# Usage: bench/run.sh [--quick] [--no-build] [--only NAMES] [--rounds N] [--help]
# See docs/performance.md for what is measured and what every column means.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
COMMAND_LINE="bench/run.sh${*:+ $*}"

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--quick] [--no-build] [--only NAMES] [--rounds N]

Builds users-service, the peers (bench/peers/go-nethttp, bench/peers/go-sqlite-jwt, bench/peers/spring-boot)
and bench's helper,
then measures each server, one at a time, interleaved over rounds (A B C A B C): cold start to the
first 200 (every start a restart, on a copy of a data directory the server opened before; users-defaults also on a
new one; users-defaults and go-sqlite-jwt also unpinned, as a user types the command), RSS, GET-by-id / GET-list /
POST throughput and latency, artifact size; then the overload scenario. The server runs on CPU 0, wrk and the
helpers on CPU 1. A full run writes bench/RESULTS.md.

  --quick       1 round, 1 cold start, 2 s warm-ups, 3 s runs, 200 seeded users (< 5 minutes
                with the artifacts built); prints the table and writes it only under bench/out/.
                A smoke test: after 2 s the JIT is still cold, so its figures say nothing of speed.
                BENCH_QUICK=1 in the environment does the same
  --no-build    use the artifacts as they are (fail if one is missing)
  --only NAMES  comma-separated subset of: go-nethttp, go-sqlite-jwt, users-memory, users-sqlite,
                users-auth, users-defaults, users-defaults-noauth, spring-boot, overload (go-nethttp and
                go-sqlite-jwt are the ratio anchors; a ratio against a peer left out is not printed)
  --rounds N    interleaved rounds (default 2; 1 with --quick)

Servers: go-nethttp (Go, users in memory, no auth), go-sqlite-jwt (Go, SQLite WAL + synchronous=FULL,
HS256 JWT, access log), users-memory, users-sqlite, users-auth (users-service with one feature each),
users-defaults (users-service as the README runs it: SQLite, JWT on, access log on), users-defaults-noauth
(the same command with auth.enabled=false: the GET without JWT of SPEC §15), spring-boot.
The Go peers get short warm-ups (BENCH_GO_WARMUP): they have no JIT to warm.
A full run takes about 40 minutes with the defaults; the script prints its estimate first.

Environment:
  BENCH_QUICK            1: the same as --quick
  JAVA_HOME              JDK 21+ for building and running (default: the one ./mvnw picks, .mvn/select-jdk.sh:
                         JAVA_HOME, the javac on PATH, else the newest JDK 21+ in the usual places)
  BENCH_JVM_OPTS         JVM options for every users-service run (default: the options `install` ships,
                         as `users-service version --jvm-options` prints them, without the class-data
                         archive flags; set it to "" for the JVM's defaults)
  BENCH_DEFAULTS_JVM_OPTS  JVM options for users-defaults only (default: none, as the README's
                         `java -jar users-service.jar run`; whatever the jar applies itself is measured)
  BENCH_README_JAVA      the `java` users-defaults and the `version` timing run (default: the `java` on PATH,
                         which is what the README's command runs, whatever its version: an older one goes
                         through the jar's launcher to a JDK 21+; JAVA_HOME's when there is none on PATH)
  BENCH_SPRING_JVM_OPTS  extra JVM options for the Spring Boot peer
  BENCH_APP_OPTS         extra users-service arguments after `run`, e.g. "--set log.access=false"
  BENCH_DURATION         seconds per measured wrk run (default 20; --quick 3)
  BENCH_WARMUP           seconds of GET-by-id warm-up (default 30; --quick 2); GET-list and POST get half.
                         Pinned to one CPU, the JIT compilers share the server's CPU and were still at
                         work 20 s into the load; 10 s warm-ups measured up to 2x below steady state
  BENCH_GO_WARMUP        seconds of every warm-up of the Go peers, which compile ahead of time (default 5;
                         --quick 2): it fills the connections, the page cache and SQLite's cache
  BENCH_COLD_STARTS      cold starts per server (default 5; --quick 1)
  BENCH_STATUS_RUNS      timed `status` runs against the running users-defaults per round (default 3)
  BENCH_START_TIMEOUT    seconds a server may take to its first 200 before the run stops (default 180: Spring
                         Boot, pinned, took 75 s on a loaded machine; it takes about 9 on a quiet one)
  BENCH_CONNECTIONS      wrk connections (default 64);  BENCH_THREADS  wrk threads (default 2)
  BENCH_SEED_USERS       users created before the GET runs (default 1000; --quick 200)
  BENCH_OVERLOAD_LIMIT   limits.max-concurrent-requests in the overload scenario (default 8; 4x connections),
                         which POSTs new users to the SQLite store (writes wait for SQLite's write lock)
  BENCH_OVERLOAD_QUEUE_TIMEOUT  limits.queue-timeout there (default 10ms: with the app's 1s default the
                         queue absorbs 4x the limit and little is shed)
  BENCH_SERVER_CPU / BENCH_CLIENT_CPU  CPUs for the server and the load (default 0 / 1)
  BENCH_OUT              directory for logs and raw results (default bench/out/<UTC timestamp>)
  BENCH_PROFILE          0: a full run skips the profiles it otherwise appends for unmet targets
                         (bench/profile-load.sh for throughput, bench/profile-startup.sh and bench/floor.sh
                         for start and memory)
EOF
}

# ---------------------------------------------------------------------------------------------- options
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
QUICK=0
case "${BENCH_QUICK:-0}" in
  1|true|yes) QUICK=1 ;;
  0|false|no|"") ;;
  *) echo "run.sh: BENCH_QUICK='$BENCH_QUICK' is not 1 or 0" >&2; exit 2 ;;
esac
BUILD=1
ONLY=""
ROUNDS=""
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --only) ONLY=${2:?"--only needs a comma-separated list of names"}; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    --rounds) ROUNDS=${2:?"--rounds needs a number"}; shift ;;
    --rounds=*) ROUNDS=${1#--rounds=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1'; see bench/run.sh --help" >&2; exit 2 ;;
  esac
  shift
done

# The settings given in the environment, before the defaults fill in the rest: the command line written to
# RESULTS.md names exactly these.
declare -A ENV_GIVEN=()
for v in BENCH_JVM_OPTS BENCH_DEFAULTS_JVM_OPTS BENCH_README_JAVA BENCH_APP_OPTS BENCH_SPRING_JVM_OPTS BENCH_DURATION BENCH_WARMUP BENCH_GO_WARMUP BENCH_COLD_STARTS BENCH_STATUS_RUNS BENCH_CONNECTIONS BENCH_THREADS BENCH_SEED_USERS BENCH_OVERLOAD_LIMIT BENCH_OVERLOAD_QUEUE_TIMEOUT; do
  [[ -v $v ]] && ENV_GIVEN[$v]=1
done
[[ -n ${JAVA_HOME:-} ]] && ENV_GIVEN[JAVA_HOME]=1

if ((QUICK)); then
  : "${ROUNDS:=1}" "${BENCH_DURATION:=3}" "${BENCH_WARMUP:=2}" "${BENCH_GO_WARMUP:=2}" "${BENCH_COLD_STARTS:=1}" "${BENCH_SEED_USERS:=200}"
  IDLE_SETTLE=1
else
  : "${ROUNDS:=2}" "${BENCH_DURATION:=20}" "${BENCH_WARMUP:=30}" "${BENCH_GO_WARMUP:=5}" "${BENCH_COLD_STARTS:=5}" "${BENCH_SEED_USERS:=1000}"
  IDLE_SETTLE=10
fi
: "${BENCH_STATUS_RUNS:=3}"
: "${BENCH_START_TIMEOUT:=180}" "${BENCH_CONNECTIONS:=64}" "${BENCH_THREADS:=2}" "${BENCH_OVERLOAD_LIMIT:=8}" "${BENCH_OVERLOAD_QUEUE_TIMEOUT:=10ms}"
: "${BENCH_SPRING_JVM_OPTS:=}" "${BENCH_DEFAULTS_JVM_OPTS:=}" "${BENCH_APP_OPTS:=}" "${BENCH_SERVER_CPU:=0}" "${BENCH_CLIENT_CPU:=1}"
HALF_WARMUP=$(( (BENCH_WARMUP + 1) / 2 ))

ALL_SERVERS=(go-nethttp go-sqlite-jwt users-memory users-sqlite users-auth users-defaults users-defaults-noauth spring-boot)
SERVERS=()
RUN_OVERLOAD=1
if [[ -n $ONLY ]]; then
  RUN_OVERLOAD=0
  IFS=',' read -r -a wanted <<<"$ONLY"
  for w in "${wanted[@]}"; do
    case "$w" in
      go-nethttp|go-sqlite-jwt|users-memory|users-sqlite|users-auth|users-defaults|users-defaults-noauth|spring-boot) SERVERS+=("$w") ;;
      overload) RUN_OVERLOAD=1 ;;
      *) echo "run.sh: --only '$w' is not a server; use go-nethttp, go-sqlite-jwt, users-memory, users-sqlite, users-auth, users-defaults, users-defaults-noauth, spring-boot or overload" >&2; exit 2 ;;
    esac
  done
else
  SERVERS=("${ALL_SERVERS[@]}")
fi

# ------------------------------------------------------------------------------------------- tools
die() { echo "run.sh: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# The same JDK 21+ as ./mvnw: JAVA_HOME if it is one, else the javac on PATH, else the newest in the usual places.
. "$ROOT/.mvn/select-jdk.sh" || die "no JDK 21 or newer found (see above)"
JAVA=$JAVA_HOME/bin/java
command -v "$JAVA" >/dev/null || die "no java found; set JAVA_HOME to a JDK 21 or later"
README_JAVA=${BENCH_README_JAVA:-$(command -v java || echo "$JAVA")}
command -v "$README_JAVA" >/dev/null || die "BENCH_README_JAVA='$README_JAVA' is not a java"
JAVA_FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
((JAVA_FEATURE >= 21)) || die "java at '$JAVA' is version $JAVA_FEATURE; users-service needs 21 or later: set JAVA_HOME to a JDK 21+"
command -v wrk >/dev/null || die "wrk is missing; install it with: apt-get install -y wrk"
# The Go SQLite peer builds offline against Debian's packaged sources (see its go.mod) and needs cgo (gcc).
GO_PACKAGES="golang-go golang-github-mattn-go-sqlite3-dev golang-github-golang-jwt-jwt-dev"
GOCODE=/usr/share/gocode/src/github.com
command -v go >/dev/null || die "go is missing; install it with: apt-get install -y $GO_PACKAGES"
if [[ " ${SERVERS[*]} " == *" go-sqlite-jwt "* ]] && ((BUILD)); then
  missing=()
  [[ -f $GOCODE/mattn/go-sqlite3/go.mod ]] || missing+=("$GOCODE/mattn/go-sqlite3 (golang-github-mattn-go-sqlite3-dev)")
  [[ -f $GOCODE/golang-jwt/jwt/go.mod ]] || missing+=("$GOCODE/golang-jwt/jwt (golang-github-golang-jwt-jwt-dev)")
  command -v gcc >/dev/null || missing+=("gcc, for cgo (gcc)")
  ((${#missing[@]} == 0)) ||
    die "the Go SQLite peer cannot be built; missing: ${missing[*]}; install them with: apt-get install -y $GO_PACKAGES gcc"
fi
command -v taskset >/dev/null || die "taskset is missing; install it with: apt-get install -y util-linux"
CPUS=$(nproc)
if ((CPUS < 2)); then
  die "this machine has $CPUS CPU; the benchmark pins the server and the load generator to different CPUs and needs 2"
fi
SERVER_PIN=(taskset -c "$BENCH_SERVER_CPU")
CLIENT_PIN=(taskset -c "$BENCH_CLIENT_CPU")

OUT=${BENCH_OUT:-$BENCH_DIR/out/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RAW=$OUT/raw.tsv
printf 'round\tserver\tmetric\tvalue\n' >"$RAW"
BIN=$BENCH_DIR/bin
mkdir -p "$BIN"
USERS_JAR=$ROOT/users-service/target/users-service.jar
SPRING_JAR=$BENCH_DIR/peers/spring-boot/target/spring-boot-peer.jar
GO_PEER=$BIN/go-nethttp
GO_SQLITE_PEER=$BIN/go-sqlite-jwt
BENCHTOOL=$BIN/benchtool

# ------------------------------------------------------------------------------- cleanup of servers
# Every server runs in its own process group (benchtool startup sets it up); its pid is the group id.
STARTED=()
BG_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n $BG_PID ]] && kill "$BG_PID" 2>/dev/null || true
  local pid
  for pid in "${STARTED[@]}"; do
    stop_server_group "$pid"
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_server_group PID [SECONDS]: lib.sh's stop_group, saying in the run's log when the group had to be killed.
stop_server_group() {
  stop_group "$1" "${2:-20}" || log "process group $1 did not stop within ${2:-20} s of SIGTERM; killed it"
}

# tidy_server: once the server in SERVER_DIR has stopped, keeps what a reader of the run needs (wrk's, seed's and
# check's output, the first and last 200 lines of its log) and deletes the rest. A full run otherwise leaves about
# 10 GB behind: each load round's database and an access log of a line per request.
tidy_server() {
  find "$SERVER_DIR" -mindepth 1 -maxdepth 1 ! -name '*.txt' ! -name '*.err' -exec rm -rf {} + 2>/dev/null || true
  trim_log "$SERVER_LOG"
}

forget() { # drop a stopped pid from STARTED
  local gone=$1 kept=() pid
  for pid in "${STARTED[@]}"; do [[ $pid == "$gone" ]] || kept+=("$pid"); done
  STARTED=("${kept[@]}")
}

# Runs a command in the background and waits for it, so that a signal to this script runs the trap
# at once instead of after the command.
run_waiting() {
  "$@" &
  BG_PID=$!
  local status=0
  wait "$BG_PID" || status=$?
  BG_PID=""
  return "$status"
}

# --------------------------------------------------------------------------------------------- build
newer_sources() { # newer_sources ARTIFACT DIR... : true when the artifact is missing or a source is newer
  local artifact=$1; shift
  [[ -e $artifact ]] || return 0
  [[ -n $(find "$@" -newer "$artifact" -type f \( -name '*.java' -o -name '*.go' -o -name 'pom.xml' -o -name '*.properties' -o -name '*.xml' -o -name '*.yaml' -o -name 'go.mod' \) -not -path '*/target/*' -print -quit 2>/dev/null) ]]
}

build() {
  local t0=$SECONDS
  if ((BUILD)); then
    if newer_sources "$USERS_JAR" "$ROOT"/pom.xml "$ROOT"/servicekit-* "$ROOT"/users-service; then
      log "building users-service (./mvnw -q -DskipTests package)"
      (cd "$ROOT" && ./mvnw -q -DskipTests package) >"$OUT/build-users-service.log" 2>&1 ||
        { tail -30 "$OUT/build-users-service.log" >&2; die "the users-service build failed; see $OUT/build-users-service.log"; }
    fi
    if [[ " ${SERVERS[*]} " == *" spring-boot "* ]] && newer_sources "$SPRING_JAR" "$BENCH_DIR/peers/spring-boot"; then
      log "building the Spring Boot peer"
      (cd "$ROOT" && ./mvnw -f bench/peers/spring-boot/pom.xml -q package) >"$OUT/build-spring-boot.log" 2>&1 ||
        { tail -30 "$OUT/build-spring-boot.log" >&2; die "the Spring Boot peer build failed; see $OUT/build-spring-boot.log"; }
    fi
    # Standard library only: GOPROXY=off and GOFLAGS=-mod=mod keep it offline, GOTOOLCHAIN pins newer Go.
    local gobuild=(env GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath)
    if newer_sources "$GO_PEER" "$BENCH_DIR/peers/go-nethttp"; then
      log "building the Go peer"
      (cd "$BENCH_DIR/peers/go-nethttp" && "${gobuild[@]}" -o "$GO_PEER" .) || die "the Go peer build failed"
    fi
    # go-sqlite-jwt: module mode, its go.mod replaces both dependencies with Debian's sources in /usr/share/gocode
    # (GOPATH mode, GO111MODULE=off, cannot resolve the /v4 import path of golang-jwt from outside GOPATH).
    # cgo is on: go-sqlite3 links Debian's libsqlite3. The first build compiles go-sqlite3 (a minute or more).
    if [[ " ${SERVERS[*]} " == *" go-sqlite-jwt "* ]] && newer_sources "$GO_SQLITE_PEER" "$BENCH_DIR/peers/go-sqlite-jwt"; then
      log "building the Go SQLite peer (cgo; the first build compiles go-sqlite3)"
      (cd "$BENCH_DIR/peers/go-sqlite-jwt" && env GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=1 go build -trimpath -o "$GO_SQLITE_PEER" .) ||
        die "the Go SQLite peer build failed; it needs: apt-get install -y $GO_PACKAGES gcc"
    fi
    if newer_sources "$BENCHTOOL" "$BENCH_DIR/tools/benchtool"; then
      (cd "$BENCH_DIR/tools/benchtool" && "${gobuild[@]}" -o "$BENCHTOOL" .) || die "the benchtool build failed"
    fi
  fi
  local a
  for a in "$USERS_JAR" "$GO_PEER" "$BENCHTOOL"; do [[ -e $a ]] || die "'$a' is missing; run without --no-build"; done
  if [[ " ${SERVERS[*]} " == *" go-sqlite-jwt "* ]]; then [[ -e $GO_SQLITE_PEER ]] || die "'$GO_SQLITE_PEER' is missing; run without --no-build"; fi
  if [[ " ${SERVERS[*]} " == *" spring-boot "* ]]; then [[ -e $SPRING_JAR ]] || die "'$SPRING_JAR' is missing; run without --no-build"; fi
  log "artifacts ready ($((SECONDS - t0)) s)"
}

# ------------------------------------------------------------------------------------ server commands
# server_cmd NAME DIR PORT MGMT_PORT: sets CMD (the argv) and HEADERS (curl/wrk-style request headers).
USERS_JVM=() # set after the build, from the jar (shipped_jvm_opts) unless BENCH_JVM_OPTS is set
read -r -a SPRING_JVM <<<"$BENCH_SPRING_JVM_OPTS"
read -r -a DEFAULTS_JVM <<<"$BENCH_DEFAULTS_JVM_OPTS"
read -r -a USERS_APP <<<"$BENCH_APP_OPTS"
AUTH_DIR=$OUT/auth
TOKEN=""
users_cmd() { # users_cmd DIR PORT MGMT_PORT EXTRA_SET...
  local dir=$1 port=$2 mport=$3; shift 3
  CMD=("$JAVA" "${USERS_JVM[@]}" -jar "$USERS_JAR" run
       --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir" "$@" "${USERS_APP[@]}")
}
server_cmd() {
  local name=$1 dir=$2 port=$3 mport=$4
  HEADERS=()
  case "$name" in
    go-nethttp) CMD=(env "PORT=$port" "$GO_PEER") ;;
    go-sqlite-jwt)
      CMD=(env "PORT=$port" "DB=$dir/users.db" "JWT_SECRET_FILE=$AUTH_DIR/jwt-hs256.key" "$GO_SQLITE_PEER")
      HEADERS=("Authorization: Bearer $TOKEN") ;;
    spring-boot) CMD=(env "PORT=$port" "$JAVA" "${SPRING_JVM[@]}" -jar "$SPRING_JAR") ;;
    users-memory) users_cmd "$dir" "$port" "$mport" --set store.url=memory: --set auth.enabled=false ;;
    users-overload) # users-sqlite plus the limits keys (set by overload())
      users_cmd "$dir" "$port" "$mport" --set "store.url=jdbc:sqlite:$dir/users.db" --set auth.enabled=false "${OVERLOAD_SETS[@]}" ;;
    users-sqlite) users_cmd "$dir" "$port" "$mport" --set "store.url=jdbc:sqlite:$dir/users.db" --set auth.enabled=false ;;
    users-auth)
      users_cmd "$dir" "$port" "$mport" --set store.url=memory: --set auth.enabled=true \
        --set "auth.hs256-secret-file=$AUTH_DIR/jwt-hs256.key"
      HEADERS=("Authorization: Bearer $TOKEN") ;;
    users-defaults) # the README's configuration: nothing set but where it lives; the signing key is the bench's
      # and no JVM options: what the jar does by itself is what a README user gets (SPEC §15)
      install -m 600 "$AUTH_DIR/jwt-hs256.key" "$dir/jwt-hs256.key" # the default <data-dir>/jwt-hs256.key
      CMD=("$README_JAVA" "${DEFAULTS_JVM[@]}" -jar "$USERS_JAR" run
           --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir" "${USERS_APP[@]}")
      HEADERS=("Authorization: Bearer $TOKEN") ;;
    users-defaults-noauth) # users-defaults, the same java, JVM options and store, with auth off: the GET
      # "without" that SPEC §15's "GET with JWT within 10 % of without" compares users-defaults to
      CMD=("$README_JAVA" "${DEFAULTS_JVM[@]}" -jar "$USERS_JAR" run
           --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$dir" --set auth.enabled=false "${USERS_APP[@]}") ;;
    *) die "internal: unknown server '$name'" ;;
  esac
}
artifact_bytes() {
  case "$1" in
    go-nethttp) stat -c %s "$GO_PEER" ;;
    go-sqlite-jwt) stat -c %s "$GO_SQLITE_PEER" ;; # links Debian's libsqlite3 (about 1.4 MB) dynamically
    spring-boot) stat -c %s "$SPRING_JAR" ;;
    *) stat -c %s "$USERS_JAR" ;;
  esac
}

issue_token() { # one signing key and one token for every users-auth, users-defaults and go-sqlite-jwt instance
  mkdir -p "$AUTH_DIR"
  chmod 700 "$AUTH_DIR"
  TOKEN=$(cd "$AUTH_DIR" && "$JAVA" -jar "$USERS_JAR" token issue --subject bench --scope "users:read users:write" \
            --ttl 12h --set "data-dir=$AUTH_DIR" 2>"$AUTH_DIR/token.err") || # generates <data-dir>/jwt-hs256.key
    { cat "$AUTH_DIR/token.err" >&2; die "'users-service token issue' failed"; }
  [[ $TOKEN == *.*.* ]] || die "'users-service token issue' printed no JWT: '$TOKEN'"
}

free_port() {
  local port
  port=$("$BENCHTOOL" freeport)
  ! "$BENCHTOOL" listening "$port" || die "port $port on 127.0.0.1 is already in use by another process"
  echo "$port"
}

# start_server NAME TAG: cold-starts NAME (pinned) and, with TAG=keep*, leaves it running. Sets STARTUP_MS,
# RSS_FIRST_KIB, SERVER_PID, PORT, SERVER_LOG, SERVER_DIR.
# Every start measures a restart, as a service manager or a user starts a service the second time and every time
# after: it runs on a copy of a data directory that NAME has opened before (NAME's template, made by one start of
# its own that is not measured), so the database exists and its schema is current. A service migrates a new
# database once; users-service's AOT cache is not trained on that start (docs/decisions.md, "Benchmark starts are
# restarts"). With FRESH=1 in the environment the start gets a new, empty directory instead (the first start of
# a new installation), which run.sh measures beside for users-defaults. With UNPINNED=1 neither the server nor
# benchtool is pinned: the start as a user types the command on this machine, both CPUs free (beside the pinned one).
start_server() {
  local name=$1 tag=$2; shift 2
  local template=$OUT/servers/$name-template
  if [[ ${FRESH:-0} != 1 && ! -d $template ]]; then
    FRESH=1 start_server "$name" template # benchtool stops it and waits for it to exit
  fi
  SERVER_DIR=$OUT/servers/$name-$tag
  rm -rf "$SERVER_DIR"
  if [[ ${FRESH:-0} == 1 ]]; then
    mkdir -p "$SERVER_DIR"
  else
    cp -a "$template" "$SERVER_DIR"
  fi
  PORT=$(free_port)
  local mport
  mport=$(free_port)
  [[ $mport != "$PORT" ]] || mport=$(free_port)
  server_cmd "$name" "$SERVER_DIR" "$PORT" "$mport"
  # Beside the data directory, not in it: users-service watches its configuration file's directory (the data
  # directory), and a log written there would give its watcher an event per write that a service logging to a
  # terminal or the journal never has.
  SERVER_LOG=$SERVER_DIR.log
  local probe=() h keep=()
  for h in "${HEADERS[@]}"; do probe+=(-header "$h"); done
  [[ $tag == keep* ]] && keep=(-keep)
  local line cpin=("${CLIENT_PIN[@]}") spin=("${SERVER_PIN[@]}")
  [[ ${UNPINNED:-0} == 1 ]] && cpin=() spin=()
  line=$("${cpin[@]}" "$BENCHTOOL" startup -port "$PORT" -dir "$SERVER_DIR" -log "$SERVER_LOG" -timeout "${BENCH_START_TIMEOUT}s" \
           -path "/api/v1/users?limit=1" "${probe[@]}" "${keep[@]}" -- "${spin[@]}" "${CMD[@]}") ||
    { tail -20 "$SERVER_LOG" >&2 2>/dev/null || true; die "$name did not start; see $SERVER_LOG"; }
  STARTUP_MS=$(sed -n 's/.*startup_ms=\([0-9.]*\).*/\1/p' <<<"$line")
  RSS_FIRST_KIB=$(sed -n 's/.*rss_kib=\([0-9-]*\).*/\1/p' <<<"$line")
  SERVER_PID=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
  ((${#keep[@]})) && STARTED+=("$SERVER_PID")
  return 0
}

# time_version: milliseconds of the README's `java -jar users-service.jar version` (pinned like the servers).
time_version() {
  local t0 t1
  t0=$(date +%s%N)
  (cd "$OUT" && "${SERVER_PIN[@]}" "$README_JAVA" "${DEFAULTS_JVM[@]}" -jar "$USERS_JAR" version >/dev/null 2>&1) ||
    die "'$README_JAVA -jar $USERS_JAR version' failed"
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}

# time_status DIR: milliseconds of the README's `java -jar users-service.jar status` (pinned like the servers) for the
# users-defaults server running on data directory DIR; dies unless status found it running and answering (exit 0,
# its readiness line), so that what is timed is the whole verb: the service manager, the running instance's file and
# the management listener asked with an admin token minted from the data directory's key.
time_status() {
  local t0 t1 out
  t0=$(date +%s%N)
  out=$(cd "$OUT" && "${SERVER_PIN[@]}" "$README_JAVA" "${DEFAULTS_JVM[@]}" -jar "$USERS_JAR" status --set "data-dir=$1" 2>&1) ||
    die "'$README_JAVA -jar $USERS_JAR status --set data-dir=$1' did not find the service running: $out"
  t1=$(date +%s%N)
  grep -q 'readiness: *UP' <<<"$out" || die "'users-service status' found no ready management listener: $out"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}

# rss_kib PID: resident memory of the server's whole process group (it leads its own group, see benchtool
# startup), so a server made of more than one process (a launcher and the JVM it starts) is measured whole.
rss_kib() { "$BENCHTOOL" rss "$1" 2>/dev/null || echo -1; }

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; }

# wrk_run ROUND NAME KIND SECONDS SCRIPT [SCRIPT_ARGS...]: runs wrk pinned, with HEADERS as -H. SCRIPT "-"
# means no script and the path /api/v1/users?limit=10. KIND "warmup-*" is run but not recorded.
wrk_run() {
  local round=$1 name=$2 kind=$3 secs=$4 script=$5; shift 5
  local out=$SERVER_DIR/wrk-$kind.txt args=() h
  for h in "${HEADERS[@]}"; do args+=(-H "$h"); done
  if [[ $script == - ]]; then
    args+=("http://127.0.0.1:$PORT/api/v1/users?limit=10")
  else
    args+=(-s "$BENCH_DIR/lua/$script" "http://127.0.0.1:$PORT" -- "$@")
  fi
  run_waiting "${CLIENT_PIN[@]}" wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${secs}s" --latency --timeout 10s \
    "${args[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed against $name; see $out"; }
  [[ $kind == warmup-* ]] && return 0
  local rps p50 p99 non2xx sockerr
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out" | to_ms)
  p99=$(awk '$1 == "99%" {print $2}' "$out" | to_ms)
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  # "  Socket errors: connect 0, read 0, write 0, timeout 0" (the leading blanks make $1 empty). A read error
  # or a timeout makes wrk close and reopen the connection, so the run no longer measures keep-alive.
  sockerr=$(awk -F'[ ,]+' '/Socket errors:/ {print $5 + $7 + $9 + $11}' "$out")
  record "$round" "$name" non2xx "${non2xx:-0}"
  record "$round" "$name" socket_errors "${sockerr:-0}"
  # A run without a single response (the server stalled for the whole run) has no errors, 0 req/s and latencies
  # of 0: it is counted as such and its figures are left out of the medians.
  if [[ $(awk '/ requests in / {print $1}' "$out") == 0 ]]; then
    record "$round" "$name" empty_runs 1
    log "  $kind: NO RESPONSE in ${secs} s (see $out and $SERVER_LOG)"
    return 0
  fi
  record "$round" "$name" "$kind.rps" "${rps:-0}"
  record "$round" "$name" "$kind.p50_ms" "${p50:--1}"
  record "$round" "$name" "$kind.p99_ms" "${p99:--1}"
  log "  $kind: ${rps:-?} req/s, p50 ${p50:-?} ms, p99 ${p99:-?} ms, non-2xx ${non2xx:-0}, socket errors ${sockerr:-0}"
}

to_ms() { # wrk latency (e.g. 812.00us, 1.23ms, 2.01s) to milliseconds
  awk '{ v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
         printf "%.3f\n", v }'
}

seed_and_check() {
  local hdr=() h
  for h in "${HEADERS[@]}"; do hdr+=(-header "$h"); done
  "${CLIENT_PIN[@]}" "$BENCHTOOL" seed -url "http://127.0.0.1:$PORT" -n "$BENCH_SEED_USERS" "${hdr[@]}" >"$SERVER_DIR/seed.txt" ||
    die "seeding $1 failed; see $SERVER_LOG"
  "${CLIENT_PIN[@]}" "$BENCHTOOL" check -url "http://127.0.0.1:$PORT" -n "$BENCH_SEED_USERS" "${hdr[@]}" >"$SERVER_DIR/check.txt" ||
    die "$1 does not serve the benchmark's API subset as expected (above)"
}

check_log_for_oom() {
  if grep -q OutOfMemoryError "$SERVER_LOG" 2>/dev/null; then
    record "$1" "$2" oom 1
    log "  $2: OutOfMemoryError in $SERVER_LOG"
  fi
}

# prime_status_cache DIR: `status`'s first runs make its startup cache (docs/performance.md, "Startup caches"): on a
# JDK 24+ the first notes that it answered, the next records a training run for its own AOT cache and the one after
# builds it in the background; before that the first writes its class-data archive. Runs it (at most 4 times) until
# a `status` AOT cache was built or
# used after that run began (the launcher touches the cache it maps; another jar's cache in the same directory is not
# this one's) and no build runs, so that every timed run maps what users' later statuses map.
prime_status_cache() {
  local i cache=${XDG_CACHE_HOME:-$HOME/.cache}/servicekit stamp=$OUT/status-prime.stamp
  for i in 1 2 3 4; do
    touch "$stamp"
    time_status "$1" >/dev/null
    await_aot_builds "$cache"
    [[ -n $(find "$cache" -maxdepth 1 -name 'status-*.aot' -newer "$stamp" 2>/dev/null) ]] && return 0
  done
}

# load_round ROUND NAME: one warm instance; idle RSS, seed, warm-up, the three measured runs, RSS.
load_round() {
  local round=$1 name=$2
  log "round $round: $name"
  start_server "$name" "keep-r$round"
  record "$round" "$name" load_startup_ms "$STARTUP_MS"
  sleep "$IDLE_SETTLE"
  record "$round" "$name" rss_idle_kib "$(rss_kib "$SERVER_PID")"
  if [[ $name == users-defaults ]]; then # SPEC §15's CLI verb against the running service, after the idle reading
    prime_status_cache "$SERVER_DIR"
    local s status_ms
    for ((s = 1; s <= BENCH_STATUS_RUNS; s++)); do
      status_ms=$(time_status "$SERVER_DIR")
      record "$round" "$name" status_ms "$status_ms"
      log "  $name: 'java -jar users-service.jar status' in $status_ms ms"
    done
  fi
  seed_and_check "$name"
  local prefix="r$round-$RANDOM" warmup=$BENCH_WARMUP half=$HALF_WARMUP
  [[ $name == go-* ]] && warmup=$BENCH_GO_WARMUP half=$BENCH_GO_WARMUP # compiled ahead of time: no JIT to warm
  wrk_run "$round" "$name" warmup-get-id "$warmup" get-by-id.lua "$BENCH_SEED_USERS"
  wrk_run "$round" "$name" get_id "$BENCH_DURATION" get-by-id.lua "$BENCH_SEED_USERS"
  wrk_run "$round" "$name" warmup-get-list "$half" -
  wrk_run "$round" "$name" get_list "$BENCH_DURATION" -
  record "$round" "$name" rss_after_get_kib "$(rss_kib "$SERVER_PID")"
  wrk_run "$round" "$name" warmup-post "$half" post-user.lua "$prefix-w"
  wrk_run "$round" "$name" post "$BENCH_DURATION" post-user.lua "$prefix-m"
  record "$round" "$name" rss_after_load_kib "$(rss_kib "$SERVER_PID")"
  check_log_for_oom "$round" "$name"
  stop_server_group "$SERVER_PID"
  forget "$SERVER_PID"
  tidy_server
}

# ------------------------------------------------------------------------------------------ overload
OVERLOAD_SUMMARY="not run"
OVERLOAD_SETS=()
overload() {
  local limit=$BENCH_OVERLOAD_LIMIT conns=$((BENCH_OVERLOAD_LIMIT * 4)) extra=() msg
  # The limits keys are new; an older jar rejects an unknown key with exit code 78 before starting.
  if ! msg=$(cd "$OUT" && "$JAVA" -jar "$USERS_JAR" config validate --set store.url=memory: --set auth.enabled=false \
               --set "limits.max-concurrent-requests=$limit" 2>&1); then
    OVERLOAD_SUMMARY="skipped: this users-service jar does not accept limits.max-concurrent-requests (it says: $(grep -m1 -i 'max-concurrent' <<<"$msg" | sed 's/^[ -]*//' | cut -c1-160))"
    log "overload: $OVERLOAD_SUMMARY"
    return 0
  fi
  extra+=(--set "limits.max-concurrent-requests=$limit")
  if [[ -n $BENCH_OVERLOAD_QUEUE_TIMEOUT ]]; then
    (cd "$OUT" && "$JAVA" -jar "$USERS_JAR" config validate --set "limits.queue-timeout=$BENCH_OVERLOAD_QUEUE_TIMEOUT" >/dev/null 2>&1) ||
      die "BENCH_OVERLOAD_QUEUE_TIMEOUT is set but this jar rejects limits.queue-timeout=$BENCH_OVERLOAD_QUEUE_TIMEOUT"
    extra+=(--set "limits.queue-timeout=$BENCH_OVERLOAD_QUEUE_TIMEOUT")
  fi
  # POSTs to the SQLite store: a write waits for SQLite's single write lock, so requests hold their slots
  # while they wait and the limit is reached. (In-memory GETs never wait: on one CPU they run one after
  # another and never reach any limit.)
  log "overload: users-sqlite POST with limits.max-concurrent-requests=$limit, $conns connections"
  OVERLOAD_SETS=("${extra[@]}")
  start_server users-overload keep
  seed_and_check users-overload
  local prefix="ov-$RANDOM"
  wrk_run overload users-overload warmup-post "$BENCH_WARMUP" post-user.lua "$prefix-w"
  local out=$SERVER_DIR/wrk-overload.txt
  run_waiting "${CLIENT_PIN[@]}" wrk -t"$BENCH_THREADS" -c"$conns" -d"${BENCH_DURATION}s" --latency --timeout 10s \
    -s "$BENCH_DIR/lua/count-status.lua" "http://127.0.0.1:$PORT" -- post "$prefix-m" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed in the overload scenario; see $out"; }
  local counts p99 rps
  counts=$(grep -m1 '^status_2xx=' "$out" || echo "status_2xx=? status_503=? status_other=?")
  p99=$(awk '$1 == "99%" {print $2}' "$out" | to_ms)
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  local per_class
  per_class=$("${CLIENT_PIN[@]}" "$BENCHTOOL" overload -url "http://127.0.0.1:$PORT" -c "$conns" -d "${BENCH_DURATION}s" \
                -post "$prefix-b" 2>>"$SERVER_DIR/overload-client.err") || per_class="benchtool overload failed"
  echo "$per_class" >"$SERVER_DIR/overload-client.txt"
  local oom="no OutOfMemoryError in the server log"
  grep -q OutOfMemoryError "$SERVER_LOG" && oom="OutOfMemoryError FOUND in $SERVER_LOG"
  stop_server_group "$SERVER_PID"
  forget "$SERVER_PID"
  tidy_server
  OVERLOAD_SUMMARY="limits.max-concurrent-requests=$limit${BENCH_OVERLOAD_QUEUE_TIMEOUT:+, limits.queue-timeout=$BENCH_OVERLOAD_QUEUE_TIMEOUT}, $conns connections, ${BENCH_DURATION} s each.
- wrk (Lua response() hook): $counts; $rps responses/s; p99 of all responses ${p99:-?} ms
- benchtool overload (latency per class): $per_class
- $oom"
  log "overload: $counts; $per_class; $oom"
}

# ------------------------------------------------------------------------------------------- report
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
values() { awk -F'\t' -v s="$1" -v m="$2" '$2 == s && $3 == m { print $4 }' "$RAW"; }
med() { values "$1" "$2" | median; }
fmt_int() { # 74404.2 -> 74,404
  [[ -z $1 ]] && { echo "–"; return; }
  awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    print s r }'
}
fmt_mb() { [[ -z $1 || $1 == -1 ]] && { echo "–"; return; }; awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
fmt_ms() { [[ -z $1 ]] && { echo "–"; return; }; awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else printf "%.2f", v }'; }
ratio() { [[ -z $1 || -z $2 ]] && return; awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b }'; }
pratio() { local r; r=$(ratio "$1" "$2"); [[ -n $r ]] && echo " ($r)"; return 0; } # " (0.82×)", or nothing
# ratios VALUE METRIC: " (A / B)", the value against go-nethttp (A) and go-sqlite-jwt (B) in this run, "–" for a
# peer that did not run; nothing when neither ran.
ratios() {
  local a b
  a=$(ratio "$1" "$(med go-nethttp "$2")"); b=$(ratio "$1" "$(med go-sqlite-jwt "$2")")
  [[ -z $a && -z $b ]] && return
  echo " (${a:-–} / ${b:-–})"
}

report() {
  local name
  echo "| server | startup ms (median of $BENCH_COLD_STARTS cold) | RSS at first 200 MB | RSS idle MB | RSS after load MB | GET id req/s (×Go mem / ×Go SQLite) | GET id p50 / p99 ms (p99 ×Go mem / ×Go SQLite) | GET list req/s (×Go mem / ×Go SQLite) | GET list p50 / p99 ms (p99 ×Go mem / ×Go SQLite) | POST req/s (×Go mem / ×Go SQLite) | POST p50 / p99 ms (p99 ×Go mem / ×Go SQLite) | non-2xx / socket errors | artifact MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for name in "${SERVERS[@]}"; do
    local row="| $name$( [[ -n $(suspect "$name") ]] && echo ' **(suspect)**') | $(fmt_int "$(med "$name" startup_ms)") | $(fmt_mb "$(med "$name" rss_first_kib)") | $(fmt_mb "$(med "$name" rss_idle_kib)") | $(fmt_mb "$(med "$name" rss_after_load_kib)")"
    local kind
    for kind in get_id get_list post; do
      local rps p50 p99
      rps=$(med "$name" "$kind.rps"); p50=$(med "$name" "$kind.p50_ms"); p99=$(med "$name" "$kind.p99_ms")
      row+=" | $(fmt_int "$rps")$(ratios "$rps" "$kind.rps") | $(fmt_ms "$p50") / $(fmt_ms "$p99")$(ratios "$p99" "$kind.p99_ms")"
    done
    row+=" | $(sum "$name" non2xx) / $(sum "$name" socket_errors) | $(awk -v b="$(artifact_bytes "$name")" 'BEGIN { printf "%.1f", b / 1048576 }') |"
    echo "$row"
  done
}

sum() { values "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'; } # sum SERVER METRIC over all runs
# suspect SERVER...: "N non-2xx, M socket errors in SERVER" for each server whose measured wrk runs had any
# (a failed request is cheap or a reconnect is dear: either way its figures do not measure the same work)
suspect() {
  local name n s e out=()
  for name in "$@"; do
    n=$(sum "$name" non2xx); s=$(sum "$name" socket_errors); e=$(sum "$name" empty_runs)
    ((n + s == 0)) || out+=("$n non-2xx, $s socket errors in $name")
    ((e == 0)) || out+=("$e run(s) of $name without a single response")
  done
  local joined="" part
  for part in "${out[@]}"; do joined+="${joined:+; }$part"; done
  echo "$joined"
}

# targets: SPEC §15 and the §12 throughput and footprint targets, each met, not met, or not measured (a server
# it needs was left out), with its figures; issue 15's "Done when 2" targets first. A figure from a server with
# failed requests makes its verdict suspect. A full run profiles the unmet ones after the table (PROFILES, main).
target() { # target SPEC DONE_WHEN_2(yes/"") TEXT FIGURES VERDICT(0/1/-) SERVER...
  local spec=$1 done2=$2 text=$3 figures=$4 verdict="**not met**" why
  shift 4
  [[ $1 == 1 ]] && verdict="met"
  [[ $1 == - ]] && verdict="not measured"
  shift
  why=$(suspect "$@")
  [[ -n $why ]] && verdict+=" **(suspect: $why)**"
  echo "| $spec | $done2 | $text | $figures | $verdict |"
}
cmp_ge() { # cmp_ge A B [FACTOR]: 1 when A >= B * FACTOR, 0 when not, - when either is missing
  [[ -z $1 || -z $2 ]] && { echo -; return; }
  awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN { print (a >= b * f) ? 1 : 0 }'
}
cmp_le() { # cmp_le A LIMIT: 1 when A <= LIMIT, - when either is missing
  [[ -z $1 || $1 == -1 || -z $2 ]] && { echo -; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'
}
targets() {
  local d=users-defaults g=go-sqlite-jwt
  local dpost gpost dget gget nadget sget mget nget np99 mp99 dstart dnew dfree gfree dver dstatus didle dload mstart midle
  dpost=$(med $d post.rps); gpost=$(med $g post.rps); dget=$(med $d get_id.rps); gget=$(med $g get_id.rps)
  nadget=$(med users-defaults-noauth get_id.rps)
  sget=$(med users-sqlite get_id.rps); mget=$(med users-memory get_id.rps); nget=$(med go-nethttp get_id.rps)
  np99=$(med go-nethttp get_id.p99_ms); mp99=$(med users-memory get_id.p99_ms)
  dstart=$(med $d startup_ms); dnew=$(med $d startup_new_ms); dfree=$(med $d startup_free_ms); gfree=$(med $g startup_free_ms); dver=$(med $d version_ms); dstatus=$(med $d status_ms); didle=$(med $d rss_idle_kib); dload=$(med $d rss_after_load_kib)
  mstart=$(med users-memory startup_ms); midle=$(med users-memory rss_idle_kib)
  echo "| SPEC | issue 15 done when 2 | target | figures | verdict |"
  echo "|---|---|---|---|---|"
  target §15 yes "POST on the shipped defaults ≥ 15,000 req/s (10× 1.5k), pinned" "users-defaults $(fmt_int "$dpost")" "$(cmp_ge "$dpost" 15000)" $d
  target §15 yes "POST on the shipped defaults ≥ the Go SQLite peer" "users-defaults $(fmt_int "$dpost"), go-sqlite-jwt $(fmt_int "$gpost")$(pratio "$dpost" "$gpost")" "$(cmp_ge "$dpost" "$gpost")" $d $g
  target §15 yes "GET by id on the shipped defaults ≥ the Go SQLite peer" "users-defaults $(fmt_int "$dget"), go-sqlite-jwt $(fmt_int "$gget")$(pratio "$dget" "$gget")" "$(cmp_ge "$dget" "$gget")" $d $g
  target §15 yes "GET by id with JWT within 10 % of without (users-defaults against users-defaults-noauth: the same command with auth.enabled=false)" "$(fmt_int "$dget") against $(fmt_int "$nadget")$(pratio "$dget" "$nadget")" "$(cmp_ge "$dget" "$nadget" 0.9)" $d users-defaults-noauth
  target §15 yes "the README's command to first 200 ≤ 500 ms, pinned to one CPU (users-defaults, median of $BENCH_COLD_STARTS cold starts, each a restart on a migrated database)" "users-defaults $(fmt_int "$dstart") ms (the first start of a new data directory, which migrates it: $(fmt_int "$dnew") ms)" "$(cmp_le "$dstart" 500)"
  target §15 yes "the README's command to first 200 ≤ 500 ms, unpinned: as typed on this $CPUS-CPU machine (median of $BENCH_COLD_STARTS more cold starts, interleaved with the pinned ones)" "users-defaults $(fmt_int "$dfree") ms, go-sqlite-jwt $(fmt_int "$gfree") ms" "$(cmp_le "$dfree" 500)"
  target §15 yes "\`version\` ≤ 200 ms (the README's java, median of $BENCH_COLD_STARTS)" "$(fmt_int "$dver") ms" "$(cmp_le "$dver" 200)"
  target §15 "" "\`status\` ≤ 200 ms (the README's java, against the running users-defaults, median of $BENCH_STATUS_RUNS per round)" "$(fmt_int "$dstatus") ms" "$(cmp_le "$dstatus" 200)"
  target §15 yes "idle RSS ≤ 80 MB (shipped defaults)" "users-defaults $(fmt_mb "$didle") MB" "$(cmp_le "$didle" $((80 * 1024)))"
  target §15 yes "RSS after the load runs ≤ 256 MB (shipped defaults)" "users-defaults $(fmt_mb "$dload") MB" "$(cmp_le "$dload" $((256 * 1024)))" $d
  target §15 "" "GET by id on SQLite within 20 % of the in-memory store (users-sqlite against users-memory)" "$(fmt_int "$sget") against $(fmt_int "$mget")$(pratio "$sget" "$mget")" "$(cmp_ge "$sget" "$mget" 0.8)" users-sqlite users-memory
  target §12 "" "GET by id ≥ Go net/http (users-memory against go-nethttp)" "$(fmt_int "$mget") against $(fmt_int "$nget")$(pratio "$mget" "$nget")" "$(cmp_ge "$mget" "$nget")" users-memory go-nethttp
  target §12 "" "GET by id p99 within 1.5× of Go (users-memory against go-nethttp)" "$(fmt_ms "$mp99") ms against $(fmt_ms "$np99") ms" "$(cmp_le "$mp99" "$([[ -n $np99 ]] && awk -v v="$np99" 'BEGIN { print v * 1.5 }')")" users-memory go-nethttp
  target §12 "" "start to first 200 ≤ 500 ms (users-memory, shipped JVM options)" "$(fmt_int "$mstart") ms" "$(cmp_le "$mstart" 500)"
  target §12 "" "idle RSS ≤ 80 MB with the shipped JVM options (users-memory)" "$(fmt_mb "$midle") MB" "$(cmp_le "$midle" $((80 * 1024)))"
}

per_round() {
  echo "| round | server | GET id req/s | GET list req/s | POST req/s | GET id p99 ms | RSS idle MB |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 && $1 ~ /^[0-9]+$/ { k = $1 "\t" $2; v[k, $3] = $4; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    END { for (i = 1; i <= n; i++) { k = order[i]; split(k, p, "\t");
      printf "| %s | %s | %.0f | %.0f | %.0f | %s | %.0f |\n", p[1], p[2], v[k, "get_id.rps"], v[k, "get_list.rps"], v[k, "post.rps"], v[k, "get_id.p99_ms"], v[k, "rss_idle_kib"] / 1024 } }' "$RAW"
  echo
  echo "Cold starts (ms, in order): "
  local name
  for name in "${SERVERS[@]}"; do
    echo "- $name: $(awk -F'\t' -v s="$name" '$2 == s && $3 == "startup_ms" { printf "%s%s", sep, $4; sep = ", " }' "$RAW")"
  done
  echo "- users-defaults on a new data directory: $(awk -F'\t' '$2 == "users-defaults" && $3 == "startup_new_ms" { printf "%s%s", sep, $4; sep = ", " }' "$RAW")"
  for name in users-defaults go-sqlite-jwt; do
    echo "- $name unpinned: $(awk -F'\t' -v s="$name" '$2 == s && $3 == "startup_free_ms" { printf "%s%s", sep, $4; sep = ", " }' "$RAW")"
  done
}

machine() {
  local model kernel jdk gov wrkv
  # No early exit in these awk filters: under pipefail, a producer killed by SIGPIPE fails the script.
  model=$(lscpu | awk -F': +' '/^Model name/ && !seen++ {print $2}')
  kernel=$(uname -sr)
  jdk=$("$JAVA" -version 2>&1 | sed -n 2p)
  gov=$(go version | awk '{print $3}')
  wrkv=$( (wrk -v 2>&1 || true) | awk 'NR == 1 {print $1, $2}') # wrk -v exits with 1
  hv=$(lscpu | awk -F': +' '/^Hypervisor vendor/ && !seen++ {print "VM, " $2}'); echo "- CPU: $model, $CPUS CPUs${hv:+ ($hv)}"
  echo "- memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); kernel: $kernel; OS: $( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null)"
  echo "- JDK: $jdk; Go: $gov; $wrkv"
  echo "- the README's \`java\` (users-defaults, \`version\`): $("$README_JAVA" -version 2>&1 | sed -n 2p)"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

settings() {
  echo "- rounds: $ROUNDS (interleaved), cold starts per server: $BENCH_COLD_STARTS, seeded users: $BENCH_SEED_USERS"
  echo "- wrk: -t$BENCH_THREADS -c$BENCH_CONNECTIONS, ${BENCH_WARMUP} s GET-by-id warm-up, ${HALF_WARMUP} s GET-list and POST warm-ups, ${BENCH_DURATION} s per measured run"
  echo "- pinning: server on CPU $BENCH_SERVER_CPU, wrk and helpers on CPU $BENCH_CLIENT_CPU"
  echo "- BENCH_JVM_OPTS (users-service): '${BENCH_JVM_OPTS}'; BENCH_DEFAULTS_JVM_OPTS (users-defaults): '${BENCH_DEFAULTS_JVM_OPTS}'; BENCH_APP_OPTS: '${BENCH_APP_OPTS}'; BENCH_SPRING_JVM_OPTS: '${BENCH_SPRING_JVM_OPTS}'"
}

write_results() {
  local file=$1 title=$2 started=$3
  {
    echo "# $title"
    echo
    echo "Run $(date -u +%Y-%m-%d) from $started to $(date -u +%H:%M) UTC, ${SECONDS} s in all. Command (from the repository root):"
    echo
    echo '```'
    local v
    for v in BENCH_JVM_OPTS BENCH_DEFAULTS_JVM_OPTS BENCH_README_JAVA BENCH_APP_OPTS BENCH_SPRING_JVM_OPTS BENCH_DURATION BENCH_WARMUP BENCH_GO_WARMUP BENCH_COLD_STARTS BENCH_CONNECTIONS BENCH_THREADS BENCH_SEED_USERS BENCH_OVERLOAD_LIMIT BENCH_OVERLOAD_QUEUE_TIMEOUT; do
      [[ ${ENV_GIVEN[$v]:-0} == 1 ]] && printf '%s=%q ' "$v" "${!v:-}"
    done
    echo "$COMMAND_LINE"
    echo '```'
    # The JDK's path is this machine's; its version is under "Machine".
    [[ ${ENV_GIVEN[JAVA_HOME]:-0} == 1 ]] && echo && echo "(with JAVA_HOME set to the JDK named under Machine)"
    echo
    echo "Commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench/RESULTS.md' 2>/dev/null || echo ' (with uncommitted changes)')"
    echo
    echo "## Machine"
    echo
    machine
    echo
    echo "## Settings"
    echo
    settings
    echo
    echo "## Results (medians over rounds; ratios against go-nethttp / go-sqlite-jwt)"
    echo
    report
    echo
    echo "## Targets (SPEC §15 and §12, from the medians above)"
    echo
    targets
    echo
    if [[ -n $PROFILES ]]; then
      echo "## Profile evidence for the unmet targets"
      echo
      echo "$PROFILES"
      echo
    fi
    echo "## Overload"
    echo
    echo "$OVERLOAD_SUMMARY"
    echo
    echo "## Per round"
    echo
    per_round
    echo
    echo "Raw values: \`${RAW#"$ROOT"/}\` (not committed). Column meanings: docs/performance.md."
  } >"$file"
}

# estimate_seconds: how long the measuring takes with these settings, builds not counted. Per cold start about
# 4 s for a JVM (start, first 200, stop; 1 more for users-defaults' \`version\`), 10 for Spring Boot, 1 for Go;
# per load round the warm-ups and runs plus about 12 s (start, seed, check, stop); the overload scenario;
# about 230 s of profiles and the floor in a full run.
estimate_seconds() {
  local name cold=0 load=0 total
  for name in "${SERVERS[@]}"; do
    case "$name" in
      go-*) cold=$((cold + 1)); load=$((load + 3 * BENCH_GO_WARMUP)) ;;
      spring-boot) cold=$((cold + 10)); load=$((load + BENCH_WARMUP + 2 * HALF_WARMUP)) ;;
      users-defaults) cold=$((cold + 10)); load=$((load + BENCH_WARMUP + 2 * HALF_WARMUP)) ;;
      *) cold=$((cold + 4)); load=$((load + BENCH_WARMUP + 2 * HALF_WARMUP)) ;;
    esac
    load=$((load + 3 * BENCH_DURATION + 12))
  done
  total=$((BENCH_COLD_STARTS * cold + ROUNDS * load))
  ((RUN_OVERLOAD)) && total=$((total + BENCH_WARMUP + 2 * BENCH_DURATION + 15))
  ((!QUICK)) && [[ -z $ONLY && ${BENCH_PROFILE:-1} != 0 ]] && total=$((total + 230))
  echo "$total"
}

# ------------------------------------------------------------------------------------------- main
STARTED_AT=$(date -u +%H:%M)
log "output in $OUT"
log "expected to take about $(( ($(estimate_seconds) + 59) / 60 )) minutes after the builds (${#SERVERS[@]} servers, $ROUNDS round(s), $BENCH_COLD_STARTS cold start(s) each)"
build
[[ -v BENCH_JVM_OPTS ]] || BENCH_JVM_OPTS=$(shipped_jvm_opts "$JAVA" "$USERS_JAR") || die "cannot read the shipped JVM options from $USERS_JAR"
read -r -a USERS_JVM <<<"$BENCH_JVM_OPTS"

if [[ " ${SERVERS[*]} " == *" users-auth "* || " ${SERVERS[*]} " == *" users-defaults "* || " ${SERVERS[*]} " == *" go-sqlite-jwt "* ]]; then
  issue_token
fi

# prime_startup_cache: the README's command on a JDK 24+ makes its AOT cache over its first starts (once a start has
# run the service, the next records a training run and the one after builds the cache in the background;
# docs/performance.md): start and stop it until the cache is there (at most 4 starts), so that every measured start
# below maps the cache users have from then on. start_server's template start comes first: it migrates the new
# database and records nothing. On an older JDK the first start writes the class-data archive, and the
# rest finds nothing to wait for.
prime_startup_cache() {
  local name i cache=${XDG_CACHE_HOME:-$HOME/.cache}/servicekit stamp=$OUT/prime.stamp
  for name in "${SERVERS[@]}"; do
    [[ $name == users-defaults* ]] || continue
    touch "$stamp"
    for i in 1 2 3 4; do
      start_server "$name" "keep-prime$i"
      local mapped=0
      grep -qa -e '-XX:AOTCache=' "/proc/$SERVER_PID/cmdline" 2>/dev/null && mapped=1 # a cache of this jar already
      stop_server_group "$SERVER_PID" 140 # a recording start writes its training data as it stops
      forget "$SERVER_PID"
      await_aot_builds "$cache"
      ((mapped)) && break
      [[ $(find "$cache" -maxdepth 1 -name 'run-*.aot' -newer "$stamp" 2>/dev/null) ]] && break # built now
    done
    log "  $name: startup cache primed in $i start(s) after its template's ($(cd "$cache" 2>/dev/null && ls run-*.aot run-*.jsa 2>/dev/null | tr '\n' ' '))"
    return 0 # users-defaults and users-defaults-noauth share the jar and options, hence the cache
  done
}
log "priming the README command's startup cache"
prime_startup_cache

log "cold starts: $BENCH_COLD_STARTS per server, interleaved (restarts: each on a copy of its template data directory)"
for ((i = 1; i <= BENCH_COLD_STARTS; i++)); do
  for name in "${SERVERS[@]}"; do
    start_server "$name" "cold$i"
    record cold "$name" startup_ms "$STARTUP_MS"
    record cold "$name" rss_first_kib "$RSS_FIRST_KIB"
    log "  $name cold start $i: $STARTUP_MS ms, RSS at first 200 $((RSS_FIRST_KIB / 1024)) MB"
    if [[ $name == users-defaults || $name == go-sqlite-jwt ]]; then
      UNPINNED=1 start_server "$name" "free$i"
      record cold "$name" startup_free_ms "$STARTUP_MS"
      log "  $name cold start $i, unpinned: $STARTUP_MS ms"
    fi
    if [[ $name == users-defaults ]]; then
      FRESH=1 start_server "$name" "new$i"
      record cold "$name" startup_new_ms "$STARTUP_MS"
      record cold "$name" rss_first_new_kib "$RSS_FIRST_KIB"
      log "  $name cold start $i on a new data directory (migrates it): $STARTUP_MS ms"
      version_ms=$(time_version)
      record cold "$name" version_ms "$version_ms"
      log "  $name: 'java -jar users-service.jar version' in $version_ms ms"
    fi
  done
done

for ((r = 1; r <= ROUNDS; r++)); do
  for name in "${SERVERS[@]}"; do
    load_round "$r" "$name"
  done
done

((RUN_OVERLOAD)) && overload

echo
echo "## Results (medians over $ROUNDS round(s); ratios against go-nethttp / go-sqlite-jwt)$( ((QUICK)) && echo ' — QUICK RUN, not for RESULTS.md')"
echo
report
echo
echo "## Targets (SPEC §15 and §12)"
echo
targets
echo
echo "Overload: $OVERLOAD_SUMMARY"
echo
# Profile evidence for what is not met (full runs; BENCH_PROFILE=0 skips it): where the CPU goes under load
# for an unmet throughput target, where the start and the memory go for an unmet start or RSS target.
PROFILES=""
if ((!QUICK)) && [[ -z $ONLY && ${BENCH_PROFILE:-1} != 0 ]]; then
  unmet=$(targets | grep -F 'not met' || true)
  if grep -qE 'POST|GET' <<<"$unmet"; then
    log "profiling the load on users-defaults (bench/profile-load.sh)"
    PROFILES+="### CPU under load (bench/profile-load.sh: users-defaults; the §12 rows' users-memory serves the same request path without the store and the token check)"$'\n\n'
    PROFILES+=$(BENCH_README_JAVA=$README_JAVA "$BENCH_DIR/profile-load.sh" 2>&1 | sed 's/^### /#### /') || PROFILES+="profile-load.sh failed"
    PROFILES+=$'\n\n'
  fi
  if grep -qE 'first 200|version|RSS' <<<"$unmet"; then
    log "profiling the start and the idle memory (bench/profile-startup.sh)"
    PROFILES+="### Start and idle memory (bench/profile-startup.sh: shipped options, no archive, memory store)"$'\n\n'
    PROFILES+=$("$BENCH_DIR/profile-startup.sh" 2>&1 | sed 's/^### /#### /') || PROFILES+="profile-startup.sh failed"
    PROFILES+=$'\n'
    # The same start beside the stack's floor, in this run: how far a start figure is the machine's speed that day.
    log "measuring the floor under the start (bench/floor.sh 2 5)"
    PROFILES+="### The floor under the start on this machine, in this run (CPU=$BENCH_SERVER_CPU bench/floor.sh 2 5)"$'\n\n'
    PROFILES+="The JVM alone, the bare Helidon SE server with one route (with the JDK's class data, then with an AOT"
    PROFILES+=" cache of its own), users-service started directly with the launcher's options and cache, and the"
    PROFILES+=" README's command; each pinned to the servers' CPU, $BENCH_SERVER_CPU (docs/performance.md, \"Running the"
    PROFILES+=" benchmark\")."
    PROFILES+=$'\n\n```\n'
    PROFILES+=$(CPU=$BENCH_SERVER_CPU "$BENCH_DIR/floor.sh" 2 5 2>&1) || PROFILES+=$'\nfloor.sh failed'
    PROFILES+=$'\n```\n'
  fi
fi

if ((QUICK)) || [[ -n $ONLY ]]; then
  write_results "$OUT/RESULTS.md" "Benchmark results (quick or partial run, not recorded)" "$STARTED_AT"
  log "quick/partial run: written to $OUT/RESULTS.md only (bench/RESULTS.md is for full runs)"
else
  # The addenda of other scripts and partial runs (RESULTS.md's last section, to its end) stay: this run does not
  # measure them. Which of them this run supersedes is for whoever commits it to prune.
  CARRIED=
  [[ -f $BENCH_DIR/RESULTS.md ]] && CARRIED=$(sed -n '/^## Carried over from earlier runs$/,$p' "$BENCH_DIR/RESULTS.md")
  write_results "$BENCH_DIR/RESULTS.md" "Benchmark results" "$STARTED_AT"
  [[ -n $CARRIED ]] && printf '\n%s\n' "$CARRIED" >>"$BENCH_DIR/RESULTS.md"
  cp "$BENCH_DIR/RESULTS.md" "$OUT/RESULTS.md"
  log "written to bench/RESULTS.md"
fi
log "done in $SECONDS s"

#!/usr/bin/env bash
# The long hostile-input run (issue 18, SPEC §16): servicekit-testing's HostileInput against a running service on
# loopback, with more requests and another seed than the seeded run in ./mvnw verify (users-service's
# HostileInputTest, seed 18, 10 000 requests). See docs/operations.md#hostile-input.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

usage() {
  cat <<'USAGE'
Usage: bench/hostile.sh --api URL --token-file FILE [--management URL] [--requests N] [--seed N]
                        [--deadline-seconds N] [--concurrency N] [--path PATH]... [--no-build]

Sends N malformed requests (broken framing, oversized and repeated headers, odd methods, percent-encoded and
overlong paths, invalid UTF-8, JSON edge cases, malformed tokens) to the service at --api, one connection each,
then checks GET /health/ready on --management and one normal authenticated GET. Prints the counts by status and
by category and every finding; exits 0 when there is no answer >= 500, no stack trace or exception class in an
answer and the service is healthy afterwards, 1 otherwise, 64 on a usage error.

  --api URL              the API listener, http://127.0.0.1:PORT (loopback only)
  --token-file FILE      a valid bearer token (e.g. `users-service token issue --scope "users:read users:write admin"`)
  --management URL       the management listener, http://127.0.0.1:PORT (default: no readiness check)
  --requests N           how many requests (default 200000)
  --seed N               the seed (default: the current time in seconds, printed; rerun with it to repeat)
  --deadline-seconds N   stop sending after N seconds (default 1800); the report says how many went out
  --concurrency N        connections at once (default 4)
  --path PATH            a path or template to aim at, repeatable (default: users-service's API paths)
  --no-build             use servicekit-testing/target/classes as it is

Environment: JAVA_HOME, a JDK 21 or later (default: the one ./mvnw picks, .mvn/select-jdk.sh).
USAGE
}

die() { echo "bench/hostile.sh: $*" >&2; exit 64; }

api="" management="" token_file="" requests=200000 seed="" deadline=1800 concurrency=4 build=1
paths=()
while (($#)); do
  case "$1" in
    --api) api=${2:?}; shift 2 ;;
    --management) management=${2:?}; shift 2 ;;
    --token-file) token_file=${2:?}; shift 2 ;;
    --requests) requests=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --deadline-seconds) deadline=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    --path) paths+=("${2:?}"); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

[[ -n $api ]] || die "--api is required (http://127.0.0.1:PORT)"
[[ -n $token_file ]] || die "--token-file is required"
[[ -r $token_file ]] || die "token file '$token_file' is not readable"
loopback='^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\]):[0-9]+/?$'
[[ $api =~ $loopback ]] || die "--api '$api' must be http://127.0.0.1:PORT (this run is for loopback only)"
[[ -z $management || $management =~ $loopback ]] \
  || die "--management '$management' must be http://127.0.0.1:PORT (loopback only)"
[[ $requests =~ ^[0-9]+$ && $requests -ge 1 && $requests -le 10000000 ]] || die "--requests '$requests' must be 1..10000000"
[[ $deadline =~ ^[0-9]+$ && $deadline -ge 1 && $deadline -le 86400 ]] || die "--deadline-seconds '$deadline' must be 1..86400"
seed=${seed:-$(date +%s)}
((${#paths[@]})) || paths=(/api/v1/users '/api/v1/users/{id}' /api/v1/auth/token /openapi.yaml)

# The same JDK 21+ as ./mvnw: JAVA_HOME if it is one, else the javac on PATH, else the newest in the usual places.
. "$ROOT/.mvn/select-jdk.sh" || die "no JDK 21 or newer found (see above)"
JAVA=$JAVA_HOME/bin/java
command -v "$JAVA" >/dev/null || die "no java 21+ found; set JAVA_HOME"

CLASSES=$ROOT/servicekit-testing/target/classes
if ((build)); then
  (cd "$ROOT" && ./mvnw -o -q -pl servicekit-testing -am compile) || die "building servicekit-testing failed"
fi
[[ -f $CLASSES/dev/servicekit/testing/HostileInput.class ]] || die "no $CLASSES; run without --no-build"

args=(--api "${api%/}" --token-file "$token_file" --requests "$requests" --seed "$seed"
  --deadline-seconds "$deadline" --concurrency "$concurrency" --json-fields name,email,roles,password)
[[ -n $management ]] && args+=(--management "${management%/}")
for p in "${paths[@]}"; do args+=(--path "$p"); done

echo "bench/hostile.sh: $requests requests, seed $seed, deadline ${deadline}s, $concurrency connections, against $api"
# HostileInput needs only the JDK: its classes alone are the classpath.
exec "$JAVA" -cp "$CLASSES" dev.servicekit.testing.HostileInput "${args[@]}"

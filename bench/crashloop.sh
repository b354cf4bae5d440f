#!/usr/bin/env bash
# The long crash loop (issue 18, SPEC §16): users-service's CrashLoopIT with N iterations instead of the 10 that
# ./mvnw verify runs. Each iteration starts the real service (a child JVM) on one data directory, lets 4 clients
# create users, records every id answered 201, kill -9s the process after a seeded random number of acknowledged
# creates, then checks PRAGMA integrity_check on the file and that every acknowledged create is in it, and that the
# restarted service serves it. See docs/operations.md#crash-loop.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

usage() {
  cat <<'USAGE'
Usage: bench/crashloop.sh [N] [--seed S] [--report FILE]

Runs N (default 50) kill -9 iterations of CrashLoopIT through ./mvnw (users-service and the modules it uses are
built from source, nothing is installed). Prints one line per iteration and the total; exits 0 when no
acknowledged create was lost and integrity_check said ok every time, 1 otherwise, 64 on a usage error.

  N              iterations, 1..1000 (default 50)
  --seed S       the seed of the kill moments (default 18, the seed of ./mvnw verify's 10 iterations)
  --report FILE  where the per-iteration report goes (default bench/out/crashloop-<N>.txt)
USAGE
}

die() { echo "bench/crashloop.sh: $*" >&2; exit 64; }

iterations=50 seed=18 report=""
while (($#)); do
  case "$1" in
    --seed) seed=${2:?}; shift 2 ;;
    --report) report=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; die "unknown argument '$1'" ;;
    *) iterations=$1; shift ;;
  esac
done
[[ $iterations =~ ^[0-9]+$ && $iterations -ge 1 && $iterations -le 1000 ]] || die "N '$iterations' must be 1..1000"
[[ $seed =~ ^-?[0-9]+$ ]] || die "--seed '$seed' must be a whole number"
report=${report:-$BENCH_DIR/out/crashloop-$iterations.txt}
mkdir -p "$(dirname "$report")"
report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
rm -f "$report"

echo "bench/crashloop.sh: $iterations iterations, seed $seed, commit $(git -C "$ROOT" rev-parse --short HEAD)"
start=$(date +%s)
status=0
(cd "$ROOT" && ./mvnw -o -q -pl users-service -am -Dtest=none -Dit.test=CrashLoopIT \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dcrashloop.iterations="$iterations" -Dcrashloop.seed="$seed" -Dcrashloop.report="$report" verify) || status=1
elapsed=$(($(date +%s) - start))
# CrashLoopIT printed its report above (one line per iteration); it is also in $report.
if ! [[ -f $report ]]; then
  echo "no report: see users-service/target/failsafe-reports/dev.servicekit.users.CrashLoopIT*.txt"
  status=1
fi
echo "bench/crashloop.sh: $( ((status == 0)) && echo PASSED || echo FAILED ) in ${elapsed}s (report: $report)"
exit $status

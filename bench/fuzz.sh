#!/usr/bin/env bash
# Runs every Jazzer fuzz target in fuzzing mode (coverage-guided, JAZZER_FUZZ=1) for a bounded time each.
#
#   bench/fuzz.sh [duration-per-target] [target-filter]
#     duration-per-target  Jazzer duration such as 30s, 5m, 1h (default 5m)
#     target-filter        run only targets whose "module Class#method" contains this text (default: all)
#
# Each target is one Maven run (`-Dtest=Class#method`, Jazzer fuzzes one test per JVM). Jazzer 0.24 takes the
# fuzzing time from @FuzzTest(maxDuration) only; the script overrides it with libFuzzer's -max_total_time, passed
# through the jazzer.internal.arg.N parameters (libFuzzer arguments given there come last and win). A target stops at
# its duration or at its first finding; the script then goes on with the next target and exits 1 if any
# target found something. Where things are written (see docs/fuzzing.md):
#   findings         <module>/src/test/resources/<package>/<Class>Inputs/<method>/crash-<sha1>
#                    (the regression input: commit it once the bug is fixed; ./mvnw verify then replays it)
#   grown corpus     <module>/.cifuzz-corpus/<package>.<Class>/<method>/   (git-ignored; kept between runs)
#   logs             target/fuzz/<Class>-<method>.log
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION="${1:-5m}"
FILTER="${2:-}"
if ! [[ "$DURATION" =~ ^[0-9]+[smh]$ ]]; then
  echo "duration must look like 30s, 5m or 1h, was: $DURATION" >&2
  exit 64
fi
case "$DURATION" in
  *s) SECONDS_EACH=${DURATION%s} ;;
  *m) SECONDS_EACH=$(( ${DURATION%m} * 60 )) ;;
  *h) SECONDS_EACH=$(( ${DURATION%h} * 3600 )) ;;
esac

# module, package, class, method, and the classes Jazzer instruments for coverage (ours plus the library
# that does the parsing, so the fuzzer also learns that library's branches).
TARGETS=(
  "users-service dev.servicekit.users UserBodyFuzzTest body dev.servicekit.**,com.fasterxml.jackson.**"
  "users-service dev.servicekit.users CursorFuzzTest decode dev.servicekit.**"
  "users-service dev.servicekit.users CursorFuzzTest roundTrip dev.servicekit.**"
  "servicekit-http dev.servicekit.http JwtFuzzTest verify dev.servicekit.**,com.nimbusds.**"
  "servicekit-core dev.servicekit.core ConfigLoaderFuzzTest load dev.servicekit.**,com.fasterxml.jackson.**,org.yaml.snakeyaml.**"
  "servicekit-http dev.servicekit.http ProblemFuzzTest body dev.servicekit.**,com.fasterxml.jackson.**"
)

mkdir -p target/fuzz
failed=()
for entry in "${TARGETS[@]}"; do
  read -r module package class method instrument <<<"$entry"
  [[ -n "$FILTER" && "$entry" != *"$FILTER"* ]] && continue
  [[ -f "$module/src/test/java/${package//.//}/$class.java" ]] || { echo "skip $class#$method (not in this tree)"; continue; }
  log="target/fuzz/$class-$method.log"
  inputs="$module/src/test/resources/${package//.//}/${class}Inputs/$method"
  echo "== $module $class#$method: fuzzing for $DURATION (log: $log)"
  start=$(date +%s)
  # Hard bound: the fuzzing time plus 5 minutes for the build and JVM start.
  if JAZZER_FUZZ=1 timeout --kill-after=30s $(( SECONDS_EACH + 300 ))s \
      ./mvnw -o -pl "$module" -am test -Dtest="$class#$method" \
      -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$SECONDS_EACH" \
      -Djazzer.instrument="$instrument" >"$log" 2>&1; then
    echo "   ok after $(( $(date +%s) - start ))s: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1 || true)"
  else
    echo "   FAILED after $(( $(date +%s) - start ))s; findings in $inputs:"
    ls -1 "$inputs"/crash-* 2>/dev/null | sed 's/^/     /' || echo "     (none written; see $log)"
    failed+=("$class#$method")
  fi
done

if (( ${#failed[@]} > 0 )); then
  echo "Findings or failures in: ${failed[*]}"
  echo "Fix the bug, rename the crash file to say what it is, commit it; ./mvnw verify then replays it."
  exit 1
fi
echo "No findings."

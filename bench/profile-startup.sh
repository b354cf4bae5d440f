#!/usr/bin/env bash
# Where users-service's start time and idle memory go: one cold start with class-load logging (which
# component's classes load when) and Native Memory Tracking (what the resident memory is made of).
# Prints two markdown tables. Needs the artifacts that bench/run.sh builds.
#
# Usage: bench/profile-startup.sh [extra JVM options...]   (default: the shipped options, no archive)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
. "$ROOT/.mvn/select-jdk.sh" # the same JDK 21+ as ./mvnw
JAVA=$JAVA_HOME/bin/java
JAR=$ROOT/users-service/target/users-service.jar
BENCHTOOL=$BENCH_DIR/bin/benchtool
[[ -x $BENCHTOOL && -e $JAR ]] || { echo "profile-startup.sh: build first (bench/run.sh --quick)" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
OPTS=("$@")
((${#OPTS[@]})) || read -r -a OPTS <<<"$(shipped_jvm_opts "$JAVA" "$JAR")"
OUT=$BENCH_DIR/out/profile-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
port=$("$BENCHTOOL" freeport); mport=$("$BENCHTOOL" freeport)
line=$(taskset -c 1 "$BENCHTOOL" startup -keep -port "$port" -dir "$OUT" -log "$OUT/server.log" -- \
  taskset -c 0 "$JAVA" "${OPTS[@]}" -XX:NativeMemoryTracking=summary -Xlog:class+load=info:file="$OUT/classes.log":uptimemillis \
  -jar "$JAR" run --set "http.port=$port" --set "management.port=$mport" --set "data-dir=$OUT" \
  --set store.url=memory: --set auth.enabled=false)
pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
sleep 3
"$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary scale=MB >"$OUT/nmt.txt"
rss=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
trap - EXIT

echo "Startup: $line"
echo
echo "### Classes loaded in one run (start, first request, 3 s idle, stop), by component ($(grep -c . "$OUT/classes.log") in all)"
echo
echo "| component | classes | first loaded at ms | last loaded at ms |"
echo "|---|---|---|---|"
awk '
  { ms = $1; gsub(/[\[\]ms]/, "", ms); name = $2
    src = ($0 ~ /shared objects file/) ? "cds" : "jar"
    c = "other JDK"
    if (name ~ /^(java|javax|jdk|sun|com\.sun)\./ && src == "cds") c = "JDK (from the CDS archive)"
    else if (name ~ /^io\.helidon\.(service|common\.mapper|config)/) c = "Helidon service registry, mappers, config"
    else if (name ~ /^io\.helidon\./) c = "Helidon (webserver, http, common)"
    else if (name ~ /^com\.fasterxml\.jackson/ || name ~ /^org\.yaml/) c = "Jackson and SnakeYAML"
    else if (name ~ /^ch\.qos\.logback|^org\.slf4j/) c = "Logback and SLF4J"
    else if (name ~ /^picocli\./) c = "picocli"
    else if (name ~ /^io\.micrometer|^io\.prometheus/) c = "Micrometer and Prometheus"
    else if (name ~ /^com\.nimbusds/) c = "nimbus-jose-jwt"
    else if (name ~ /^dev\.servicekit\./) c = "Servicekit and users-service"
    else if (name ~ /^(java|javax|jdk|sun|com\.sun)\./) c = "JDK (not in the CDS archive)"
    n[c]++; if (!(c in first)) first[c] = ms; last[c] = ms }
  END { for (c in n) printf "| %s | %d | %d | %d |\n", c, n[c], first[c], last[c] }' "$OUT/classes.log" | sort -t'|' -k3 -nr
echo
echo "### Native memory at idle (NMT committed MB; VmRSS $rss MB)"
echo
echo "| area | committed MB |"
echo "|---|---|"
awk '/^-/ && /committed=/ { area = $2; for (i = 1; i <= NF; i++) if ($i ~ /^committed=/) { v = $i; sub(/committed=/, "", v); sub(/MB.*/, "", v) }
  gsub(/[()]/, "", area); printf "| %s | %s |\n", area, v }
  /^Total:/ { for (i = 1; i <= NF; i++) if ($i ~ /^committed=/) { v = $i; sub(/committed=/, "", v); sub(/MB.*/, "", v) }; printf "| **total** | %s |\n", v }' "$OUT/nmt.txt"
echo
echo "Raw: \`${OUT#"$ROOT"/}\` (classes.log, nmt.txt, server.log; not committed)"

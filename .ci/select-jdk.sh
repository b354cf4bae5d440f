# Sourced by .ci/run: make JAVA_HOME point at a JDK 21 or newer.
# Keeps a JAVA_HOME or a java on PATH that is new enough; otherwise takes the newest JDK under /usr/lib/jvm.

java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ]; then
    return 0
  fi
  if command -v javac >/dev/null 2>&1; then
    local home
    home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if [ "$(java_major "$home/bin/java")" -ge 21 ]; then
      JAVA_HOME=$home
      return 0
    fi
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/* /opt/java/* /usr/local/lib/jvm/*; do
    [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$dir/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$dir
      best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "No JDK 21 or newer found: set JAVA_HOME to one (default java is $(java -version 2>&1 | head -1))." >&2
    return 1
  fi
  JAVA_HOME=$best
}

pick_jdk
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

# Sourced by bench/run.sh, floor.sh, jvm-options.sh, compare-starts.sh, profile-load.sh and profile-startup.sh.

# shipped_jvm_opts JAVA JAR: the JVM options `install` gives the service (`version --jvm-options`, i.e.
# ServiceApplication.defaultJvmOptions), without the class-data archive flags, on one line. The throughput
# and no-cache startup figures are taken with these; jvm-options.sh measures the archive and the AOT cache.
shipped_jvm_opts() {
  local options
  options=$("$1" -jar "$2" version --jvm-options) || { echo "'$2 version --jvm-options' failed" >&2; return 1; }
  grep -v -e '^-XX:SharedArchiveFile=' -e '^-XX:+AutoCreateSharedArchive$' -e '^-Xlog:cds' <<<"$options" | paste -sd' ' -
}

# await_aot_builds CACHE_DIR: waits (up to 5 minutes) until no AOT cache (`run`'s or `status`'s) is being built in
# CACHE_DIR (the launcher's `<verb>-*.aotconf.build` and `<verb>-*.aot.part` files; docs/performance.md, "Startup
# caches"). A finished recording (`<verb>-*.aotconf`) waits for the next start of its verb, which claims it and starts
# the build.
await_aot_builds() {
  local t
  for ((t = 0; t < 3000; t++)); do
    compgen -G "$1/*.aotconf.build" >/dev/null || compgen -G "$1/*.aot.part" >/dev/null || return 0
    sleep 0.1
  done
  echo "AOT cache build in $1 still unfinished after 5 minutes" >&2
}

# stop_group PID [SECONDS]: SIGTERM to the process group that PID leads (each server runs in its own), up to SECONDS
# (default 20) for PID to exit, then SIGKILL to the group. Returns 1 when it had to kill, for the caller to say so.
stop_group() {
  local pid=$1 seconds=${2:-20} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  return 1
}

# trim_log FILE: a log over 1 MiB keeps its first and last 200 lines and says how many were left out between them
# (a load run's access log is a line per request: hundreds of MB).
trim_log() {
  local f=$1 lines
  [[ -f $f ]] && (($(stat -c %s "$f") > 1048576)) || return 0
  lines=$(wc -l <"$f")
  { head -n 200 "$f"; echo "[bench: $((lines - 400)) lines left out]"; tail -n 200 "$f"; } >"$f.part" && mv "$f.part" "$f"
}

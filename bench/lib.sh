# Shared by bench/run.sh and bench/jvm-options.sh; source it.

# shipped_jvm_opts JAVA JAR: the JVM options `install` gives the service (`version --jvm-options`, i.e.
# ServiceApplication.defaultJvmOptions), without the class-data archive flags, on one line. The throughput
# and no-cache startup figures are taken with these; jvm-options.sh measures the archive and the AOT cache.
shipped_jvm_opts() {
  local options
  options=$("$1" -jar "$2" version --jvm-options) || { echo "'$2 version --jvm-options' failed" >&2; return 1; }
  grep -v -e '^-XX:SharedArchiveFile=' -e '^-XX:+AutoCreateSharedArchive$' -e '^-Xlog:cds' <<<"$options" | paste -sd' ' -
}

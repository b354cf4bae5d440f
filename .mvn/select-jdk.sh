# Sourced by ../mvnw before anything else: exports JAVA_HOME as a JDK 21 or newer, or stops the build with
# one line saying what to install. Maven itself must run on 21+: plugins such as shade and formatters run
# inside Maven's JVM and read Java 21 class files and syntax, so toolchains would not do (docs/decisions.md,
# "JDK selection").
#
# Order: JAVA_HOME if it is a JDK 21+; else the javac on PATH if it is; else the newest JDK 21+ in the
# usual places. SERVICEKIT_JDK_DIRS (colon-separated directories whose children are JDK homes) replaces
# the usual places; the tests use it. A JDK's version comes from its `release` file, never from running it.
# Quiet, so that `./mvnw -q` stays quiet: one line on stderr only when a JAVA_HOME that was set is
# passed over, and the choice with MVNW_VERBOSE=true.
#
# POSIX sh: mvnw is #!/bin/sh and runs with `set -euf`. Every name here starts with _sk_.

_sk_required=21

# Sets _sk_feature (25) and _sk_key (25000003 for 25.0.3, 8000402 for 1.8.0_402) from "$1/release";
# both empty when there is no readable JAVA_VERSION.
_sk_read_version() {
  _sk_feature='' _sk_key=''
  [ -f "$1/release" ] && [ -r "$1/release" ] || return 0
  while IFS= read -r _sk_line || [ -n "$_sk_line" ]; do
    case $_sk_line in
    JAVA_VERSION=*)
      _sk_v=${_sk_line#JAVA_VERSION=}
      _sk_v=${_sk_v#\"}
      _sk_v=${_sk_v%%\"*}
      case $_sk_v in 1.*) _sk_v=${_sk_v#1.} ;; esac
      _sk_a=${_sk_v%%[!0-9]*}
      _sk_v=${_sk_v#"$_sk_a"}
      _sk_v=${_sk_v#?}
      _sk_b=${_sk_v%%[!0-9]*}
      _sk_v=${_sk_v#"$_sk_b"}
      _sk_v=${_sk_v#?}
      _sk_c=${_sk_v%%[!0-9]*}
      [ -n "$_sk_a" ] || return 0
      _sk_feature=$_sk_a
      _sk_key=$((_sk_a * 1000000 + ${_sk_b:-0} * 1000 + ${_sk_c:-0}))
      return 0
      ;;
    esac
  done <"$1/release"
}

# True when "$1" is a JDK 21+ (release file, bin/java, bin/javac). Remembers the newest Java seen at all
# in _sk_seen / _sk_seen_key, for the message when nothing qualifies.
_sk_is_jdk() {
  [ -d "$1" ] || return 1
  _sk_read_version "$1"
  [ -n "$_sk_key" ] && [ -x "$1/bin/java" ] || return 1
  if [ "$_sk_key" -gt "$_sk_seen_key" ]; then
    _sk_seen_key=$_sk_key
    _sk_seen="Java $_sk_feature ($1)"
    [ -x "$1/bin/javac" ] || _sk_seen="Java $_sk_feature without javac ($1)"
  fi
  [ "$_sk_feature" -ge "$_sk_required" ] && [ -x "$1/bin/javac" ]
}

# Considers one candidate directory (a macOS bundle counts through its Contents/Home).
_sk_consider() {
  _sk_home=$1
  [ ! -d "$_sk_home/Contents/Home" ] || _sk_home=$_sk_home/Contents/Home
  if _sk_is_jdk "$_sk_home" && [ "$_sk_key" -gt "$_sk_best_key" ]; then
    _sk_best=$_sk_home
    _sk_best_key=$_sk_key
  fi
}

_sk_search() {
  case $- in *f*) _sk_noglob=1 ;; *) _sk_noglob='' ;; esac
  set +f
  if [ -n "${SERVICEKIT_JDK_DIRS-}" ]; then
    _sk_ifs=$IFS
    IFS=:
    set -f
    # shellcheck disable=SC2086 # split on colons, no globbing
    set -- $SERVICEKIT_JDK_DIRS
    IFS=$_sk_ifs
    set +f
    for _sk_dir in "$@"; do
      for _sk_candidate in "$_sk_dir"/*; do _sk_consider "$_sk_candidate"; done
    done
  else
    for _sk_candidate in /usr/lib/jvm/* /usr/java/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* \
      "${HOME-}/.sdkman/candidates/java"/* "${HOME-}/.jdks"/* /Library/Java/JavaVirtualMachines/*; do
      _sk_consider "$_sk_candidate"
    done
  fi
  [ -z "$_sk_noglob" ] || set -f
}

_sk_select_jdk() {
  _sk_best='' _sk_best_key=0 _sk_seen='' _sk_seen_key=0
  if [ -n "${JAVA_HOME-}" ] && _sk_is_jdk "$JAVA_HOME"; then
    export JAVA_HOME
    return 0
  fi
  _sk_javac=$(command -v javac 2>/dev/null) || _sk_javac=''
  if [ -n "$_sk_javac" ]; then
    _sk_javac=$(readlink -f "$_sk_javac" 2>/dev/null) || _sk_javac=$(command -v javac)
    case $_sk_javac in
    */bin/javac)
      if _sk_is_jdk "${_sk_javac%/bin/javac}"; then
        JAVA_HOME=${_sk_javac%/bin/javac}
        export JAVA_HOME
        [ "${MVNW_VERBOSE-}" != true ] || printf '%s\n' "servicekit: building with the JDK on PATH, $JAVA_HOME" >&2
        return 0
      fi
      ;;
    esac
  fi
  _sk_search
  if [ -n "$_sk_best" ]; then
    if [ -n "${JAVA_HOME-}" ]; then
      printf '%s\n' "servicekit: JAVA_HOME ($JAVA_HOME) is not a JDK $_sk_required or newer; building with $_sk_best" >&2
    elif [ "${MVNW_VERBOSE-}" = true ]; then
      printf '%s\n' "servicekit: building with $_sk_best" >&2
    fi
    JAVA_HOME=$_sk_best
    export JAVA_HOME
    return 0
  fi
  printf '%s\n' "servicekit: building needs JDK $_sk_required or newer; found ${_sk_seen:+only }${_sk_seen:-none}. Install one (Debian/Ubuntu: apt-get install openjdk-$_sk_required-jdk-headless; elsewhere: https://adoptium.net) or set JAVA_HOME to it." >&2
  exit 1
}

_sk_select_jdk

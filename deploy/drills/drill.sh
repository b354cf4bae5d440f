#!/bin/sh
# The tutorial's drills against a users-service fleet (docs/operations.md, "Drills"):
#   drill.sh kill-instance | stop-database | stop-etcd | restore-backup | all
# Settings come from DRILL_* environment variables (the same page lists them); `local-fleet.sh up DIR` writes
# DIR/fleet.env with all of them for a fleet on loopback.
#
# Compiles Drills.java (beside this file) once per version of it into a cache directory and runs it with the
# users-service jar on the class path (for Jackson, and servicekit-etcd's reading of etcd's TLS files). Needs a JDK 17
# or newer (21 or newer for etcd's TLS files and local-fleet.sh): $DRILL_JAVA_HOME, else $JAVA_HOME, else `java` and
# `javac` on the PATH. The jar: $DRILL_JAR, else the one the build makes in this repository.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
jar=${DRILL_JAR:-$here/../../users-service/target/users-service.jar}
if [ ! -f "$jar" ]; then
  echo "drill: no users-service jar at '$jar'; build it (./mvnw -DskipTests package) or set DRILL_JAR" >&2
  exit 78
fi
jar=$(CDPATH='' cd -- "$(dirname -- "$jar")" && pwd)/$(basename -- "$jar")
home=${DRILL_JAVA_HOME:-${JAVA_HOME:-}}
bin=${home:+$home/bin/}
if ! command -v "${bin}javac" >/dev/null 2>&1; then
  echo "drill: no javac ('${bin}javac'); install a JDK 17 or newer, or set DRILL_JAVA_HOME to one" >&2
  exit 78
fi
sum=$(cat "$here/Drills.java" "$here/LocalFleet.java" "$jar" | cksum | cut -d' ' -f1)
cache=${DRILL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/servicekit-drills}
classes=$cache/$sum
if [ ! -f "$classes/Drills.class" ]; then
  mkdir -p "$cache"
  staging=$(mktemp -d "$cache/compiling.XXXXXX")
  if ! "${bin}javac" -nowarn -encoding UTF-8 -d "$staging" -cp "$jar" "$here/Drills.java" "$here/LocalFleet.java" >&2; then
    rm -rf "$staging"
    echo "drill: $here/Drills.java does not compile with ${bin}javac (a JDK 17 or newer is needed)" >&2
    exit 78
  fi
  mv "$staging" "$classes" 2>/dev/null || rm -rf "$staging"
fi
DRILL_HOME=$here DRILL_JAR=$jar exec "${bin}java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$classes:$jar" Drills "$@"

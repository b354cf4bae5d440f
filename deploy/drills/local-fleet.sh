#!/bin/sh
# A fleet on loopback to run the drills against (docs/operations.md, "Drills"): Debian's PostgreSQL, etcd, three
# users-service instances of the jar and nginx with the shipped deploy/nginx/users-service.conf, on free loopback
# ports, everything in DIR. etcd is secured: TLS with client certificates of a CA made in DIR/pki (openssl), and
# authentication on (user users-service, password in DIR/etcd-password).
#   local-fleet.sh up DIR              start it; writes DIR/fleet.env for drill.sh
#   local-fleet.sh down DIR            stop what `up` started (by the pids in DIR/run), keep the logs
#   local-fleet.sh start|stop NAME DIR one instance (a, b or c)
#   local-fleet.sh stop-db|start-db|stop-etcd|start-etcd|stop-instances|start-instances DIR
# It stops by itself after LOCAL_FLEET_LIFETIME seconds (default 7200). The jar: $DRILL_JAR, else the build's.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
exec "$here/drill.sh" fleet "$@"

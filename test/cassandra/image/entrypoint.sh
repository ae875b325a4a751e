#!/bin/bash
# Entry point of the cqlwire test image: writes cassandra.yaml, logback.xml and
# cassandra-rackdc.properties from the templates in /opt/cassandra/conf (generated from the
# launcher's config.ts), then runs Cassandra in the foreground, logging to stdout.
#
# Environment (names as in the official image, which @testcontainers/cassandra sets):
#   CASSANDRA_LISTEN_ADDRESS        internode address; 'auto' (default): the container's address
#   CASSANDRA_RPC_ADDRESS           address the native port binds (default 0.0.0.0)
#   CASSANDRA_BROADCAST_RPC_ADDRESS address clients are told to use (system.local / peers);
#                                   the tests set 127.0.0.1, where the port is published
#   CASSANDRA_DC, CASSANDRA_RACK    default datacenter1 / rack1
#   MAX_HEAP_SIZE                   -Xmx (default 1g)
#   JVM_EXTRA_OPTS                  more JVM flags (before the main class)
set -euo pipefail

home=/var/lib/cassandra
listen="${CASSANDRA_LISTEN_ADDRESS:-auto}"
if [ "$listen" = auto ]; then
  listen="$(getent hosts "$(cat /etc/hostname)" | awk '{ print $1; exit }')"
fi
rpc="${CASSANDRA_RPC_ADDRESS:-0.0.0.0}"
broadcast_rpc="${CASSANDRA_BROADCAST_RPC_ADDRESS:-$listen}"
dc="${CASSANDRA_DC:-datacenter1}"
rack="${CASSANDRA_RACK:-rack1}"

mkdir -p "$home/conf" "$home/data" "$home/logs"
for f in cassandra.yaml cassandra-rackdc.properties logback.xml; do
  sed -e "s|@LISTEN@|$listen|g" -e "s|@RPC@|$rpc|g" -e "s|@BROADCAST_RPC@|$broadcast_rpc|g" \
      -e "s|@DC@|$dc|g" -e "s|@RACK@|$rack|g" "/opt/cassandra/conf/$f" >"$home/conf/$f"
done

mapfile -t args </opt/cassandra/jvm.args
if [ -n "${MAX_HEAP_SIZE:-}" ]; then
  for i in "${!args[@]}"; do
    case "${args[$i]}" in -Xmx*) args[$i]="-Xmx$MAX_HEAP_SIZE" ;; esac
  done
fi
extra=()
if [ -n "${JVM_EXTRA_OPTS:-}" ]; then read -r -a extra <<<"$JVM_EXTRA_OPTS"; fi

echo "cqlwire: listen $listen, rpc $rpc, broadcast rpc $broadcast_rpc, dc $dc, rack $rack"
cd "$home"
exec java "${args[@]}" "${extra[@]}" -cp "$home/conf:/opt/cassandra/lib/*" org.apache.cassandra.service.CassandraDaemon

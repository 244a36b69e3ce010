#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and the one-machine run: initdb + pg_ctl on a private
# unix-socket directory and a free loopback port. PostgreSQL refuses to run as root, and CI runs
# as root, so as root the server runs as an unprivileged user (ARBOR_PG_USER, default "nobody")
# through runuser; otherwise as the caller.
#
#   scripts/pg_cluster.sh start DIR [PORT]   initdb DIR if needed, start; prints the URI on stdout
#   scripts/pg_cluster.sh stop DIR           fast shutdown (keeps DIR)
#   scripts/pg_cluster.sh kill DIR           immediate shutdown (simulates a crash; keeps DIR)
#   scripts/pg_cluster.sh destroy DIR        stop and remove DIR
#   scripts/pg_cluster.sh uri DIR            prints the URI of a cluster started before
#
# The URI is a libpq keyword string: "host=DIR/sock port=P user=arbor dbname=arbor".
# DIR must be on a path every user can traverse (e.g. under /tmp). A restart with `start DIR`
# reuses the port recorded in DIR/port so clients can reconnect to the same address.
set -euo pipefail

die() { echo "pg_cluster: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: $0 start|stop|kill|destroy|uri DIR [PORT]"
cmd=$1
dir=$(realpath -m "$2")

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
  die "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "${ARBOR_PG_USER:-nobody}" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

uri() { echo "host=$dir/sock port=$(cat "$dir/port") user=arbor dbname=arbor"; }

case "$cmd" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir/data" "$dir/sock"
      chmod 0755 "$dir"
      if [ "$(id -u)" -eq 0 ]; then chown -R "${ARBOR_PG_USER:-nobody}" "$dir"; fi
      as_owner "$bindir/initdb" -D "$dir/data" -U arbor --auth=trust --no-sync -E UTF8 \
        --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
      port=${3:-$(free_port)}
      echo "$port" >"$dir/port"
      # Durability settings stay at their safe defaults (fsync, synchronous_commit on): the
      # executor's promise is that an acknowledged intent survives a crash.
      cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
max_connections = 100
shared_buffers = 32MB
log_min_messages = warning
EOF
      created=1
    fi
    if [ -n "${3:-}" ] && [ "$3" != "$(cat "$dir/port")" ]; then
      die "cluster in $dir already uses port $(cat "$dir/port")"
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        { tail -20 "$dir/server.log" >&2; die "pg_ctl start failed"; }
    fi
    if [ "${created:-0}" = 1 ]; then
      as_owner "$bindir/createdb" -h "$dir/sock" -p "$(cat "$dir/port")" -U arbor arbor
    fi
    uri
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  kill)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  destroy)
    if [ -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  uri)
    [ -f "$dir/port" ] || die "no cluster in $dir"
    uri
    ;;
  *) die "unknown command $cmd" ;;
esac

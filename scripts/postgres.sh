#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on 127.0.0.1 only.
#   bash scripts/postgres.sh start DIR   # initdb in DIR, start on a free port, print the URL
# The server offers TLS with a certificate for 127.0.0.1 from a throw-away CA (DIR/ca.crt, named
# in the URL as sslrootcert=, which coffer and libpq both read), so the tests connect as a
# production deployment would; plain connections are accepted too (sslmode=disable).
#   bash scripts/postgres.sh stop DIR    # stop it and delete DIR
# Installs Debian's postgresql when no server binaries are found. initdb refuses to run as
# root, so as root the cluster runs as the `postgres` user (created by the package); DIR is
# made 0755 and its parent must let that user through (a fresh `mktemp -d` works).
set -euo pipefail
cmd="${1:?usage: postgres.sh start|stop DIR}"
dir="${2:?usage: postgres.sh start|stop DIR}"

pg_bin() {
  local d
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null && dirname "$(readlink -f "$(command -v initdb)")"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  bin="$(pg_bin || true)"
  if [ -z "$bin" ]; then
    echo "== installing postgresql (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    bin="$(pg_bin)"
  fi
  command -v openssl >/dev/null || { apt-get update -qq >&2 && apt-get install -y -qq openssl >&2; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  pw="coffer-test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$pw" > "$dir/pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pwfile"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U coffer --pwfile="$dir/pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=coffer test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > "$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1
  chmod 600 "$dir/server.key" "$dir/ca.key"
  chmod 644 "$dir/ca.crt" "$dir/server.crt"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir/server.key" "$dir/server.crt"; fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=400 -c fsync=on \
    -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "$bin" > "$dir/bin"
  echo "postgres://coffer:$pw@127.0.0.1:$port/postgres?sslrootcert=$dir/ca.crt"
  ;;
stop)
  if [ -f "$dir/bin" ] && [ -d "$dir/data" ]; then
    as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start|stop DIR" >&2
  exit 2
  ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and drills, on a loopback port, owned by the `postgres` account
# (initdb refuses root). Installs Debian's postgresql-15 when missing.
#
#   scripts/postgres.sh start          # starts (initialising once) and prints the owner's URL
#   scripts/postgres.sh stop
#   scripts/postgres.sh restart        # for the restart drill
#   scripts/postgres.sh url [ROLE]     # ROLE: owner (default), app or auditor
#
# Environment: GREENLANE_PG_DIR (cluster folder, default /tmp/greenlane-pg), GREENLANE_PG_PORT (55432).
#
# Roles (docs/POSTGRES.md has the grants): greenlane_owner owns the database and runs migrations,
# greenlane_app is what greenlane connects as, greenlane_auditor may only read. Each logs in with a password
# (scram-sha-256) over 127.0.0.1 only; the passwords are random, made once, in DIR/secrets/ROLE.password
# (folder 0700, files 0600), and never appear on a command line: the SCRAM verifier is computed here and sent
# on psql's standard input, so the server never sees the password itself. The superuser `postgres` has no
# password and reaches the cluster only through its Unix socket in DIR/socket, as the `postgres` account (peer).
set -euo pipefail
dir=${GREENLANE_PG_DIR:-/tmp/greenlane-pg}
port=${GREENLANE_PG_PORT:-55432}
bin=/usr/lib/postgresql/15/bin
database=greenlane
# Written into a cluster this script made with password authentication; an older cluster without it (made
# with `trust`) is thrown away and made again.
marker="$dir/data/greenlane-cluster-v2"

run_as_postgres() {
    if [ "$(id -un)" = postgres ]; then
        "$@"
    elif [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    else
        sudo -u postgres "$@"
    fi
}

install() {
    [ -x "$bin/initdb" ] && return
    echo "installing postgresql-15" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
    # Debian's package starts its own cluster on 5432; this one needs none of it.
    $sudo pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
}

psql_superuser() {  # SQL on standard input, as `postgres` through the socket
    run_as_postgres "$bin/psql" -h "$dir/socket" -p "$port" -U postgres -d "${1:-postgres}" -v ON_ERROR_STOP=1 -q -X
}

running() { run_as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

secrets() {  # one random password per role, made once
    (umask 077 && mkdir -p "$dir/secrets")
    chmod 0700 "$dir/secrets"
    local role
    for role in owner app auditor; do
        if [ ! -s "$dir/secrets/$role.password" ]; then
            (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/secrets/$role.password")
        fi
        chmod 0600 "$dir/secrets/$role.password"
    done
}

# ALTER ROLE … PASSWORD with a SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's format), computed from the
# password files; printed to standard output, which is psql's standard input.
role_sql() {
    python3 - "$dir/secrets" "$database" <<'PY'
import base64, hashlib, hmac, os, sys
secrets, database = sys.argv[1], sys.argv[2]
def verifier(password):
    salt, iterations = os.urandom(16), 4096
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda b: base64.b64encode(b).decode()
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
for role in ("owner", "app", "auditor"):
    name = "greenlane_" + role
    password = open(f"{secrets}/{role}.password").read().strip()
    print(f"SELECT 'CREATE ROLE {name} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}')\\gexec")
    print(f"ALTER ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{verifier(password)}';")
print(f"SELECT 'CREATE DATABASE {database} OWNER greenlane_owner' "
      f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')\\gexec")
# Only the three roles may connect; only the owner may create anything.
print(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;")
print(f"GRANT CONNECT ON DATABASE {database} TO greenlane_app, greenlane_auditor;")
PY
}

start() {
    install
    if [ -d "$dir/data" ] && [ ! -f "$marker" ]; then
        echo "replacing the throwaway cluster in $dir (made without password authentication)" >&2
        running && run_as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$dir/data"
    fi
    mkdir -p "$dir/socket"
    chown postgres:postgres "$dir" "$dir/socket"
    chmod 0755 "$dir"
    chmod 0700 "$dir/socket"
    secrets
    if [ ! -s "$dir/data/PG_VERSION" ]; then
        run_as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
            --no-sync -E UTF8 --locale C.UTF-8 >/dev/null
        # Loopback only, passwords only; the superuser only through the socket.
        run_as_postgres sh -c "cat >'$dir/data/pg_hba.conf'" <<'HBA'
local   all  postgres               peer
host    all  postgres  0.0.0.0/0    reject
host    all  postgres  ::/0         reject
host    all  all       127.0.0.1/32 scram-sha-256
host    all  all       ::1/128      scram-sha-256
HBA
        run_as_postgres touch "$marker"
    fi
    if ! running; then
        run_as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c password_encryption=scram-sha-256 -c max_connections=200" \
            start >/dev/null || { echo "PostgreSQL did not start; its log:" >&2; tail -20 "$dir/log" >&2; exit 1; }
    fi
    role_sql | psql_superuser
    url owner
}

stop() {
    [ -d "$dir/data" ] || return 0
    running || return 0
    run_as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

url() {  # url [owner|app|auditor]: the password stays in its file, named by passwordFile=
    local role=${1:-owner}
    case $role in owner | app | auditor) ;; *) echo "unknown role '$role': owner, app or auditor" >&2; exit 64 ;; esac
    echo "postgres://greenlane_$role@127.0.0.1:$port/$database?sslmode=disable&passwordFile=$dir/secrets/$role.password"
}

case ${1:-start} in
    start) start ;;
    stop) stop ;;
    restart) stop; start >/dev/null ;;
    url) url "${2:-owner}" ;;
    *) echo "usage: $0 start|stop|restart|url [owner|app|auditor]" >&2; exit 64 ;;
esac

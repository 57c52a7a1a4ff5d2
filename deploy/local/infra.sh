#!/usr/bin/env bash
# Local infrastructure for the integration tests: Kafka (KRaft), MinIO, PostgreSQL 15
# and an SMTP sink, all on 127.0.0.1 (ports: docs/conventions.md).
#
#   bash deploy/local/infra.sh up       install (cached) and start everything; idempotent
#   bash deploy/local/infra.sh down     stop everything, remove pid files (data is kept)
#   bash deploy/local/infra.sh status   one line per component; exit 1 if any is down
#   bash deploy/local/infra.sh env      `export VAR=...` lines for tests:  eval "$(... env)"
#
# Downloads and builds are cached under $JES_CACHE (default <repo>/.cache): Kafka jars
# from Maven Central (mvn), MinIO built with `go install`. Runtime data, logs
# (<name>.log) and pid files (<name>.pid) live in <repo>/var/infra. `rm -rf var/infra`
# after `down` gives a fresh stack.
set -euo pipefail
umask 022

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/deploy/local"
JES_CACHE="${JES_CACHE:-$ROOT/.cache}"
case "$JES_CACHE" in /*) ;; *) JES_CACHE="$PWD/$JES_CACHE" ;; esac
VAR="$ROOT/var/infra"
PY="$ROOT/.venv/bin/python"

# ---- pinned versions --------------------------------------------------------------
KAFKA_VERSION=3.9.2   # org.apache.kafka:kafka_2.13; kafka-python 3.0.12 knows brokers up to 4.x
# github.com/minio/minio has no semver tags (its RELEASE.* tags are not module versions),
# so it is pinned by pseudo-version: the final commit of the archived repository, the
# only minio version the Go module proxy serves here (Go 1.24 module).
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
PG_BIN=/usr/lib/postgresql/15/bin

# ---- ports and credentials (docs/conventions.md) ----------------------------------
HOST=127.0.0.1
KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
MINIO_PORT=19000
MINIO_CONSOLE_PORT=19001
MINIO_USER=jesminio
MINIO_PASSWORD=jesminio-secret
PG_PORT=15432
PG_OS_USER=jespg                 # postgres refuses to run as root (when not root: yourself)
[ "$(id -u)" -eq 0 ] || PG_OS_USER="$(id -un)"
PG_ROLE=jes
PG_PASSWORD=jes
PG_DATABASES=(identity photo_storage report_render review_workflow case_sync notification)
SMTP_PORT=11025
SMTP_API_PORT=11080

KAFKA_HOME="$JES_CACHE/kafka-$KAFKA_VERSION"
MINIO_BIN="$JES_CACHE/minio-$MINIO_VERSION/bin/minio"
PG_DATA="$VAR/postgres/data"
PG_SOCKET_DIR="$VAR/postgres/run"

# ---- helpers ------------------------------------------------------------------------

log() { printf '[infra] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pidfile() { echo "$VAR/$1.pid"; }
logfile() { echo "$VAR/$1.log"; }

# pid of a running component, or nothing. $2 is a string its command line must contain,
# so a recycled pid is not mistaken for ours.
running_pid() {
  local pf pid
  pf="$(pidfile "$1")"
  [ -s "$pf" ] || return 1
  pid="$(head -n1 "$pf")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# refuse to start when someone else already listens on one of our ports
ports_free() {
  local name="$1" port
  shift
  for port in "$@"; do
    port_open "$port" && die "$name: port $HOST:$port is already in use by another process ($(ss -Hltnp "sport = :$port" 2>/dev/null | awk '{print $NF}' | head -n1))"
  done
  return 0
}

show_log_tail() {
  local f
  f="$(logfile "$1")"
  log "last lines of $f:"
  tail -n 40 "$f" >&2 2>/dev/null || true
}

# start_bg NAME CMD...: run CMD detached (own session, survives this shell), output
# appended to var/infra/NAME.log, pid in var/infra/NAME.pid
start_bg() {
  local name="$1" lf pf
  shift
  lf="$(logfile "$name")"
  pf="$(pidfile "$name")"
  printf '\n===== %s: starting %s =====\n' "$(date -Is)" "$name" >>"$lf"
  # shellcheck disable=SC2016
  # (fd 9 is infra.sh's lock: the server must not inherit it)
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" </dev/null >>"$lf" 2>&1 9>&- &
  local i
  for i in $(seq 50); do [ -s "$pf" ] && return 0; sleep 0.1; done
  die "$name: did not start"
}

# wait_until NAME PID_MARKER TIMEOUT CHECK...: poll CHECK until it succeeds; fail early
# (with the log tail) if the process dies, or after TIMEOUT seconds
wait_until() {
  local name="$1" marker="$2" timeout="$3" start=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    if ! running_pid "$name" "$marker" >/dev/null; then
      show_log_tail "$name"
      rm -f "$(pidfile "$name")"
      die "$name exited during start-up"
    fi
    if (( SECONDS - start >= timeout )); then
      show_log_tail "$name"
      die "$name not ready after ${timeout}s"
    fi
    sleep 0.5
  done
}

# stop_bg NAME PID_MARKER [TIMEOUT]: SIGTERM, wait, then SIGKILL; remove the pid file
stop_bg() {
  local name="$1" marker="$2" timeout="${3:-30}" pid i
  if pid="$(running_pid "$name" "$marker")"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq $((timeout * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop within ${timeout}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$(pidfile "$name")"
}

# ---- Kafka (KRaft, combined broker + controller) ----------------------------------

KAFKA_MARKER=kafka.Kafka

kafka_install() {
  local stamp want tmp
  stamp="$KAFKA_HOME/.complete"
  # the stamp records the pom's checksum: editing the pom re-resolves the jars
  want="$(sha256sum "$HERE/kafka/pom.xml" | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  log "kafka: resolving kafka_2.13:$KAFKA_VERSION and its dependencies from Maven Central"
  tmp="$KAFKA_HOME.tmp"
  rm -rf "$tmp"
  mvn -q -B -Dstyle.color=never -f "$HERE/kafka/pom.xml" \
    -Dmaven.repo.local="$JES_CACHE/m2" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/libs"
  [ -f "$tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka: kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  echo "$want" >"$tmp/.complete"
  rm -rf "$KAFKA_HOME"
  mv "$tmp" "$KAFKA_HOME"
}

KAFKA_JAVA=(java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
  "-Dlog4j.configuration=file:$HERE/kafka/log4j.properties"
  -cp "$KAFKA_HOME/libs/*")

kafka_java() { "${KAFKA_JAVA[@]}" "$@"; }

kafka_config() {
  local dir="$VAR/kafka"
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
# written by deploy/local/infra.sh on every start; edit the script, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
EOF
  # format the KRaft storage once (cluster id kept in data/meta.properties)
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster_id
    # (what `StorageTool random-uuid` prints: a random UUID, url-safe base64, no padding)
    cluster_id="$("$PY" -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
    log "kafka: formatting storage (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format --ignore-formatted \
      -t "$cluster_id" -c "$dir/server.properties" >>"$(logfile kafka)" 2>&1 \
      || { show_log_tail kafka; die "kafka: storage format failed"; }
  fi
}

kafka_ready() {
  "$PY" - "$HOST:$KAFKA_PORT" <<'EOF'
import sys
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
try:
    admin.list_topics()
finally:
    admin.close()
EOF
}

kafka_start() {
  if running_pid kafka "$KAFKA_MARKER" >/dev/null; then return 0; fi
  ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  kafka_config
  log "kafka: starting $KAFKA_VERSION on $HOST:$KAFKA_PORT"
  start_bg kafka "${KAFKA_JAVA[@]}" "$KAFKA_MARKER" "$VAR/kafka/server.properties"
}

kafka_wait() { wait_until kafka "$KAFKA_MARKER" 120 kafka_ready; }
kafka_stop() { stop_bg kafka "$KAFKA_MARKER" 60; }

# ---- MinIO ----------------------------------------------------------------------------

MINIO_MARKER="minio server"

minio_install() {
  [ -x "$MINIO_BIN" ] && return 0
  command -v go >/dev/null || die "go not found"
  local tmp
  tmp="$(dirname "$MINIO_BIN").tmp"
  rm -rf "$tmp"
  log "minio: building github.com/minio/minio@$MINIO_VERSION with $(go env GOVERSION) (several minutes the first time)"
  local -a goenv=(GOBIN="$tmp" GOMODCACHE="$JES_CACHE/go/mod" GOCACHE="$JES_CACHE/go/build"
    GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0)
  env "${goenv[@]}" go install "github.com/minio/minio@$MINIO_VERSION"
  mkdir -p "$(dirname "$MINIO_BIN")"
  mv "$tmp/minio" "$MINIO_BIN"
  rmdir "$tmp"
  # the binary is what we cache: drop the ~2 GB of intermediate build objects (the
  # downloaded modules stay in $JES_CACHE/go/mod)
  env "${goenv[@]}" go clean -cache
}

minio_ready() { curl -fsS -o /dev/null "http://$HOST:$MINIO_PORT/minio/health/live"; }

minio_start() {
  if running_pid minio "$MINIO_MARKER" >/dev/null; then return 0; fi
  ports_free minio "$MINIO_PORT" "$MINIO_CONSOLE_PORT"
  mkdir -p "$VAR/minio/data"
  log "minio: starting on $HOST:$MINIO_PORT (console $HOST:$MINIO_CONSOLE_PORT)"
  MINIO_ROOT_USER="$MINIO_USER" MINIO_ROOT_PASSWORD="$MINIO_PASSWORD" \
    MINIO_UPDATE=off MINIO_BROWSER=on \
    start_bg minio "$MINIO_BIN" server --anonymous \
    --address "$HOST:$MINIO_PORT" --console-address "$HOST:$MINIO_CONSOLE_PORT" \
    "$VAR/minio/data"
}

minio_wait() { wait_until minio "$MINIO_MARKER" 60 minio_ready; }
minio_stop() { stop_bg minio "$MINIO_MARKER" 30; }

# ---- PostgreSQL 15 ------------------------------------------------------------------

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}
pg_psql() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -d postgres "$@"; }
pg_ready() { as_pg "$PG_BIN/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -d postgres; }
pg_running() { [ -f "$PG_DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; }

pg_install() {
  bash "$ROOT/scripts/apt-install.sh" postgresql
  [ -x "$PG_BIN/postgres" ] || die "postgres: $PG_BIN/postgres missing (Debian package postgresql-15)"
  if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    log "postgres: creating system user $PG_OS_USER"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
}

pg_init() {
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  touch "$(logfile postgres)"
  chown "$PG_OS_USER:" "$VAR/postgres" "$PG_SOCKET_DIR" "$(logfile postgres)"
  chown "$PG_OS_USER:" "$PG_DATA"
  chmod 700 "$PG_DATA"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "postgres: initdb in $PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_OS_USER" --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >>"$(logfile postgres)" 2>&1 \
      || { show_log_tail postgres; die "postgres: initdb failed"; }
    echo "include = 'jes-local.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  # rewritten on every start; a throwaway test cluster, so durability is traded for speed
  cat >"$PG_DATA/jes-local.conf" <<EOF
# written by deploy/local/infra.sh
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  chown "$PG_OS_USER:" "$PG_DATA/jes-local.conf"
}

pg_start() {
  if pg_running; then return 0; fi
  ports_free postgres "$PG_PORT"
  pg_init
  log "postgres: starting $("$PG_BIN/postgres" --version | awk '{print $3}') on $HOST:$PG_PORT"
  printf '\n===== %s: starting postgres =====\n' "$(date -Is)" >>"$(logfile postgres)"
  as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$(logfile postgres)" -w -t 60 >/dev/null 9>&- \
    || { show_log_tail postgres; die "postgres: start failed"; }
}

pg_wait() {
  local i
  for i in $(seq 60); do pg_ready && break; sleep 0.5; done
  pg_ready || { show_log_tail postgres; die "postgres not ready"; }
  head -n1 "$PG_DATA/postmaster.pid" >"$(pidfile postgres)"
  pg_provision
}

# role jes/jes and one database per service, owned by jes (idempotent)
pg_provision() {
  pg_psql <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE $PG_ROLE LOGIN;
  END IF;
END \$\$;
ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
EOF
  local db existing
  existing="$(pg_psql -At -c "SELECT datname FROM pg_database")"
  for db in "${PG_DATABASES[@]}"; do
    grep -qx "$db" <<<"$existing" && continue
    log "postgres: creating database $db"
    pg_psql -c "CREATE DATABASE $db OWNER $PG_ROLE"
  done
}

pg_stop() {
  if pg_running; then
    log "postgres: stopping"
    as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null
  fi
  rm -f "$(pidfile postgres)"
}

# ---- SMTP sink ------------------------------------------------------------------------

SMTP_MARKER=smtp_sink.py

smtp_ready() { curl -fsS -o /dev/null "http://$HOST:$SMTP_API_PORT/health" && port_open "$SMTP_PORT"; }

smtp_start() {
  if running_pid smtp "$SMTP_MARKER" >/dev/null; then return 0; fi
  [ -x "$PY" ] || die "smtp: $PY missing (make sync)"
  ports_free smtp "$SMTP_PORT" "$SMTP_API_PORT"
  mkdir -p "$VAR/smtp"
  log "smtp: starting sink on $HOST:$SMTP_PORT (API http://$HOST:$SMTP_API_PORT)"
  PYTHONUNBUFFERED=1 start_bg smtp "$PY" "$HERE/$SMTP_MARKER" --host "$HOST" \
    --smtp-port "$SMTP_PORT" --http-port "$SMTP_API_PORT" --store "$VAR/smtp/messages.jsonl"
}

smtp_wait() { wait_until smtp "$SMTP_MARKER" 30 smtp_ready; }
smtp_stop() { stop_bg smtp "$SMTP_MARKER" 10; }

# ---- subcommands ------------------------------------------------------------------------

with_lock() {
  mkdir -p "$VAR"
  exec 9>"$VAR/.lock"
  flock -w 900 9 || die "another infra.sh is still running (lock $VAR/.lock)"
}

cmd_up() {
  local t0=$SECONDS
  with_lock
  mkdir -p "$JES_CACHE"
  pg_install
  kafka_install
  minio_install
  # start everything, then wait for each: the start-ups overlap
  pg_start
  smtp_start
  minio_start
  kafka_start
  pg_wait
  smtp_wait
  minio_wait
  kafka_wait
  log "all up in $((SECONDS - t0))s; for tests: eval \"\$(bash deploy/local/infra.sh env)\""
}

cmd_down() {
  with_lock
  smtp_stop
  minio_stop
  kafka_stop
  pg_stop
  rm -f "$VAR"/*.pid
  log "all stopped (data kept in $VAR)"
}

cmd_status() {
  local bad=0 pid
  status_line() { printf '%-9s %-8s %-7s %s\n' "$@"; }
  if pid="$(running_pid kafka "$KAFKA_MARKER")" && kafka_ready >/dev/null 2>&1; then
    status_line kafka up "$pid" "kafka://$HOST:$KAFKA_PORT (Kafka $KAFKA_VERSION, KRaft)"
  else status_line kafka down - ""; bad=1; fi
  if pid="$(running_pid minio "$MINIO_MARKER")" && minio_ready >/dev/null 2>&1; then
    status_line minio up "$pid" "http://$HOST:$MINIO_PORT (console http://$HOST:$MINIO_CONSOLE_PORT)"
  else status_line minio down - ""; bad=1; fi
  if pg_running && pg_ready; then
    status_line postgres up "$(head -n1 "$PG_DATA/postmaster.pid")" "postgresql://$HOST:$PG_PORT (${PG_DATABASES[*]})"
  else status_line postgres down - ""; bad=1; fi
  if pid="$(running_pid smtp "$SMTP_MARKER")" && smtp_ready >/dev/null 2>&1; then
    status_line smtp up "$pid" "smtp://$HOST:$SMTP_PORT (API http://$HOST:$SMTP_API_PORT/messages)"
  else status_line smtp down - ""; bad=1; fi
  return "$bad"
}

cmd_env() {
  cat <<EOF
export JES_EVENT_BUS_URL=kafka://$HOST:$KAFKA_PORT
export JES_OBJECT_STORE_URL=http://$HOST:$MINIO_PORT
export JES_OBJECT_STORE_ACCESS_KEY=$MINIO_USER
export JES_OBJECT_STORE_SECRET_KEY=$MINIO_PASSWORD
export JES_PG_URL_BASE=postgresql+psycopg://$PG_ROLE:$PG_PASSWORD@$HOST:$PG_PORT
export JES_MAIL_URL=smtp://$HOST:$SMTP_PORT
export JES_SMTP_SINK_API=http://$HOST:$SMTP_API_PORT
EOF
}

main() {
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"

#!/usr/bin/env bash
# Local infrastructure for the integration tests: Kafka (KRaft), MinIO, PostgreSQL 15,
# an SMTP sink, and for single sign-on a slapd directory of test judges and Keycloak
# (deploy/local/directory.sh, keycloak.sh), all on 127.0.0.1. Every checkout has a stack of its own, on a port
# block of its own (see "Ports" below).
#
#   bash deploy/local/infra.sh up         install (cached) and start this checkout's stack; idempotent
#   bash deploy/local/infra.sh up-only C..  start only these: kafka, directory, keycloak (the SSO
#                                         parts alone; kafka again after `down kafka`)
#   bash deploy/local/infra.sh down [C..] stop it, or only these components (data is kept);
#                                         `down kafka` then `up-only kafka` restarts the broker
#                                         (tests/integration/test_progress_crash.py)
#   bash deploy/local/infra.sh kill C..   SIGKILL these (kafka, minio, smtp), as a crash would:
#                                         no clean shutdown; `up-only kafka` starts it again
#   bash deploy/local/infra.sh status     one line per component; exit 1 if any is down
#   bash deploy/local/infra.sh env        `export VAR=...` lines for tests:  eval "$(... env)"
#   bash deploy/local/infra.sh run CMD..  start what is not running, run CMD with the settings
#                                         exported, then stop what this run started
#   bash deploy/local/infra.sh list       every stack on this machine: checkout, user, ports, up?
#   bash deploy/local/infra.sh summary    what of this checkout's stack runs (nothing if nothing)
#   bash deploy/local/infra.sh release    `down`, then give the ports back (next `up` picks free ones)
#   bash deploy/local/infra.sh clean      `release`, then delete the data (e.g. before removing a checkout)
#   bash deploy/local/infra.sh install    only the downloads/builds (and, as root, the system user)
#
# Ports: slot 0 is Kafka 19092 (controller 19093), MinIO 19000 (console 19001), PostgreSQL
# 15432, SMTP 11025 (HTTP API 11080); slot N adds 10*N to each. A checkout's first `up`
# (or `env`) takes the lowest slot whose ports are free and that no other checkout holds,
# and keeps it: recorded in var/infra/stack.env and claimed machine-wide as the symlink
# $JES_INFRA_REGISTRY/slot-N -> checkout (default /tmp/jes-infra), which is how a port
# in the way is traced to the checkout that owns it.
#
# Who runs what: everything runs as the invoking user, except PostgreSQL under root
# (postgres refuses to run as root): it then runs as the system user jespg, with its
# cluster in /var/lib/jes-infra/<checkout>-<hash>/ rather than in the checkout, so a
# checkout in a private folder (root's home, mktemp -d) works without opening that
# folder to anyone. As any other user PostgreSQL's cluster is var/infra/postgres.
#
# Downloads and builds are cached under $JES_CACHE (default <repo>/.cache): Kafka jars
# from Maven Central (mvn), MinIO built with `go install`. Runtime data, logs
# (<name>.log) and pid files (<name>.pid) live in <repo>/var/infra.
set -euo pipefail
umask 022

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
HERE="$ROOT/deploy/local"
JES_CACHE="${JES_CACHE:-$ROOT/.cache}"
case "$JES_CACHE" in /*) ;; *) JES_CACHE="$PWD/$JES_CACHE" ;; esac
VAR="$ROOT/var/infra"
PY="$ROOT/.venv/bin/python"
STATE="$VAR/stack.env"
REGISTRY="${JES_INFRA_REGISTRY:-/tmp/jes-infra}"
# a short, stable name of this checkout: <folder name>-<hash of its path>
CHECKOUT_ID="$(basename "$ROOT" | tr -c 'A-Za-z0-9._\n-' '_' | cut -c1-24)-$(printf %s "$ROOT" | sha256sum | cut -c1-10)"

# ---- pinned versions --------------------------------------------------------------
KAFKA_VERSION=3.9.2   # org.apache.kafka:kafka_2.13; kafka-python 3.0.12 knows brokers up to 4.x
# github.com/minio/minio has no semver tags (its RELEASE.* tags are not module versions),
# so it is pinned by pseudo-version: the final commit of the archived repository, the
# only minio version the Go module proxy serves here (Go 1.24 module).
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
PG_BIN=/usr/lib/postgresql/15/bin

# ---- ports (slot 0: docs/conventions.md) and credentials ------------------------------
HOST=127.0.0.1
SLOTS=20          # slot N: every port + 10*N (the port kinds end in different digits)
PORT_NAMES=(KAFKA_PORT KAFKA_CONTROLLER_PORT MINIO_PORT MINIO_CONSOLE_PORT PG_PORT SMTP_PORT SMTP_API_PORT)
PORT_BASES=(19092 19093 19000 19001 15432 11025 11080)
SLOT=""
# set_ports N: the port variables of slot N
set_ports() {
  local i
  SLOT="$1"
  for i in "${!PORT_NAMES[@]}"; do
    printf -v "${PORT_NAMES[$i]}" '%s' "$((PORT_BASES[i] + 10 * SLOT))"
  done
}
set_ports 0
MINIO_USER=jesminio
MINIO_PASSWORD=jesminio-secret
PG_ROLE=jes
PG_PASSWORD=jes
PG_DATABASES=(identity photo_storage report_render review_workflow case_sync notification gateway)

KAFKA_HOME="$JES_CACHE/kafka-$KAFKA_VERSION"
MINIO_BIN="$JES_CACHE/minio-$MINIO_VERSION/bin/minio"

# PostgreSQL: who runs it and where its cluster is (see the header)
PG_SYSTEM_ROOT=/var/lib/jes-infra
if [ "$(id -u)" -eq 0 ]; then
  PG_OS_USER=jespg
  PG_HOME="$PG_SYSTEM_ROOT/$CHECKOUT_ID"
  PG_LOG="$PG_HOME/postgres.log"     # var/infra/postgres.log links to it
else
  PG_OS_USER="$(id -un)"
  PG_HOME="$VAR/postgres"
  PG_LOG="$VAR/postgres.log"
fi
PG_DATA="$PG_HOME/data"
PG_SOCKET_DIR="$PG_HOME/run"
# a Unix socket path has at most 107 bytes: a deep checkout gets a short private folder
if [ $(( ${#PG_SOCKET_DIR} + 20 )) -gt 100 ]; then PG_SOCKET_DIR="/tmp/jes-pg-$(id -u)-$CHECKOUT_ID"; fi
# the layout before per-checkout stacks: root's cluster in the checkout (stopped on sight)
PG_LEGACY_DATA="$VAR/postgres/data"

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

# ---- slots: this checkout's port block, claimed machine-wide ------------------------

# the checkout that claims slot $1, or nothing
slot_owner() { readlink "$REGISTRY/slot-$1" 2>/dev/null; }

# a claim is stale when its checkout is gone or no longer records that slot; a checkout
# we cannot look into (another user's private folder) counts as alive
claim_stale() {
  local slot="$1" target="$2" err
  if [ -f "$target/var/infra/stack.env" ]; then
    ! grep -qx "SLOT=$slot" "$target/var/infra/stack.env"
    return
  fi
  err="$(LC_ALL=C stat -- "$target/var/infra/stack.env" 2>&1 >/dev/null)" || true
  case "$err" in *"No such file"* | *"Not a directory"*) return 0 ;; esac
  return 1
}

# claim_slot N: make slot N this checkout's (atomic: the symlink exists or it does not)
claim_slot() {
  local link="$REGISTRY/slot-$1" target
  if [ ! -d "$REGISTRY" ]; then
    mkdir -p "$REGISTRY" 2>/dev/null || true
    # shared by every user, like /tmp: anyone may add a claim, only its owner removes it
    [ -O "$REGISTRY" ] && chmod 1777 "$REGISTRY"
  fi
  if target="$(slot_owner "$1")"; then
    [ "$target" = "$ROOT" ] && return 0
    claim_stale "$1" "$target" || return 1
    log "slot $1: dropping the stale claim of $target"
    rm -f "$link" 2>/dev/null || return 1
  fi
  ln -s "$ROOT" "$link" 2>/dev/null || [ "$(slot_owner "$1")" = "$ROOT" ]
}

# drop this checkout's claim and its record (the ports are free for others)
unclaim_slot() {
  [ -n "$SLOT" ] && [ "$(slot_owner "$SLOT")" = "$ROOT" ] && rm -f "$REGISTRY/slot-$SLOT"
  rm -f "$STATE"
}

write_state() {
  local i
  {
    echo "# this checkout's local stack (deploy/local/infra.sh); \`infra.sh release\` gives the ports back"
    echo "SLOT=$SLOT"
    echo "CHECKOUT=$ROOT"
    for i in "${!PORT_NAMES[@]}"; do echo "${PORT_NAMES[$i]}=${!PORT_NAMES[$i]}"; done
  } >"$STATE.tmp"
  mv "$STATE.tmp" "$STATE"
}

# load_slot: the recorded slot of this checkout, if any (0 otherwise, the slot of stacks
# started before slots existed); returns 1 when nothing is recorded
load_slot() {
  local slot
  if [ -f "$STATE" ] && slot="$(sed -n 's/^SLOT=//p' "$STATE")" && [ -n "$slot" ]; then
    set_ports "$slot"
    return 0
  fi
  set_ports 0
  return 1
}

slot_ports_free() {
  local i
  for i in "${!PORT_NAMES[@]}"; do port_open "${!PORT_NAMES[$i]}" && return 1; done
  return 0
}

# ensure_slot: this checkout's slot, recorded and claimed; picks one on first use
ensure_slot() {
  local slot owner
  mkdir -p "$VAR"
  if load_slot; then
    claim_slot "$SLOT" && return 0
    owner="$(slot_owner "$SLOT")"
    any_running && die "slot $SLOT (ports ${PG_PORT}, ${KAFKA_PORT}, ...) of this running stack is now claimed by $owner; stop this stack with \`bash $ROOT/deploy/local/infra.sh down\` (or that one with \`bash $owner/deploy/local/infra.sh release\`)"
    log "slot $SLOT is now claimed by $owner: this checkout moves to another port block"
    rm -f "$STATE"
    kafka_forget
  elif any_running; then
    # started by an infra.sh from before slots, on the slot-0 ports: keep them
    claim_slot 0 || die "this checkout's stack runs on the slot-0 ports, which $(slot_owner 0) claims; stop it with \`bash $ROOT/deploy/local/infra.sh down\`"
    write_state
    return 0
  fi
  for slot in $(seq 0 $((SLOTS - 1))); do
    set_ports "$slot"
    slot_ports_free || continue
    claim_slot "$slot" || continue
    write_state
    log "this checkout's stack gets port block $slot (PostgreSQL $PG_PORT, Kafka $KAFKA_PORT, MinIO $MINIO_PORT, SMTP $SMTP_PORT); recorded in $STATE"
    return 0
  done
  die "no free port block among the $SLOTS slots; \`bash deploy/local/infra.sh list\` shows who holds them"
}

# who_holds PORT: a sentence naming what listens on PORT and how to free it
who_holds() {
  local port="$1" i slot owner user pid cmd checkout
  # a JES stack's slot (every checkout's ports come from the same table)
  for i in "${!PORT_BASES[@]}"; do
    (( port >= PORT_BASES[i] && (port - PORT_BASES[i]) % 10 == 0 && (port - PORT_BASES[i]) / 10 < SLOTS )) || continue
    slot=$(( (port - PORT_BASES[i]) / 10 ))
    owner="$(slot_owner "$slot")" || break
    [ "$owner" = "$ROOT" ] && break
    user="$(stat -c %U "$REGISTRY/slot-$slot" 2>/dev/null || echo '?')"
    echo "the JES stack of checkout $owner (user $user, port block $slot); free it with: bash $owner/deploy/local/infra.sh down$([ "$user" = "$(id -un)" ] || echo " (as $user)")"
    return 0
  done
  # a process we may look at (our own, or anyone's as root)
  pid="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)" || true
  if [ -n "$pid" ]; then
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
    checkout="$(grep -o '/[^ ]*/var/infra/' <<<"$cmd" | head -n1)" || true
    if [ -n "$checkout" ]; then
      checkout="${checkout%/var/infra/}"
    elif [[ "$cmd" == *"$PG_SYSTEM_ROOT/"* ]]; then
      checkout="$(cat "$PG_SYSTEM_ROOT/$(sed "s|.*$PG_SYSTEM_ROOT/\([^/ ]*\).*|\1|" <<<"$cmd")/checkout" 2>/dev/null)" || true
    fi
    if [ "$checkout" = "$ROOT" ]; then
      echo "pid $pid of this checkout's stack, which infra.sh no longer tracks (its pid file is gone): kill $pid"
      return 0
    elif [ -n "$checkout" ]; then
      echo "pid $pid of the JES stack of checkout $checkout ($cmd); free it with: bash $checkout/deploy/local/infra.sh down"
      return 0
    fi
    echo "pid $pid ($cmd), which is not a JES stack; stop it, or give this checkout other ports: bash deploy/local/infra.sh release && bash deploy/local/infra.sh up"
    return 0
  fi
  echo "a process of another user, not a known JES stack; stop it, or give this checkout other ports: bash deploy/local/infra.sh release && bash deploy/local/infra.sh up"
}

# refuse to start when someone else already listens on one of our ports
ports_free() {
  local name="$1" port
  shift
  for port in "$@"; do
    port_open "$port" && die "$name: port $HOST:$port is in use by $(who_holds "$port")"
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
    # What `StorageTool random-uuid` prints: a random UUID, url-safe base64, no padding,
    # and, as Kafka's own, never starting with "-" (one in 64 did: the format's argument
    # parser took the id for an option and the stack failed to start).
    cluster_id="$("$PY" -c '
import base64, uuid
while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
    pass
print(cluster_id)')"
    log "kafka: formatting storage (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format --ignore-formatted \
      --cluster-id="$cluster_id" -c "$dir/server.properties" >>"$(logfile kafka)" 2>&1 \
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

# the first consumer group makes the broker create __consumer_offsets (50 partitions),
# which takes a while on a busy machine: done here, so it is not counted against the
# start-up deadlines of the services under test
kafka_groups_ready() {
  "$PY" - "$HOST:$KAFKA_PORT" <<'EOF'
import sys
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=10000)
try:
    admin.describe_groups(["jes-infra-ready"])
finally:
    admin.close()
EOF
}

# Kafka's metadata log remembers the listeners: a stack that changes ports starts with
# empty Kafka storage (topics of a test stack are throwaway)
kafka_forget() { rm -rf "$VAR/kafka"; }

kafka_wait() {
  wait_until kafka "$KAFKA_MARKER" 120 kafka_ready
  wait_until kafka "$KAFKA_MARKER" 120 kafka_groups_ready
}
kafka_stop() { stop_bg kafka "$KAFKA_MARKER" 60; }

# ---- MinIO ----------------------------------------------------------------------------

MINIO_MARKER="minio server"

minio_install() {
  [ -x "$MINIO_BIN" ] && return 0
  command -v go >/dev/null || die "go not found"
  # Private to this build (another checkout may be building at the same time): its own
  # GOBIN, and its own build cache, removed afterwards (~2 GB of intermediate objects; the
  # downloaded modules stay in the shared $JES_CACHE/go/mod). Cleaning a shared build cache
  # broke a concurrent build.
  local tmp gocache
  tmp="$(dirname "$MINIO_BIN").tmp.$$"
  gocache="$JES_CACHE/go/build-minio.$$"
  rm -rf "$tmp" "$gocache"
  log "minio: building github.com/minio/minio@$MINIO_VERSION with $(go env GOVERSION) (several minutes the first time)"
  local -a goenv=(GOBIN="$tmp" GOMODCACHE="$JES_CACHE/go/mod" GOCACHE="$gocache"
    GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0)
  env "${goenv[@]}" go install "github.com/minio/minio@$MINIO_VERSION"
  mkdir -p "$(dirname "$MINIO_BIN")"
  mv -f "$tmp/minio" "$MINIO_BIN"  # a rename: a concurrent build's binary is the same
  rmdir "$tmp"
  chmod -R u+w "$gocache" 2>/dev/null || true
  rm -rf "$gocache"
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

# the folders the cluster needs, owned by the user it runs as; under root they are
# outside the checkout (PG_HOME), and var/infra/postgres.log points at the log
pg_dirs() {
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$PG_SYSTEM_ROOT"
    chmod 755 "$PG_SYSTEM_ROOT"
    mkdir -p "$PG_HOME"
    echo "$ROOT" >"$PG_HOME/checkout"      # whose cluster this is (infra.sh list, clean-up)
    ln -sfn "$PG_LOG" "$(logfile postgres)"
  fi
  mkdir -p "$PG_HOME" "$PG_DATA"
  if [ "$PG_SOCKET_DIR" != "$PG_HOME/run" ]; then
    mkdir -p -m 700 "$PG_SOCKET_DIR"
    [ -O "$PG_SOCKET_DIR" ] || [ "$(stat -c %U "$PG_SOCKET_DIR")" = "$PG_OS_USER" ] \
      || die "postgres: $PG_SOCKET_DIR belongs to someone else"
  fi
  mkdir -p "$PG_SOCKET_DIR"
  touch "$PG_LOG"
  chown "$PG_OS_USER:" "$PG_HOME" "$PG_DATA" "$PG_SOCKET_DIR" "$PG_LOG"
  chmod 700 "$PG_HOME" "$PG_DATA" "$PG_SOCKET_DIR"
}

# PostgreSQL speaks TLS only (hostssl): a CA made for this checkout signs the server's
# certificate (127.0.0.1 and localhost); clients verify it with $PG_TLS_DIR/ca.crt
# (sslmode=verify-full). Keys are 0600; the server's copy lives in the cluster folder,
# owned by the user postgres runs as (the checkout is never opened to it).
PG_TLS_DIR="$VAR/tls"
pg_tls() {
  local dir="$PG_TLS_DIR"
  if [ ! -s "$dir/server.crt" ] || ! openssl x509 -checkend 86400 -noout -in "$dir/server.crt" >/dev/null 2>&1; then
    log "postgres: making a local CA and a server certificate in $dir"
    mkdir -p "$dir"
    chmod 700 "$dir"
    (
      umask 077
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=JES local test CA ($CHECKOUT_ID)" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=$HOST" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
      printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$HOST" >"$dir/server.ext"
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 825 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
    ) || die "postgres: making the TLS certificates failed (openssl)"
    rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
    chmod 644 "$dir/ca.crt" "$dir/server.crt"
  fi
  install -m 600 -o "$PG_OS_USER" "$dir/server.key" "$PG_DATA/server.key"
  install -m 644 -o "$PG_OS_USER" "$dir/server.crt" "$PG_DATA/server.crt"
}

pg_init() {
  pg_dirs
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "postgres: initdb in $PG_DATA (as $PG_OS_USER)"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_OS_USER" --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 \
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
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
EOF
  # TCP only with TLS; the local socket (provisioning) by peer authentication
  cat >"$PG_DATA/pg_hba.conf" <<EOF
# written by deploy/local/infra.sh
local     all  all                 peer
hostssl   all  all  127.0.0.1/32   scram-sha-256
hostssl   all  all  ::1/128        scram-sha-256
hostnossl all  all  0.0.0.0/0      reject
hostnossl all  all  ::/0           reject
EOF
  chown "$PG_OS_USER:" "$PG_DATA/jes-local.conf" "$PG_DATA/pg_hba.conf"
  pg_tls
}

# root's cluster in the checkout, as an infra.sh before per-checkout stacks made it
pg_legacy_stop() {
  [ "$(id -u)" -eq 0 ] && [ "$PG_LEGACY_DATA" != "$PG_DATA" ] && [ -f "$PG_LEGACY_DATA/postmaster.pid" ] || return 0
  if runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" status -D "$PG_LEGACY_DATA" >/dev/null 2>&1; then
    log "postgres: stopping the cluster in $PG_LEGACY_DATA (the former layout; it is not used any more)"
    (cd / && runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" stop -D "$PG_LEGACY_DATA" -m fast -w -t 60 >/dev/null) || true
  fi
}

pg_start() {
  if pg_running; then return 0; fi
  pg_legacy_stop
  ports_free postgres "$PG_PORT"
  pg_init
  log "postgres: starting $("$PG_BIN/postgres" --version | awk '{print $3}') on $HOST:$PG_PORT (as $PG_OS_USER, cluster $PG_DATA)"
  printf '\n===== %s: starting postgres =====\n' "$(date -Is)" >>"$PG_LOG"
  as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 >/dev/null 9>&- \
    || { show_log_tail postgres; die "postgres: start failed"; }
}

pg_wait() {
  local i
  for i in $(seq 60); do pg_ready && break; sleep 0.5; done
  pg_ready || { show_log_tail postgres; die "postgres not ready"; }
  head -n1 "$PG_DATA/postmaster.pid" >"$(pidfile postgres)"
  pg_provision
}

# role jes/jes and one database per service (and the gateway's), owned by jes (idempotent)
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
  pg_legacy_stop
  rm -f "$(pidfile postgres)"
}
postgres_stop() { pg_stop; }

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

# Components in scripts of their own (deploy/local/<name>.sh, sourced here), each with
# <name>_install, _start, _wait, _stop, _running, _status and _env
EXTRA_COMPONENTS=(directory keycloak)
for c in "${EXTRA_COMPONENTS[@]}"; do
  # shellcheck source=/dev/null
  source "$HERE/$c.sh"
done
COMPONENTS=(kafka minio postgres smtp "${EXTRA_COMPONENTS[@]}")

component_running() {
  case "$1" in
    kafka) running_pid kafka "$KAFKA_MARKER" >/dev/null ;;
    minio) running_pid minio "$MINIO_MARKER" >/dev/null ;;
    postgres) pg_running ;;
    smtp) running_pid smtp "$SMTP_MARKER" >/dev/null ;;
    *) "${1}_running" ;;
  esac
}

any_running() {
  local c
  for c in "${COMPONENTS[@]}"; do component_running "$c" && return 0; done
  return 1
}

with_lock() {
  mkdir -p "$VAR"
  exec 9>"$VAR/.lock"
  flock -w 900 9 || die "another infra.sh is still running (lock $VAR/.lock)"
}
unlock() { exec 9>&-; }

ports_summary() {
  echo "PostgreSQL $PG_PORT, Kafka $KAFKA_PORT, MinIO $MINIO_PORT, SMTP $SMTP_PORT (port block $SLOT)"
}

# PostgreSQL folders (root only) whose checkout is gone and whose cluster is stopped
pg_orphans_clean() {
  local dir checkout
  [ "$(id -u)" -eq 0 ] && [ -d "$PG_SYSTEM_ROOT" ] || return 0
  for dir in "$PG_SYSTEM_ROOT"/*/; do
    [ -f "$dir/checkout" ] || continue
    checkout="$(cat "$dir/checkout")"
    [ -e "$checkout/deploy/local/infra.sh" ] && continue
    [ -f "$dir/data/postmaster.pid" ] && continue
    log "postgres: removing ${dir%/} (its checkout $checkout is gone)"
    rm -rf "$dir"
  done
}

cmd_up() {
  local t0=$SECONDS c
  with_lock
  ensure_slot
  mkdir -p "$JES_CACHE"
  pg_install
  kafka_install
  minio_install
  for c in "${EXTRA_COMPONENTS[@]}"; do "${c}_install"; done
  pg_orphans_clean
  # start everything, then wait for each: the start-ups overlap
  pg_start
  smtp_start
  minio_start
  kafka_start
  for c in "${EXTRA_COMPONENTS[@]}"; do "${c}_start"; done
  pg_wait
  smtp_wait
  minio_wait
  kafka_wait
  for c in "${EXTRA_COMPONENTS[@]}"; do "${c}_wait"; done
  unlock
  log "all up in $((SECONDS - t0))s: $(ports_summary); settings: eval \"\$(bash deploy/local/infra.sh env)\"; stop: make infra-down"
}

# cmd_up_only COMPONENT...: install, start and wait for only these of UP_ONLY_COMPONENTS
# (the single sign-on tests outside the integration run: directory keycloak; Kafka again
# after `down kafka`, the broker restart of the crash tests)
UP_ONLY_COMPONENTS=(kafka "${EXTRA_COMPONENTS[@]}")
cmd_up_only() {
  local c t0=$SECONDS
  (($#)) || die "up-only: which of ${UP_ONLY_COMPONENTS[*]}?"
  for c in "$@"; do
    [[ " ${UP_ONLY_COMPONENTS[*]} " == *" $c "* ]] || die "up-only: $c is not one of ${UP_ONLY_COMPONENTS[*]}"
  done
  with_lock
  ensure_slot
  mkdir -p "$JES_CACHE"
  for c in "$@"; do "${c}_install"; done
  for c in "$@"; do "${c}_start"; done
  for c in "$@"; do "${c}_wait"; done
  unlock
  log "$* up in $((SECONDS - t0))s; stop: bash deploy/local/infra.sh down $*"
}

# cmd_down [COMPONENT...]: stop them (default: all)
cmd_down() {
  local c stopped=()
  with_lock
  load_slot || true
  (($#)) || set -- "${COMPONENTS[@]}"
  for c in keycloak directory smtp minio kafka postgres; do
    [[ " $* " == *" $c "* ]] || continue
    component_running "$c" && stopped+=("$c")
    "${c}_stop"
  done
  (($# == ${#COMPONENTS[@]})) && rm -f "$VAR"/*.pid
  unlock
  if ((${#stopped[@]})); then
    log "stopped ${stopped[*]} of $ROOT (data kept)"
  else
    log "nothing of this checkout's stack was running"
  fi
}

# cmd_kill COMPONENT...: SIGKILL (kill -9) the server's own process, as a crash of its
# machine's process would (Kafka: no controlled shutdown, no clean-shutdown marker, so the
# next start recovers its logs); the pid file goes, data stays
KILLABLE=(kafka minio smtp)
cmd_kill() {
  local c pid marker
  (($#)) || die "kill: which of ${KILLABLE[*]}?"
  for c in "$@"; do
    [[ " ${KILLABLE[*]} " == *" $c "* ]] || die "kill: $c is not one of ${KILLABLE[*]}"
  done
  with_lock
  load_slot || true
  for c in "$@"; do
    case "$c" in
      kafka) marker="$KAFKA_MARKER" ;;
      minio) marker="$MINIO_MARKER" ;;
      smtp) marker="$SMTP_MARKER" ;;
    esac
    if ! pid="$(running_pid "$c" "$marker")"; then
      log "$c was not running"
      continue
    fi
    log "killing $c (pid $pid) with SIGKILL"
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$(pidfile "$c")"
  done
  unlock
}

# cmd_run CMD...: CMD on this checkout's stack; leaves running only what ran before
RUN_BEFORE=()
RUN_STARTED=()
cmd_run() {
  local c rc=0
  (($#)) || die "run: which command? e.g. bash deploy/local/infra.sh run pytest tests/integration"
  with_lock
  load_slot || true
  for c in "${COMPONENTS[@]}"; do component_running "$c" && RUN_BEFORE+=("$c"); done
  for c in "${COMPONENTS[@]}"; do [[ " ${RUN_BEFORE[*]} " == *" $c "* ]] || RUN_STARTED+=("$c"); done
  unlock
  trap run_finish EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  cmd_up
  eval "$(cmd_env)"
  "$@" || rc=$?
  exit "$rc"
}
run_finish() {
  local rc=$?
  trap - EXIT INT TERM
  if ((${#RUN_STARTED[@]})); then
    log "stopping what this run started (${RUN_STARTED[*]}); \`make infra-up\` keeps a stack up between runs"
    cmd_down "${RUN_STARTED[@]}" || true
  fi
  if ((${#RUN_BEFORE[@]})); then
    log "left running, as before this run: ${RUN_BEFORE[*]} of $ROOT ($(ports_summary)); stop with: make infra-down"
  fi
  exit "$rc"
}

cmd_status() {
  local bad=0 pid
  load_slot || true
  status_line() { printf '%-9s %-8s %-7s %s\n' "$@"; }
  if pid="$(running_pid kafka "$KAFKA_MARKER")" && kafka_ready >/dev/null 2>&1; then
    status_line kafka up "$pid" "kafka://$HOST:$KAFKA_PORT (Kafka $KAFKA_VERSION, KRaft)"
  else status_line kafka down - ""; bad=1; fi
  if pid="$(running_pid minio "$MINIO_MARKER")" && minio_ready >/dev/null 2>&1; then
    status_line minio up "$pid" "http://$HOST:$MINIO_PORT (console http://$HOST:$MINIO_CONSOLE_PORT)"
  else status_line minio down - ""; bad=1; fi
  if pg_running && pg_ready; then
    status_line postgres up "$(head -n1 "$PG_DATA/postmaster.pid")" "postgresql://$HOST:$PG_PORT (${PG_DATABASES[*]}; cluster $PG_DATA, user $PG_OS_USER)"
  else status_line postgres down - ""; bad=1; fi
  if pid="$(running_pid smtp "$SMTP_MARKER")" && smtp_ready >/dev/null 2>&1; then
    status_line smtp up "$pid" "smtp://$HOST:$SMTP_PORT (API http://$HOST:$SMTP_API_PORT/messages)"
  else status_line smtp down - ""; bad=1; fi
  for c in "${EXTRA_COMPONENTS[@]}"; do "${c}_status" || bad=1; done
  log "stack of $ROOT: $(ports_summary)"
  return "$bad"
}

cmd_env() {
  with_lock
  ensure_slot
  unlock
  cat <<EOF
export JES_EVENT_BUS_URL=kafka://$HOST:$KAFKA_PORT
export JES_OBJECT_STORE_URL=http://$HOST:$MINIO_PORT
export JES_OBJECT_STORE_ACCESS_KEY=$MINIO_USER
export JES_OBJECT_STORE_SECRET_KEY=$MINIO_PASSWORD
export JES_PG_URL_BASE=postgresql+psycopg://$PG_ROLE:$PG_PASSWORD@$HOST:$PG_PORT
export JES_PG_CA_FILE=$PG_TLS_DIR/ca.crt
export JES_MAIL_URL=smtp://$HOST:$SMTP_PORT
export JES_SMTP_SINK_API=http://$HOST:$SMTP_API_PORT
EOF
  for c in "${EXTRA_COMPONENTS[@]}"; do "${c}_env"; done
}

# what of this checkout's stack runs, and how to stop it (nothing when nothing runs)
cmd_summary() {
  local c up=()
  load_slot || return 0
  for c in "${COMPONENTS[@]}"; do component_running "$c" && up+=("$c"); done
  ((${#up[@]})) || return 0
  log "still running: ${up[*]} of $ROOT ($(ports_summary)); stop with: make infra-down"
}

cmd_list() {
  local link slot owner user state
  [ -d "$REGISTRY" ] || { log "no stack has been set up on this machine ($REGISTRY is empty)"; return 0; }
  printf '%-5s %-9s %-11s %-44s %s\n' slot user state ports checkout
  for link in $(find "$REGISTRY" -maxdepth 1 -name 'slot-*' -printf '%f\n' | sort -t- -k2 -n); do
    slot="${link#slot-}"
    owner="$(slot_owner "$slot")" || continue
    user="$(stat -c %U "$REGISTRY/$link")"
    set_ports "$slot"
    state=down
    if port_open "$PG_PORT" || port_open "$KAFKA_PORT" || port_open "$MINIO_PORT" || port_open "$SMTP_PORT"; then state=up; fi
    claim_stale "$slot" "$owner" && state="$state,stale"
    printf '%-5s %-9s %-11s %-44s %s%s\n' "$slot" "$user" "$state" \
      "pg $PG_PORT kafka $KAFKA_PORT minio $MINIO_PORT smtp $SMTP_PORT" "$owner" \
      "$([ "$owner" = "$ROOT" ] && echo '  (this checkout)')"
  done
}

cmd_release() {
  cmd_down
  with_lock
  if load_slot; then
    unclaim_slot
    kafka_forget
    log "port block $SLOT given back; the next \`up\` picks free ports"
  fi
  unlock
}

cmd_clean() {
  cmd_release
  with_lock
  if [ "$(id -u)" -eq 0 ] && [ -f "$PG_HOME/checkout" ] && [ "$(cat "$PG_HOME/checkout")" = "$ROOT" ]; then
    rm -rf "$PG_HOME"
  fi
  [ "$PG_SOCKET_DIR" = "$PG_HOME/run" ] || rm -rf "$PG_SOCKET_DIR"
  pg_orphans_clean
  find "$VAR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
  unlock
  log "removed this checkout's stack data ($VAR$([ "$(id -u)" -eq 0 ] && echo ", $PG_HOME"))"
}

main() {
  local cmd="${1:-}"
  (($#)) && shift
  case "$cmd" in
    up) cmd_up ;;
    up-only) cmd_up_only "$@" ;;
    down) cmd_down "$@" ;;
    kill) cmd_kill "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    run) cmd_run "$@" ;;
    list) cmd_list ;;
    summary) cmd_summary ;;
    release) cmd_release ;;
    clean) cmd_clean ;;
    install) with_lock; mkdir -p "$JES_CACHE"; pg_install; kafka_install; minio_install
      for c in "${EXTRA_COMPONENTS[@]}"; do "${c}_install"; done ;;
    *) sed -n '2,40p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"

# The OpenID providers for the single sign-on tests: Keycloak (org.keycloak:keycloak-
# quarkus-dist from Maven Central) on 127.0.0.1 with its dev-file database (H2 in
# var/infra/keycloak), with two realms imported from deploy/local/keycloak/:
#   courts  the courts' internal provider: judges, federated from the slapd directory
#           of deploy/local/directory.sh (LDAP user federation, read-only)
#   moj     the justice ministry's single window: prosecutors, local users
# Each realm has the confidential client jes-portal (authorisation code + PKCE S256).
#
# Sourced by deploy/local/infra.sh (its helpers, its port slot). The distribution is
# downloaded once into $JES_CACHE/keycloak-<version> and built there once for these
# options (`kc.sh build`: dev-file, health, a local cache: no cluster); every start is then `start --optimized`,
# which skips the Quarkus build that `start-dev` redoes on a checkout's first start
# (2-3 minutes on this machine). Each checkout runs its own server folder
# var/infra/keycloak/server: a copy of the small parts (bin, conf, the build) with
# lib/lib (the jars) linked to the cache. A change to the realm files (or the directory's port) starts the dev-file
# database afresh, so the realms are always the files' (--import-realm skips realms
# that exist). Ports: 18080 + 10 x slot (HTTP), 18086 + 10 x slot (management: health).

KEYCLOAK_VERSION=26.7.3
KEYCLOAK_DIST="$JES_CACHE/keycloak-$KEYCLOAK_VERSION"
KEYCLOAK_PORT_BASE=18080
KEYCLOAK_MANAGEMENT_PORT_BASE=18086
KEYCLOAK_REALMS=(courts moj)
KEYCLOAK_SERVER="$VAR/keycloak/server"
KEYCLOAK_MARKER="$KEYCLOAK_SERVER/"
# Start-up on this 2-core machine, measured while other work shared the cores: see
# docs/operations.md; the wait is bounded well above it.
KEYCLOAK_START_TIMEOUT=480
# build-time options, baked into the cached build (a change rebuilds it)
KEYCLOAK_BUILD_OPTIONS=(--db=dev-file --health-enabled=true --cache=local)
# --cache=local again at start: without it Keycloak 26 forms a JGroups cluster, which
# listens on every interface (ports 7800, 57800); a local cache listens nowhere
KEYCLOAK_CLIENT_SECRET=jes-portal-local-secret  # the realms' test secret (loopback only)

keycloak_port() { echo $((KEYCLOAK_PORT_BASE + 10 * SLOT)); }
keycloak_management_port() { echo $((KEYCLOAK_MANAGEMENT_PORT_BASE + 10 * SLOT)); }
keycloak_url() { echo "http://$HOST:$(keycloak_port)"; }

# the newest JDK on the machine (Keycloak 26 runs on 17, 21 and 25 and suggests the
# newest); JES_KEYCLOAK_JAVA_HOME overrides
keycloak_java_home() {
  local dir version best="" best_version=0
  if [ -n "${JES_KEYCLOAK_JAVA_HOME:-}" ]; then echo "$JES_KEYCLOAK_JAVA_HOME"; return 0; fi
  for dir in /usr/lib/jvm/*/; do
    [ -x "$dir/bin/java" ] && [ ! -L "${dir%/}" ] || continue
    version="$("$dir/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
    [ -n "$version" ] && ((version > best_version)) && { best="${dir%/}"; best_version=$version; }
  done
  ((best_version >= 17)) || die "keycloak: needs Java 17, 21 or 25 (none under /usr/lib/jvm; set JES_KEYCLOAK_JAVA_HOME)"
  echo "$best"
}

keycloak_install() {
  mkdir -p "$VAR"
  # checkouts share the cache: one download and build at a time
  (
    flock -w 900 8 || die "keycloak: another checkout is still installing $KEYCLOAK_DIST"
    [ -x "$KEYCLOAK_DIST/bin/kc.sh" ] || keycloak_download
    keycloak_build
  ) 8>"$KEYCLOAK_DIST.lock"
}

keycloak_download() {
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  local tmp="$KEYCLOAK_DIST.tmp" archive
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "keycloak: downloading keycloak-quarkus-dist $KEYCLOAK_VERSION from Maven Central (~170 MB, once)"
  mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$JES_CACHE/m2" dependency:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" -DoutputDirectory="$tmp" \
    || die "keycloak: download failed"
  archive="$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
  tar -xzf "$archive" -C "$tmp" --strip-components=1 || die "keycloak: unpacking $archive failed"
  rm -f "$archive"
  rm -rf "$KEYCLOAK_DIST"
  mv "$tmp" "$KEYCLOAK_DIST"
}

keycloak_build() {
  local stamp="$KEYCLOAK_DIST/.jes-build"
  [ "$(cat "$stamp" 2>/dev/null)" = "${KEYCLOAK_BUILD_OPTIONS[*]}" ] && return 0
  log "keycloak: building the server for ${KEYCLOAK_BUILD_OPTIONS[*]} (once per cache; minutes)"
  JAVA_HOME="$(keycloak_java_home)" "$KEYCLOAK_DIST/bin/kc.sh" build "${KEYCLOAK_BUILD_OPTIONS[@]}" \
    >>"$(logfile keycloak)" 2>&1 || { show_log_tail keycloak; die "keycloak: kc.sh build failed"; }
  echo "${KEYCLOAK_BUILD_OPTIONS[*]}" >"$stamp"
}

# this checkout's server folder (see the header); remade when the cached version changes
keycloak_server() {
  local server="$KEYCLOAK_SERVER"
  if [ "$(readlink "$server/lib/lib" 2>/dev/null)" != "$KEYCLOAK_DIST/lib/lib" ] \
    || ! cmp -s "$KEYCLOAK_DIST/.jes-build" "$server/.jes-build"; then
    rm -rf "$server"
    mkdir -p "$server/lib" "$server/data"
    cp -a "$KEYCLOAK_DIST/bin" "$KEYCLOAK_DIST/conf" "$KEYCLOAK_DIST/providers" \
      "$KEYCLOAK_DIST/themes" "$KEYCLOAK_DIST/version.txt" "$KEYCLOAK_DIST/.jes-build" "$server/"
    cp -a "$KEYCLOAK_DIST/lib/app" "$KEYCLOAK_DIST/lib/quarkus" "$KEYCLOAK_DIST/lib/quarkus-run.jar" "$server/lib/"
    ln -s "$KEYCLOAK_DIST/lib/lib" "$server/lib/lib"
  fi
  # the realms: imported on start; a changed realm (or directory port) means a fresh database
  local stamp
  stamp="$(cat "$HERE"/keycloak/*-realm.json | sha256sum | cut -c1-16)-$(directory_port)"
  if [ "$(cat "$server/data/realms.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$server/data/h2" "$server/data/import"
    mkdir -p "$server/data/import"
    cp "$HERE"/keycloak/*-realm.json "$server/data/import/"
    echo "$stamp" >"$server/data/realms.stamp"
  fi
}

keycloak_running() { running_pid keycloak "$KEYCLOAK_MARKER" >/dev/null; }

keycloak_ready() {
  local realm
  curl -fsS -o /dev/null "http://$HOST:$(keycloak_management_port)/health/ready" || return 1
  for realm in "${KEYCLOAK_REALMS[@]}"; do
    curl -fsS -o /dev/null "$(keycloak_url)/realms/$realm/.well-known/openid-configuration" || return 1
  done
}

KEYCLOAK_STARTED_AT=""
keycloak_start() {
  keycloak_running && return 0
  ports_free keycloak "$(keycloak_port)" "$(keycloak_management_port)"
  keycloak_server
  local java_home
  java_home="$(keycloak_java_home)"
  log "keycloak: starting $KEYCLOAK_VERSION on $(keycloak_url) (realms ${KEYCLOAK_REALMS[*]}; Java $(basename "$java_home"))"
  KEYCLOAK_STARTED_AT=$SECONDS
  # the realm files name the directory and the client secret as ${VAR} placeholders
  JAVA_HOME="$java_home" JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" \
    JES_DIRECTORY_URL="ldap://$HOST:$(directory_port)" JES_SSO_CLIENT_SECRET="$KEYCLOAK_CLIENT_SECRET" \
    start_bg keycloak "$KEYCLOAK_SERVER/bin/kc.sh" start --optimized \
    --http-enabled=true --hostname-strict=false --cache=local \
    --http-host="$HOST" --http-port="$(keycloak_port)" \
    --http-management-port="$(keycloak_management_port)" --import-realm
}

keycloak_java_pid() {
  local pid
  pid="$(running_pid keycloak "$KEYCLOAK_MARKER")" || return 1
  # kc.sh execs Java after its first (build) start; before that Java is its child
  pgrep -P "$pid" java || echo "$pid"
}

# servers listen on 127.0.0.1 only: refuse a Keycloak that listens anywhere else
keycloak_loopback_only() {
  local pid outside
  pid="$(keycloak_java_pid)" || return 0
  outside="$(ss -Hltnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' | grep -Ev '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):' || true)"
  if [ -n "$outside" ]; then
    keycloak_stop
    die "keycloak listened on $(echo "$outside" | tr '\n' ' ')(not loopback only): stopped"
  fi
}

keycloak_wait() {
  wait_until keycloak "$KEYCLOAK_MARKER" "$KEYCLOAK_START_TIMEOUT" keycloak_ready
  keycloak_loopback_only
  if [ -n "$KEYCLOAK_STARTED_AT" ]; then
    log "keycloak: ready in $((SECONDS - KEYCLOAK_STARTED_AT))s ($(keycloak_memory))"
  fi
}

keycloak_memory() {
  local pid
  pid="$(keycloak_java_pid)" || return 0
  ps -o rss= -p "$pid" | awk '{printf "%d MB resident", $1 / 1024}'
}

keycloak_stop() { stop_bg keycloak "$KEYCLOAK_MARKER" 60; }

keycloak_status() {
  local pid
  if pid="$(running_pid keycloak "$KEYCLOAK_MARKER")" && keycloak_ready >/dev/null 2>&1; then
    printf '%-9s %-8s %-7s %s\n' keycloak up "$pid" "$(keycloak_url) (realms ${KEYCLOAK_REALMS[*]}; $(keycloak_memory))"
  else
    printf '%-9s %-8s %-7s %s\n' keycloak down - ""
    return 1
  fi
}

# the two providers as identity's configuration (docs/operations.md, single sign-on)
keycloak_env() {
  cat <<EOF
export JES_KEYCLOAK_URL=$(keycloak_url)
export JES_SSO_PROVIDERS=courts,moj
export JES_SSO_COURTS_ISSUER=$(keycloak_url)/realms/courts
export JES_SSO_COURTS_CLIENT_ID=jes-portal
export JES_SSO_COURTS_CLIENT_SECRET=$KEYCLOAK_CLIENT_SECRET
export JES_SSO_COURTS_ROLE=judge
export JES_SSO_MOJ_ISSUER=$(keycloak_url)/realms/moj
export JES_SSO_MOJ_CLIENT_ID=jes-portal
export JES_SSO_MOJ_CLIENT_SECRET=$KEYCLOAK_CLIENT_SECRET
export JES_SSO_MOJ_ROLE=prosecutor
EOF
}

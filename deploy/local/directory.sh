# The courts' directory for the single sign-on tests: Debian's slapd (OpenLDAP) on
# 127.0.0.1 with the test judges of deploy/local/directory/judges.ldif, the way a court's
# AD holds its judges. Keycloak's courts realm federates it (deploy/local/keycloak.sh).
#
# Sourced by deploy/local/infra.sh (it uses that script's helpers and port slot): the
# directory is started, stopped and reported with the rest of the stack. Every start
# loads the LDIF afresh into an empty database (slapadd), so the directory is exactly
# the file; entryUUIDs are fixed in it, so Keycloak keeps linking the same judges.
# Port: 13389 + 10 x the checkout's slot.

DIRECTORY_PORT_BASE=13389
DIRECTORY_SUFFIX="dc=courts,dc=test"
DIRECTORY_BIND_DN="cn=keycloak,$DIRECTORY_SUFFIX"
DIRECTORY_MARKER="slapd -f $VAR/directory/slapd.conf"

directory_port() { echo $((DIRECTORY_PORT_BASE + 10 * SLOT)); }

directory_install() { bash "$ROOT/scripts/apt-install.sh" slapd ldap-utils; }

directory_ready() {
  ldapsearch -x -LLL -H "ldap://$HOST:$(directory_port)" -b "ou=judges,$DIRECTORY_SUFFIX" \
    -D "$DIRECTORY_BIND_DN" -w keycloak-directory-read '(uid=judge.wang)' dn >/dev/null
}

directory_config() {
  local dir="$VAR/directory"
  rm -rf "$dir/data"
  mkdir -p "$dir/data" "$dir/run"
  # the manager (rootdn) has a random password: nothing but this script writes
  cat >"$dir/slapd.conf" <<EOF
# written by deploy/local/directory.sh on every start; edit the script, not this file
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $dir/run/slapd.pid
argsfile $dir/run/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "$DIRECTORY_SUFFIX"
rootdn "cn=manager,$DIRECTORY_SUFFIX"
rootpw $(head -c 24 /dev/urandom | base64)
directory $dir/data
# Keycloak's bind account reads the judges; passwords are only compared (bind), never read
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by dn.exact="$DIRECTORY_BIND_DN" read by self read by * none
EOF
  /usr/sbin/slapadd -q -f "$dir/slapd.conf" -l "$HERE/directory/judges.ldif" >>"$(logfile directory)" 2>&1 \
    || { show_log_tail directory; die "directory: loading $HERE/directory/judges.ldif failed (slapadd)"; }
}

directory_running() { running_pid directory "$DIRECTORY_MARKER" >/dev/null; }

directory_start() {
  directory_running && return 0
  ports_free directory "$(directory_port)"
  mkdir -p "$VAR"
  directory_config
  log "directory: starting slapd on $HOST:$(directory_port) (test judges of deploy/local/directory/judges.ldif)"
  # -d 0: stay in the foreground (start_bg keeps the pid), logging nothing but errors
  start_bg directory /usr/sbin/slapd -f "$VAR/directory/slapd.conf" \
    -h "ldap://$HOST:$(directory_port)/" -d 0
}

directory_wait() { wait_until directory "$DIRECTORY_MARKER" 30 directory_ready; }
directory_stop() { stop_bg directory "$DIRECTORY_MARKER" 10; }

directory_status() {
  local pid
  if pid="$(running_pid directory "$DIRECTORY_MARKER")" && directory_ready >/dev/null 2>&1; then
    printf '%-9s %-8s %-7s %s\n' directory up "$pid" "ldap://$HOST:$(directory_port) ($DIRECTORY_SUFFIX)"
  else
    printf '%-9s %-8s %-7s %s\n' directory down - ""
    return 1
  fi
}

directory_env() {
  echo "export JES_DIRECTORY_URL=ldap://$HOST:$(directory_port)"
}

#!/usr/bin/env bash
# nginx's entrypoint: checks every knob, renders the config the knobs select into /tmp/nginx (the
# root filesystem is read-only; nginx.conf includes from there), then runs the command (nginx).
# Scalars go through envsubst into templates (/etc/nginx/templates); a list (TRUSTED_PROXIES)
# becomes one printf line per checked entry. A bad knob stops the container with a line naming it.
set -euo pipefail

templates=/etc/nginx/templates
out=/tmp/nginx

fail() {
  echo "nginx: $*" >&2
  exit 1
}

# A port number, 1-65535.
check_port() {
  [[ ${!1} =~ ^[0-9]{1,5}$ ]] && ((10#${!1} >= 1 && 10#${!1} <= 65535)) ||
    fail "$1='${!1}' is not a port number (1-65535)"
}

# An IPv4 address or CIDR (a.b.c.d or a.b.c.d/n), or an IPv6 one (nginx checks its digits).
is_cidr() {
  local octet
  if [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(/([0-9]{1,2}))?$ ]]; then
    for octet in "${BASH_REMATCH[@]:1:4}"; do
      ((10#$octet <= 255)) || return 1
    done
    [[ -z ${BASH_REMATCH[6]} ]] || ((10#${BASH_REMATCH[6]} <= 32))
  elif [[ $1 =~ ^[0-9a-fA-F]*:[0-9a-fA-F:.]*(/([0-9]{1,3}))?$ ]]; then
    [[ -z ${BASH_REMATCH[2]} ]] || ((10#${BASH_REMATCH[2]} <= 128))
  else
    return 1
  fi
}

# SERVER_NAMES: host names (or IPv4 addresses), a leading `*.` allowed; space- or comma-separated.
SERVER_NAMES=${SERVER_NAMES:-localhost 127.0.0.1}
read -ra names <<<"${SERVER_NAMES//,/ }"
((${#names[@]})) || fail "SERVER_NAMES is empty: name the hosts nginx answers for, e.g. 'localhost 127.0.0.1'"
label='[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
for name in "${names[@]}"; do
  [[ ${name,,} =~ ^(\*\.)?$label(\.$label)*$ ]] ||
    fail "SERVER_NAMES: '$name' is not a host name (letters, digits, '-' and '.', optionally starting with '*.')"
done
# nginx/healthcheck.sh asks for the first name that is not a wildcard.
[[ " ${names[*]} " =~ \ [^*] ]] || fail "SERVER_NAMES: name at least one host without a '*' (the health check asks for it)"
export SERVER_NAMES="${names[*]}"

# TRUSTED_PROXIES: addresses or CIDRs, space- or comma-separated; empty: nobody is believed.
TRUSTED_PROXIES=${TRUSTED_PROXIES:-}
read -ra proxies <<<"${TRUSTED_PROXIES//,/ }"
for proxy in "${proxies[@]}"; do
  is_cidr "$proxy" || fail "TRUSTED_PROXIES: '$proxy' is not an IP address or CIDR (e.g. 10.0.0.0/8)"
done

# VASSAL_HEADER: 1 shows the apps' X-Vassal header (vassal/pid) to clients, for debugging.
VASSAL_HEADER=${VASSAL_HEADER:-0}
[[ $VASSAL_HEADER =~ ^[01]$ ]] || fail "VASSAL_HEADER='$VASSAL_HEADER' must be 0 or 1"

# UWSGI_TRANSPORT: how requests reach the vassals (transport/: unix, tcp or http).
UWSGI_TRANSPORT=${UWSGI_TRANSPORT:-unix}
[[ $UWSGI_TRANSPORT =~ ^(unix|tcp|http)$ ]] || fail "UWSGI_TRANSPORT='$UWSGI_TRANSPORT' must be unix, tcp or http"

# NGINX_WORKER_PROCESSES: auto (one per core) or a number.
NGINX_WORKER_PROCESSES=${NGINX_WORKER_PROCESSES:-auto}
[[ $NGINX_WORKER_PROCESSES == auto || ($NGINX_WORKER_PROCESSES =~ ^[0-9]{1,3}$ && 10#$NGINX_WORKER_PROCESSES -ge 1) ]] ||
  fail "NGINX_WORKER_PROCESSES='$NGINX_WORKER_PROCESSES' must be auto or a number of processes (1-999)"

# NGINX_CLIENT_MAX_BODY_SIZE: nginx's size syntax, a number with an optional k, m or g (0: no limit).
NGINX_CLIENT_MAX_BODY_SIZE=${NGINX_CLIENT_MAX_BODY_SIZE:-10m}
[[ $NGINX_CLIENT_MAX_BODY_SIZE =~ ^[0-9]{1,9}[kKmMgG]?$ ]] ||
  fail "NGINX_CLIENT_MAX_BODY_SIZE='$NGINX_CLIENT_MAX_BODY_SIZE' must be a size such as 10m, 512k or 1g"

# NGINX_READ_TIMEOUT (seconds) must outlast the vassals' harakiri (UWSGI_HARAKIRI, checked the same
# way in uwsgi/knobs.sh): a stuck request then ends as uWSGI's 502, never nginx's 504 while the
# worker still runs it.
UWSGI_HARAKIRI=${UWSGI_HARAKIRI:-20}
[[ $UWSGI_HARAKIRI =~ ^[0-9]{1,4}$ ]] && ((10#$UWSGI_HARAKIRI >= 1 && 10#$UWSGI_HARAKIRI <= 3600)) ||
  fail "UWSGI_HARAKIRI='$UWSGI_HARAKIRI' must be a whole number from 1 to 3600"
NGINX_READ_TIMEOUT=${NGINX_READ_TIMEOUT:-$((10#$UWSGI_HARAKIRI + 10))}
[[ $NGINX_READ_TIMEOUT =~ ^[0-9]{1,5}$ ]] ||
  fail "NGINX_READ_TIMEOUT='$NGINX_READ_TIMEOUT' must be a whole number of seconds"
((10#$NGINX_READ_TIMEOUT > 10#$UWSGI_HARAKIRI)) ||
  fail "NGINX_READ_TIMEOUT=$NGINX_READ_TIMEOUT must be longer than UWSGI_HARAKIRI=$UWSGI_HARAKIRI"
export NGINX_WORKER_PROCESSES NGINX_CLIENT_MAX_BODY_SIZE NGINX_READ_TIMEOUT

# TLS: on when compose.tls.yaml mounted the files and set TLS_CERT and TLS_KEY to their paths.
TLS_CERT=${TLS_CERT:-}
TLS_KEY=${TLS_KEY:-}
if [[ -n $TLS_CERT || -n $TLS_KEY ]]; then
  for knob in TLS_CERT TLS_KEY; do
    [[ -n ${!knob} ]] || fail "$knob is not set: HTTPS needs both TLS_CERT and TLS_KEY"
  done
  for knob in TLS_CERT TLS_KEY; do
    file=${!knob}
    [[ -f $file ]] || fail "$knob: no file at $file (compose.tls.yaml mounts the host's file there)"
    [[ -r $file ]] ||
      fail "$knob: $file is not readable by nginx's user (uid $(id -u)); on the host: chgrp $(id -g) FILE; chmod 640 FILE"
    grep -q -e '-----BEGIN ' "$file" || fail "$knob: $file is not a PEM file"
  done
  HTTPS_PORT=${HTTPS_PORT:-8443}
  check_port HTTPS_PORT
  HSTS_MAX_AGE=${HSTS_MAX_AGE:-63072000}
  [[ $HSTS_MAX_AGE =~ ^[0-9]{1,10}$ ]] || fail "HSTS_MAX_AGE='$HSTS_MAX_AGE' must be a number of seconds"
  export TLS_CERT TLS_KEY HTTPS_PORT HSTS_MAX_AGE
fi

# Render. Each file is one capability; nginx.conf says where it is included.
rm -rf "$out"
mkdir -p "$out/http.d" "$out/server.d"
envsubst '${SERVER_NAMES}' <"$templates/server-names.conf.template" >"$out/server-names.conf"
envsubst '${NGINX_WORKER_PROCESSES}' <"$templates/main.conf.template" >"$out/main.conf"
envsubst '${NGINX_CLIENT_MAX_BODY_SIZE} ${NGINX_READ_TIMEOUT}' <"$templates/limits.conf.template" >"$out/limits.conf"
cp "/etc/nginx/transport/$UWSGI_TRANSPORT.conf" "$out/vassal.conf"
if [[ $UWSGI_TRANSPORT == tcp ]]; then
  cp /etc/nginx/transport/app-check-router.conf "$out/app-check.conf"
else
  cp /etc/nginx/transport/app-check-pidfile.conf "$out/app-check.conf"
fi
{
  echo "# Rendered from TRUSTED_PROXIES by nginx/entrypoint.sh: X-Forwarded-For is believed from these."
  for proxy in "${proxies[@]}"; do printf 'set_real_ip_from %s;\n' "$proxy"; done
} >"$out/http.d/trusted-proxies.conf"
{
  echo "# Rendered from TRUSTED_PROXIES by nginx/entrypoint.sh: the geo block of edge.conf."
  for proxy in "${proxies[@]}"; do printf '%s 1;\n' "$proxy"; done
} >"$out/trusted-proxies.geo"
if [[ $VASSAL_HEADER == 0 ]]; then
  cp "$templates/vassal-header-hidden.conf" "$out/http.d/"
fi
if [[ -n $TLS_CERT ]]; then
  envsubst '${TLS_CERT} ${TLS_KEY} ${HTTPS_PORT} ${HSTS_MAX_AGE}' <"$templates/tls.conf.template" >"$out/http.d/tls.conf"
  cp "$templates/tls-server.conf" "$out/server.d/"
fi

https=off vassal_header=hidden
[[ -z $TLS_CERT ]] || https="on, port $HTTPS_PORT"
[[ $VASSAL_HEADER == 0 ]] || vassal_header=shown
echo "nginx: hosts ${names[*]}; trusted proxies: ${proxies[*]:-none}; X-Vassal $vassal_header; HTTPS $https"
echo "nginx: transport $UWSGI_TRANSPORT; read timeout ${NGINX_READ_TIMEOUT} s; body limit $NGINX_CLIENT_MAX_BODY_SIZE; workers $NGINX_WORKER_PROCESSES"
exec "$@"

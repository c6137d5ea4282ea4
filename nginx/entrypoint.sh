#!/usr/bin/env bash
# nginx's entrypoint: checks every knob, renders the config the knobs select into /tmp/nginx (the
# root filesystem is read-only; nginx.conf includes from there), runs the extras' hooks, then the
# command (nginx).
# Scalars go through envsubst into templates (/etc/nginx/templates); a list (TRUSTED_PROXIES)
# becomes one printf line per checked entry. A bad knob stops the container with a line naming it.
set -euo pipefail

templates=/etc/nginx/templates
out=/tmp/nginx

fail() {
  echo "nginx: $*" >&2
  exit 1
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

# APP_HOSTS: NAME=HOST[,HOST...] entries, space-separated: app NAME at the root of its own hosts,
# which no other entry and not SERVER_NAMES may name. The app container checks that NAME is an app.
app_name='[a-z0-9][a-z0-9_-]*'
declare -A host_app=()
read -ra entries <<<"${APP_HOSTS:-}"
for entry in "${entries[@]}"; do
  [[ $entry =~ ^($app_name)=(.+)$ ]] ||
    fail "APP_HOSTS: '$entry' is not NAME=HOST[,HOST...] (NAME as in /apps/NAME/: lowercase letters, digits, '_' and '-')"
  app=${BASH_REMATCH[1]}
  [[ " ${host_app[*]} " != *" $app "* ]] ||
    fail "APP_HOSTS: $app has two entries: list its hosts in one, comma-separated"
  IFS=, read -ra hosts <<<"${BASH_REMATCH[2],,}"
  for host in "${hosts[@]}"; do
    [[ $host =~ ^(\*\.)?$label(\.$label)*$ ]] ||
      fail "APP_HOSTS: '$host' (for $app) is not a host name (letters, digits, '-' and '.', optionally starting with '*.')"
    [[ " ${names[*],,} " != *" $host "* ]] || fail "APP_HOSTS: $host is in SERVER_NAMES too: a host serves one app"
    [[ -z ${host_app[$host]:-} ]] || fail "APP_HOSTS: $host is named for ${host_app[$host]} and $app: a host serves one app"
    host_app[$host]=$app
  done
done
# MAIN_APP: the app that answers / on SERVER_NAMES (main by default).
MAIN_APP=${MAIN_APP:-main}
[[ $MAIN_APP =~ ^$app_name$ ]] || fail "MAIN_APP='$MAIN_APP' is not an app's name (lowercase letters, digits, '_' and '-')"
export MAIN_APP

# TRUSTED_PROXIES: addresses or CIDRs, space- or comma-separated; empty: nobody is believed.
TRUSTED_PROXIES=${TRUSTED_PROXIES:-}
read -ra proxies <<<"${TRUSTED_PROXIES//,/ }"
for proxy in "${proxies[@]}"; do
  is_cidr "$proxy" || fail "TRUSTED_PROXIES: '$proxy' is not an IP address or CIDR (e.g. 10.0.0.0/8)"
done

# VASSAL_HEADER: 1 shows the apps' X-Vassal header (vassal/pid) to clients, for debugging.
VASSAL_HEADER=${VASSAL_HEADER:-0}
[[ $VASSAL_HEADER =~ ^[01]$ ]] || fail "VASSAL_HEADER='$VASSAL_HEADER' must be 0 or 1"

# LOG_FORMAT: the access log's, text or json (access-log-text.conf, access-log-json.conf).
LOG_FORMAT=${LOG_FORMAT:-text}
[[ $LOG_FORMAT =~ ^(text|json)$ ]] || fail "LOG_FORMAT='$LOG_FORMAT' must be text or json"

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

# Render. Each file is one capability; nginx.conf says where it is included.
rm -rf "$out"
mkdir -p "$out/http.d" "$out/server.d" "$out/hosts.d"
envsubst '${SERVER_NAMES}' <"$templates/server-names.conf.template" >"$out/server-names.conf"
envsubst '${MAIN_APP}' <"$templates/main-app.conf.template" >"$out/main-app.conf"
for entry in "${entries[@]}"; do
  APP=${entry%%=*} APP_SERVER_NAMES=${entry#*=}
  export APP APP_SERVER_NAMES=${APP_SERVER_NAMES//,/ }
  envsubst '${APP} ${APP_SERVER_NAMES}' <"$templates/app-host.conf.template" >"$out/hosts.d/$APP.conf"
done
envsubst '${NGINX_WORKER_PROCESSES}' <"$templates/main.conf.template" >"$out/main.conf"
envsubst '${NGINX_CLIENT_MAX_BODY_SIZE} ${NGINX_READ_TIMEOUT}' <"$templates/limits.conf.template" >"$out/limits.conf"
cp "/etc/nginx/access-log-$LOG_FORMAT.conf" "$out/access-log.conf"
cp "/etc/nginx/transport/$UWSGI_TRANSPORT.conf" "$out/vassal.conf"
if [[ $UWSGI_TRANSPORT == tcp ]]; then
  cp /etc/nginx/transport/app-check-router.conf "$out/app-check.conf"
  cp /etc/nginx/transport/app-stopped-router.conf "$out/app-stopped.conf"
else
  cp /etc/nginx/transport/app-check-pidfile.conf "$out/app-check.conf"
  cp /etc/nginx/transport/app-stopped-pidfile.conf "$out/app-stopped.conf"
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

vassal_header=hidden
[[ $VASSAL_HEADER == 0 ]] || vassal_header=shown
echo "nginx: hosts ${names[*]} (/: $MAIN_APP)${APP_HOSTS:+; apps on hosts of their own: $APP_HOSTS}; trusted proxies: ${proxies[*]:-none}; X-Vassal $vassal_header"
echo "nginx: transport $UWSGI_TRANSPORT; access log $LOG_FORMAT; read timeout ${NGINX_READ_TIMEOUT} s; body limit $NGINX_CLIENT_MAX_BODY_SIZE; workers $NGINX_WORKER_PROCESSES"

# The extras' start-up hooks (extras/NAME/nginx/etc/nginx/entrypoint.d/*.sh, laid into the image),
# sourced so they can use fail, $templates and $out: each checks its own knobs and renders into
# $out/http.d or $out/server.d, which nginx.conf includes. A hook that fails stops the container,
# and this says which.
trap 'echo "nginx: start-up hook $hook failed" >&2' ERR
for hook in /etc/nginx/entrypoint.d/*.sh; do
  [[ -e $hook ]] || continue
  # shellcheck source=/dev/null
  source "$hook"
done
trap - ERR
exec "$@"

# Sourced by app/entrypoint.sh and app/run.sh (`make run`). Checks the uWSGI knobs (.env, passed on by compose.yaml), fills in
# their defaults, and hands them to the ini files as VASSAL_*, EMPEROR_* and ROUTER_* variables,
# which uWSGI expands as $(NAME). Never as UWSGI_*: uWSGI takes every UWSGI_* variable for an
# option of its own, and `strict` refuses the unknown ones (UWSGI_TRANSPORT). A bad value stops the
# container with one line naming the knob, so `make up` fails instead of serving something else.
# The defaults are compose.yaml's (a unit test compares them): `docker run` of the image gets them too.

knob_fail() {
  echo "app: $*" >&2
  exit 1
}

# knob_int NAME DEFAULT MIN MAX: a whole number in [MIN, MAX], NAME set to it.
knob_int() {
  local name=$1 value=${!1:-$2}
  [[ $value =~ ^[0-9]{1,9}$ ]] && ((10#$value >= $3 && 10#$value <= $4)) ||
    knob_fail "$name='$value' must be a whole number from $3 to $4"
  printf -v "$name" '%d' "$((10#$value))"
}

# Swarm passes the passwords as secrets, files under /run/secrets (extras/swarm), not in the
# environment that `docker inspect` shows: NAME_FILE names the file, and NAME is read from it (its
# trailing newline dropped). Under Compose NAME comes from .env; both set is an error.
from_file() {
  local name=$1 file_knob=${1}_FILE
  [[ -n ${!file_knob:-} ]] || return 0
  [[ -z ${!name:-} ]] || knob_fail "both $name and $file_knob are set: keep one"
  [[ -r ${!file_knob} ]] || knob_fail "$file_knob: cannot read ${!file_knob} (a swarm secret not mounted?)"
  export "$name=$(<"${!file_knob}")"
  unset "$file_knob"
}
from_file DATABASE_URL

UWSGI_TRANSPORT=${UWSGI_TRANSPORT:-unix}
[[ $UWSGI_TRANSPORT =~ ^(unix|tcp|http)$ ]] ||
  knob_fail "UWSGI_TRANSPORT='$UWSGI_TRANSPORT' must be unix, tcp or http"
# How nginx reaches the apps, for the extras' hooks and programs (UWSGI_TRANSPORT is unset below).
export APP_TRANSPORT=$UWSGI_TRANSPORT
knob_int UWSGI_PROCESSES 2 1 256
knob_int UWSGI_THREADS 1 1 256
knob_int UWSGI_HARAKIRI 20 1 3600
knob_int UWSGI_MAX_WORKER_LIFETIME 3600 60 604800
knob_int UWSGI_BUFFER_SIZE 65535 4096 65535
knob_int UWSGI_LISTEN 1024 1 65535
knob_int UWSGI_RELOAD_ON_RSS 0 0 1048576
knob_int APP_STOP_GRACE_PERIOD 40 1 86400
# The vassals' log lines: text ([NAME] …) or JSON objects (uwsgi/vassal-defaults.ini).
LOG_FORMAT=${LOG_FORMAT:-text}
[[ $LOG_FORMAT =~ ^(text|json)$ ]] || knob_fail "LOG_FORMAT='$LOG_FORMAT' must be text or json"
unset VASSAL_LOG_JSON
[[ $LOG_FORMAT == text ]] || export VASSAL_LOG_JSON=1
# 1 (extras/swarm sets it): this container takes the traffic at its first healthy check itself
# (uwsgi/healthcheck.py), where scripts/deploy would run `uwsgi-traffic take`.
[[ ${APP_TAKE_TRAFFIC_WHEN_HEALTHY:-0} =~ ^[01]$ ]] ||
  knob_fail "APP_TAKE_TRAFFIC_WHEN_HEALTHY='$APP_TAKE_TRAFFIC_WHEN_HEALTHY' must be 0 or 1"

# uWSGI refuses to start a vassal whose backlog is above the kernel's limit (compose.yaml sets the
# container's net.core.somaxconn from UWSGI_LISTEN).
somaxconn=$(</proc/sys/net/core/somaxconn)
((UWSGI_LISTEN <= somaxconn)) ||
  knob_fail "UWSGI_LISTEN=$UWSGI_LISTEN is above this container's net.core.somaxconn ($somaxconn)"

# The stop budgets, each longer than the one it waits for, all following harakiri (the longest a
# request runs): a worker's mercy, the emperor's for a vassal, supervisor's for the emperor, and
# Docker's for the container (APP_STOP_GRACE_PERIOD, compose.yaml's stop_grace_period).
((APP_STOP_GRACE_PERIOD >= UWSGI_HARAKIRI + 20)) ||
  knob_fail "APP_STOP_GRACE_PERIOD=$APP_STOP_GRACE_PERIOD must be at least UWSGI_HARAKIRI + 20 ($((UWSGI_HARAKIRI + 20))): in-flight requests finish before the container is killed"

# A worker past UWSGI_RELOAD_ON_RSS MiB is recycled after its request, which only helps if it gets
# there before the container's memory limit (APP_MEMORY_LIMIT, compose.yaml; read from the cgroup,
# v2 or v1) OOM-kills it: a threshold at or above the limit is refused, and a sum of thresholds over
# every shipped vassal's workers above it is worth a warning (they rarely all grow at once).
memory_limit=$(cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || true)
memory_limit=${memory_limit%%$'\n'*}
# No limit reads as `max` (v2) or a 19-digit number (v1): nothing to check then.
if ((UWSGI_RELOAD_ON_RSS > 0)) && [[ $memory_limit =~ ^[0-9]{1,18}$ ]]; then
  memory_limit=$((memory_limit >> 20))
  ((UWSGI_RELOAD_ON_RSS < memory_limit)) ||
    knob_fail "UWSGI_RELOAD_ON_RSS=$UWSGI_RELOAD_ON_RSS (MiB) must be below this container's memory limit ($memory_limit MiB, APP_MEMORY_LIMIT): a worker would be OOM-killed before it is recycled"
  shipped=$(find "${VASSALS_DIR:-/etc/uwsgi/vassals}" -maxdepth 1 -name '*.ini' | wc -l)
  ((UWSGI_RELOAD_ON_RSS * UWSGI_PROCESSES * shipped < memory_limit)) ||
    echo "app: warning: $shipped vassals x $UWSGI_PROCESSES processes x UWSGI_RELOAD_ON_RSS=$UWSGI_RELOAD_ON_RSS MiB is not below the memory limit ($memory_limit MiB, APP_MEMORY_LIMIT): workers that all grow that far are OOM-killed before they are recycled" >&2
fi

unset VASSAL_HTTP
# supervisord.conf includes /tmp/supervisor.d/*.conf: router.conf, the router's program with tcp
# (else empty: a pattern that matches nothing makes supervisord warn), and what the extras' start-up
# hooks put there (app/entrypoint.sh).
install -d -m 0700 /tmp/supervisor.d
install -m 0600 /dev/null /tmp/supervisor.d/router.conf
case $UWSGI_TRANSPORT in
  http) export VASSAL_HTTP=1 ;;
  tcp) install -m 0600 /etc/supervisor/router.conf /tmp/supervisor.d/router.conf ;;
esac
export VASSAL_PROCESSES=$UWSGI_PROCESSES
unset VASSAL_THREADS
((UWSGI_THREADS == 1)) || export VASSAL_THREADS=$UWSGI_THREADS
export VASSAL_HARAKIRI=$UWSGI_HARAKIRI
export VASSAL_RELOAD_MERCY=$((UWSGI_HARAKIRI + 5))
export EMPEROR_RELOAD_MERCY=$((UWSGI_HARAKIRI + 10))
export EMPEROR_STOPWAITSECS=$((UWSGI_HARAKIRI + 15))
export ROUTER_TIMEOUT=$((UWSGI_HARAKIRI + 10))
export VASSAL_MAX_WORKER_LIFETIME=$UWSGI_MAX_WORKER_LIFETIME
# Workers of one vassal recycle spread over a sixth of their lifetime, not all at once.
export VASSAL_MAX_WORKER_LIFETIME_DELTA=$((UWSGI_MAX_WORKER_LIFETIME / 6))
export VASSAL_BUFFER_SIZE=$UWSGI_BUFFER_SIZE
export VASSAL_LISTEN=$UWSGI_LISTEN
# Only when set: naming `reload-on-rss` at all, even 0, makes every worker read /proc/self/stat
# after every request (uWSGI's memory check), which costs throughput (docs/measurements.md).
unset VASSAL_RELOAD_ON_RSS
((UWSGI_RELOAD_ON_RSS == 0)) || export VASSAL_RELOAD_ON_RSS=$UWSGI_RELOAD_ON_RSS
echo "app: transport $UWSGI_TRANSPORT; $UWSGI_PROCESSES processes x $UWSGI_THREADS threads per vassal; harakiri $UWSGI_HARAKIRI s"
unset UWSGI_TRANSPORT UWSGI_PROCESSES UWSGI_THREADS UWSGI_HARAKIRI UWSGI_MAX_WORKER_LIFETIME \
  UWSGI_BUFFER_SIZE UWSGI_LISTEN
unset UWSGI_RELOAD_ON_RSS

#!/usr/bin/env bash
# Bench variant "host": the app container's side, as user app (extras/bench/host/namespace.sh). What
# app/entrypoint.sh does, for the api vassal alone, then uWSGI with the vassal's own file as the
# emperor would start it: the emperor's `vassal-set = listen=$(VASSAL_LISTEN)` (uwsgi/emperor.ini)
# is given on the command line. No emperor and no supervisord: both are idle once the vassal runs.
set -euo pipefail

source /etc/uwsgi/knobs.sh
install -d -m 0700 /srv/data/api
# The slot's lock, held until uWSGI exits, as app/entrypoint.sh holds it for supervisord.
exec 9>>"/run/uwsgi/.$(hostname).lock"
/etc/uwsgi/traffic.py prepare
exec uwsgi --listen "$VASSAL_LISTEN" --ini /etc/uwsgi/vassals/api.ini

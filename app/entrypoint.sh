#!/usr/bin/env bash
# Checks the knobs (uwsgi/knobs.sh), fills the emperor's vassal directory (a tmpfs, empty at every
# start: compose.yaml) with the vassal files shipped in the image, gives each vassal its data
# directory on the persistent volume (/srv/data/NAME), resolves each app's settings, runs the
# extras' start-up hooks, prepares this container's slot on the socket volume (uwsgi/traffic.py),
# then becomes supervisord. Vassals added, touched or removed at runtime last until the container
# restarts; the image's uwsgi/vassals/ is what every start serves.
set -euo pipefail

# The knobs, checked and handed on as the vassals read them (also app/run.sh's environment).
source /etc/uwsgi/knobs.sh
# Under `make dev` the emperor watches the mounted uwsgi/vassals/ itself (VASSALS_DIR).
vassals=${VASSALS_DIR:-/run/vassals}
if [[ -z ${VASSALS_DIR:-} ]]; then
  cp /etc/uwsgi/vassals/*.ini /run/vassals/
fi
# Each vassal's own data directory on the persistent volume (its DATA_DIR), private to the app user.
for ini in "$vassals"/*.ini; do
  name=$(basename "$ini" .ini)
  install -d -m 0700 "/srv/data/$name"
done
# Each app's own settings (app/settings.sh), resolved into $APP_SETTINGS_DIR/NAME.env for its
# vassal, gunicorn program and release step; then gone from the environment every app inherits.
source /usr/local/lib/app-settings.sh
settings_check_overrides
install -d -m 0700 "$APP_SETTINGS_DIR"
for dir in /srv/app/*/; do
  name=$(basename "$dir")
  install -m 0600 /dev/null "$APP_SETTINGS_DIR/$name.env"
  app_settings "$name" >"$APP_SETTINGS_DIR/$name.env"
done
settings_unset_overrides
# The extras' start-up hooks (extras/NAME/app/etc/entrypoint.d/*.sh, laid into the image), once the
# vassal files are in place, sourced so they can use knob_fail and from_file and export what
# supervisord needs. Each may put a supervisord section in /tmp/supervisor.d/ (made by knobs.sh) or
# an app's program in /run/vassals/, which supervisord.conf includes. A hook that fails stops the
# container, and this says which.
trap 'echo "app: start-up hook $hook failed" >&2' ERR
for hook in /etc/entrypoint.d/*.sh; do
  [[ -e $hook ]] || continue
  # shellcheck source=/dev/null
  source "$hook"
done
trap - ERR
# MAIN_APP and the apps of APP_HOSTS (nginx checks the rest) are apps of this image: a vassal file,
# or a program of its own. MAIN_APP=main needs none: / then answers 404 without it.
main_app=${MAIN_APP:-main}
app_names=$(for entry in ${APP_HOSTS:-}; do echo "${entry%%=*}"; done)
[[ $main_app == main ]] || app_names+=$'\n'$main_app
for name in $app_names; do
  [[ -e $vassals/$name.ini || -e /run/vassals/$name.conf ]] ||
    knob_fail "$([[ $name == "$main_app" ]] && echo MAIN_APP || echo APP_HOSTS) names $name, which is no app here (apps: $(cd "$vassals" && ls -- *.ini | sed 's/\.ini$//' | xargs))"
done
# Held by supervisord (exec keeps fd 9 open) until the container ends: other containers sharing
# the volume never prune a slot whose container is alive (uwsgi/traffic.py).
exec 9>>"/run/uwsgi/.$(hostname).lock"
uwsgi-traffic prepare
exec "$@"

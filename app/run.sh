#!/usr/bin/env bash
# `make run NAME=blog ARGS="…"` (scripts/run): a one-off command for app NAME, in a container of
# its own, with the environment its vassal has: the knobs as uwsgi/knobs.sh hands them on,
# DATABASE_URL (or its _FILE), its own settings (app/settings.sh), VASSAL_NAME and DATA_DIR
# (uwsgi/vassal-defaults.ini). Also its virtualenv's bin/ first on PATH (an app's own,
# /opt/venvs/NAME, or the shared one) and /srv/app on PYTHONPATH, as the vassal's pythonpath; in
# /srv/app, as the user app. Exits with the command's code. app/release.sh runs release steps
# through it.
set -euo pipefail

name=${1:-}
[[ $name =~ ^[a-z0-9][a-z0-9_-]*$ && -d /srv/app/$name ]] || {
  echo "run: no app '$name' in this image (an app is a package in app/, e.g. NAME=main)" >&2
  exit 2
}
shift
(($#)) || {
  echo "run: give the command to run, e.g. make run NAME=$name ARGS='python -c \"import $name\"'" >&2
  exit 2
}
# Its line about the knobs goes to stderr: stdout is the command's.
source /etc/uwsgi/knobs.sh >&2
# The app's own settings (app/settings.sh), and no other app's. In the app container (its release
# step, an exec) as the entrypoint resolved them: the overrides are gone from its environment.
source /usr/local/lib/app-settings.sh
if [[ -r $APP_SETTINGS_DIR/$name.env ]]; then
  settings=$(<"$APP_SETTINGS_DIR/$name.env")
else
  settings_check_overrides
  settings=$(app_settings "$name")
fi
settings_unset_overrides
while IFS= read -r setting; do
  [[ -z $setting ]] || export "${setting?}"
done <<<"$settings"
export VASSAL_NAME=$name DATA_DIR=/srv/data/$name
install -d -m 0700 "$DATA_DIR"
VIRTUAL_ENV=/opt/venv
[[ ! -d /opt/venvs/$name ]] || VIRTUAL_ENV=/opt/venvs/$name
export VIRTUAL_ENV PATH=$VIRTUAL_ENV/bin:$PATH PYTHONPATH=/srv/app
cd /srv/app
exec "$@"

#!/usr/bin/env bash
# app-release NAME: app NAME's release step, app/NAME/release (its migrations: docs/apps.md,
# "Release step"). A vassal's master runs it before its workers start (uwsgi/vassal-defaults.ini),
# a gunicorn app's master before gunicorn's (extras/gunicorn). It runs as `make run` runs a command
# (app/run.sh: the app's settings, virtualenv and /srv/app), one container at a time: it holds a
# lock in the app's data directory, on the volume both containers of a deploy share. Every line it
# prints goes to the log marked "[NAME] release:". Exits with the step's code.
set -euo pipefail

name=$1
step=/srv/app/$name/release
say() { echo "[$name] release: $*" >&2; }
[[ -x $step ]] || {
  say "app/$name/release is not executable: chmod +x it (git keeps the bit)"
  exit 1
}
say "running app/$name/release, one container at a time"
set +e
app-run "$name" flock "/srv/data/$name/.release.lock" "$step" 2>&1 | sed -u "s/^/[$name] release: /" >&2
code=${PIPESTATUS[0]}
set -e
say "app/$name/release exited $code"
exit "$code"

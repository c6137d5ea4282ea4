#!/usr/bin/env bash
# Checks the knobs (uwsgi/knobs.sh, supervisor/ui-setup.sh), fills the emperor's vassal directory (a
# tmpfs, empty at every start: compose.yaml) with the vassal files shipped in the image, gives each
# vassal its data directory on the persistent volume (/srv/data/NAME), prepares this container's
# slot on the socket volume (uwsgi/traffic.py), then becomes supervisord. Vassals added, touched or removed at runtime last until the container
# restarts; the image's uwsgi/vassals/ is what every start serves.
set -euo pipefail

source /etc/uwsgi/knobs.sh
/etc/supervisor/ui-setup.sh  # supervisord's web UI and XML-RPC, opt-in: SUPERVISOR_UI

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
uwsgi-traffic prepare
exec "$@"

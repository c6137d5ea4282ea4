#!/usr/bin/env bash
# Fills the emperor's vassal directory (a tmpfs, empty at every start: compose.yaml) with the vassal
# files shipped in the image, prepares this container's slot on the socket volume (uwsgi/traffic.py),
# then becomes supervisord. Vassals added, touched or removed at runtime last until the container
# restarts; the image's uwsgi/vassals/ is what every start serves.
set -euo pipefail

# Under `make dev` the emperor watches the mounted uwsgi/vassals/ itself (VASSALS_DIR).
if [[ -z ${VASSALS_DIR:-} ]]; then
  cp /etc/uwsgi/vassals/*.ini /run/vassals/
fi
uwsgi-traffic prepare
exec "$@"

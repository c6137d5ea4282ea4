#!/usr/bin/env bash
# Resets the emperor's writable vassal directory (a volume: the root filesystem is read-only) to the
# vassal files shipped in the image, then becomes supervisord. Vassals added, touched or removed at
# runtime last until the container restarts; the image's uwsgi/vassals/ is what every start serves.
set -euo pipefail

chmod 0750 /run/vassals
find /run/vassals -mindepth 1 -delete
cp /etc/uwsgi/vassals/*.ini /run/vassals/
exec "$@"

#!/usr/bin/env bash
# Copies the shipped vassal files into the emperor's writable directory (a tmpfs: the root filesystem
# is read-only), so a vassal can be added, touched or removed at runtime, then becomes supervisord.
set -euo pipefail

cp /etc/uwsgi/vassals/*.ini /run/vassals/
exec "$@"

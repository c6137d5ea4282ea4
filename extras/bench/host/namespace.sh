#!/usr/bin/env bash
# Bench variant "host" (extras/bench/host.py): nginx and the api vassal as plain host processes, with the
# shipped config unchanged. Run as root by extras/bench/host.py inside private mount, UTS and PID
# namespaces (unshare), where bind mounts and tmpfs put the repo's files at the paths the images
# have them at, and tmpfs where the containers have a volume or a tmpfs. Nothing here is visible
# outside the namespace; it all goes when its last process exits.
# Usage: namespace.sh STAGE VENV SLOT  (STAGE: extras/bench/host.py's temp dir with etc-nginx/, passwd, group)
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
stage=$1 venv=$2 slot=$3

# The container's hostname is its slot's name: the vassal's %h (uwsgi/vassal-defaults.ini).
hostname "$slot"
# /proc of this PID namespace: uWSGI and nginx read their own entries.
mount -t proc proc /proc
# What this needs from the host, first, under /run/bench (IN_NAMESPACE in extras/bench/host.py): the repo,
# the stage and the venv may all be under /tmp, which a tmpfs covers below (seen: a clone under
# /tmp). /run itself is the app container's tmpfs stand-in (below).
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/bench/root /run/bench/stage /run/bench/venv
mount --bind -o ro "$root" /run/bench/root
mount --bind -o ro "$stage" /run/bench/stage
mount --bind -o ro "$venv" /run/bench/venv
root=/run/bench/root stage=/run/bench/stage venv=/run/bench/venv
# /etc/nginx as nginx/Dockerfile makes it: Debian's mime.types and uwsgi_params, the repo's nginx/
# files, listen.conf swapped for extras/bench/nginx-variants/host.listen.conf (symlinks, made by
# extras/bench/host.py).
mount --bind -o ro "$stage/etc-nginx" /etc/nginx
# /etc/uwsgi as app/Dockerfile makes it (the repo's uwsgi/ holds more files; nothing includes them).
mount --bind -o ro "$root/uwsgi" /etc/uwsgi
# The host's users and groups plus the images' app (10001) and sockets (10500, www-data in it).
mount --bind -o ro "$stage/passwd" /etc/passwd
mount --bind -o ro "$stage/group" /etc/group
# One /tmp for both sides (the containers have one each, mode 0700): nginx renders /tmp/nginx there,
# uwsgi/knobs.sh makes /tmp/supervisor.d.
mount -t tmpfs -o mode=1777 tmpfs /tmp
# /srv/app: the code, read-only; /srv/data: the data volume's stand-in.
mount -t tmpfs -o mode=0755 tmpfs /srv
mkdir /srv/app
mount --bind -o ro "$root/app" /srv/app
install -d -o app -g app -m 0750 /srv/data
# /opt/venv: the host's virtualenv of app/requirements.txt (extras/bench/host.py); no /opt/venvs, as in the
# image when no app has its own pins.
mount -t tmpfs -o mode=0755 tmpfs /opt
mkdir /opt/venv
mount --bind -o ro "$venv" /opt/venv
# /run/uwsgi: the socket volume (owner and mode as app/Dockerfile makes it); /run/vassals: the
# app container's tmpfs (compose.yaml).
install -d -o app -g sockets -m 0750 /run/uwsgi
install -d -o app -g app -m 0750 /run/vassals

# Each side as the user its image runs as, without capabilities or a way to regain them
# (compose.yaml: cap_drop ALL, no-new-privileges).
as() {
  local user=$1
  shift
  setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs --bounding-set=-all -- "$@"
}
as app "$root/extras/bench/host/app.sh" &
as www-data "$root/nginx/entrypoint.sh" nginx &
# Either side exiting ends the variant (extras/bench/host.py sees it): the other is stopped too.
status=0
wait -n || status=$?
kill -TERM $(jobs -p) 2>/dev/null || true
wait || true
exit "$status"

# Apps served by gunicorn (extras/gunicorn), sourced by nginx/entrypoint.sh. With GUNICORN=1 and
# UWSGI_TRANSPORT=unix, nginx looks for NAME.http beside each app's socket (gunicorn.conf.py leaves
# it) and speaks HTTP to such an app, as UWSGI_TRANSPORT=http would: one more stat per request,
# only while this is on. With http, nginx speaks HTTP to every app already; nothing to do.
GUNICORN=${GUNICORN:-0}
[[ $GUNICORN =~ ^[01]$ ]] || fail "GUNICORN='$GUNICORN' must be 0 or 1"
if [[ $GUNICORN == 1 && $UWSGI_TRANSPORT == unix ]]; then
  cat "$templates/gunicorn-check.conf" /etc/nginx/transport/unix.conf >"$out/vassal.conf"
  cp "$templates/gunicorn-server.conf" "$out/server.d/"
fi
echo "nginx: gunicorn apps $([[ $GUNICORN == 1 ]] && echo on || echo off)"

# Apps served by gunicorn instead of a vassal (extras/gunicorn), sourced by app/entrypoint.sh: one
# supervisord program each, copied from /etc/supervisor/gunicorn/ (this extra's
# app/etc/supervisor/gunicorn/ in the repo) into /run/vassals, which supervisord.conf includes. An
# app is one or the other (the entrypoint's $vassals holds the vassal files), tcp cannot reach
# gunicorn, and nginx must know (GUNICORN=1).
for conf in /etc/supervisor/gunicorn/*.conf; do
  [[ -e $conf ]] || continue
  name=$(basename "$conf" .conf)
  [[ ${GUNICORN:-0} == 1 ]] ||
    knob_fail "$name is served by gunicorn ($conf) but GUNICORN is not 1: set GUNICORN=1 (extras/gunicorn/compose.yaml), so that nginx speaks HTTP to it"
  [[ ! -e $vassals/$name.ini ]] ||
    knob_fail "$name is both a vassal (uwsgi/vassals/$name.ini) and a gunicorn app ($conf): keep one"
  [[ $APP_TRANSPORT != tcp ]] ||
    knob_fail "UWSGI_TRANSPORT=tcp cannot reach $name, served by gunicorn ($conf): its router speaks only the uwsgi protocol; use unix or http"
  cp "$conf" /run/vassals/
done

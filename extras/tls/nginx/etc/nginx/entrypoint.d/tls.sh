# HTTPS (extras/tls), sourced by nginx/entrypoint.sh: on when the overlay mounted the files and
# set TLS_CERT and TLS_KEY to their paths. Checks them and the port, then renders the TLS settings
# (tls.conf.template) and the app server's HTTPS listener (tls-server.conf).
TLS_CERT=${TLS_CERT:-}
TLS_KEY=${TLS_KEY:-}
if [[ -z $TLS_CERT && -z $TLS_KEY ]]; then
  echo "nginx: HTTPS off"
  return 0
fi
for knob in TLS_CERT TLS_KEY; do
  [[ -n ${!knob} ]] || fail "$knob is not set: HTTPS needs both TLS_CERT and TLS_KEY"
done
for knob in TLS_CERT TLS_KEY; do
  file=${!knob}
  [[ -f $file ]] || fail "$knob: no file at $file (extras/tls/compose.yaml mounts the host's file there)"
  [[ -r $file ]] ||
    fail "$knob: $file is not readable by nginx's user (uid $(id -u)); on the host: chgrp $(id -g) FILE; chmod 640 FILE"
  grep -q -e '-----BEGIN ' "$file" || fail "$knob: $file is not a PEM file"
done
# A port number, 1-65535: the one clients use, for the redirect from HTTP.
HTTPS_PORT=${HTTPS_PORT:-8443}
[[ $HTTPS_PORT =~ ^[0-9]{1,5}$ ]] && ((10#$HTTPS_PORT >= 1 && 10#$HTTPS_PORT <= 65535)) ||
  fail "HTTPS_PORT='$HTTPS_PORT' is not a port number (1-65535)"
HSTS_MAX_AGE=${HSTS_MAX_AGE:-63072000}
[[ $HSTS_MAX_AGE =~ ^[0-9]{1,10}$ ]] || fail "HSTS_MAX_AGE='$HSTS_MAX_AGE' must be a number of seconds"
export TLS_CERT TLS_KEY HTTPS_PORT HSTS_MAX_AGE
envsubst '${TLS_CERT} ${TLS_KEY} ${HTTPS_PORT} ${HSTS_MAX_AGE}' <"$templates/tls.conf.template" >"$out/http.d/tls.conf"
cp "$templates/tls-server.conf" "$out/server.d/"
echo "nginx: HTTPS on, port $HTTPS_PORT"

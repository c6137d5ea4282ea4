#!/usr/bin/env bash
# Supervisor's web UI and XML-RPC, opt-in (compose.supervisor-ui.yaml; docs/supervisor-ui.md),
# called by app/entrypoint.sh. Checks the knobs and puts the file supervisord.conf includes,
# /tmp/supervisor-ui.conf, in place: supervisor/ui.conf with SUPERVISOR_UI=1, an empty file with 0
# (a missing one would make supervisord warn at every start). A bad knob stops the container with
# a line naming it. The password is never printed: supervisord reads it from the environment.
set -euo pipefail

fail() {
  echo "supervisor-ui: $*" >&2
  exit 1
}

included=/tmp/supervisor-ui.conf
case ${SUPERVISOR_UI:-0} in
  0)
    install -m 0600 /dev/null "$included"
    ;;
  1)
    [[ -n ${SUPERVISOR_USER:-} ]] || fail "SUPERVISOR_USER is empty: SUPERVISOR_UI=1 needs a user and a password in .env"
    # HTTP basic authentication splits user and password at the first colon.
    [[ $SUPERVISOR_USER != *:* ]] || fail "SUPERVISOR_USER must not contain ':'"
    [[ -n ${SUPERVISOR_PASSWORD:-} ]] || fail "SUPERVISOR_PASSWORD is empty: SUPERVISOR_UI=1 has no default password, set one in .env"
    install -m 0600 /etc/supervisor/ui.conf "$included"
    echo "supervisor-ui: web UI and XML-RPC on port 9001 for user '$SUPERVISOR_USER'"
    ;;
  *)
    fail "SUPERVISOR_UI='$SUPERVISOR_UI' must be 0 or 1"
    ;;
esac

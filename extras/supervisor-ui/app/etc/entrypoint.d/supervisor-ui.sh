# supervisord's web UI and XML-RPC, opt-in (extras/supervisor-ui/README.md): sourced by
# app/entrypoint.sh at every start. Checks the knobs and, with SUPERVISOR_UI=1, puts ui.conf where
# supervisord.conf includes it (/tmp/supervisor.d/). A bad knob stops the container with a line
# naming it. The password is never printed: supervisord reads it from the environment.

# Under Swarm the password is a secret file (SUPERVISOR_PASSWORD_FILE): entrypoint.sh's from_file.
from_file SUPERVISOR_PASSWORD
supervisor_ui_fail() {
  echo "supervisor-ui: $*" >&2
  exit 1
}
case ${SUPERVISOR_UI:-0} in
  0) ;;
  1)
    [[ -n ${SUPERVISOR_USER:-} ]] ||
      supervisor_ui_fail "SUPERVISOR_USER is empty: SUPERVISOR_UI=1 needs a user and a password in .env"
    # HTTP basic authentication splits user and password at the first colon.
    [[ $SUPERVISOR_USER != *:* ]] || supervisor_ui_fail "SUPERVISOR_USER must not contain ':'"
    [[ -n ${SUPERVISOR_PASSWORD:-} ]] ||
      supervisor_ui_fail "SUPERVISOR_PASSWORD is empty: SUPERVISOR_UI=1 has no default password, set one in .env"
    install -m 0600 /etc/supervisor/ui.conf /tmp/supervisor.d/ui.conf
    echo "supervisor-ui: web UI and XML-RPC on port 9001 for user '$SUPERVISOR_USER'"
    ;;
  *) supervisor_ui_fail "SUPERVISOR_UI='$SUPERVISOR_UI' must be 0 or 1" ;;
esac

# The metrics exporter, opt-in (extras/metrics/README.md): sourced by app/entrypoint.sh at every
# start. With METRICS=1, puts its program where supervisord.conf includes it; a bad value stops the
# container with a line naming it.
case ${METRICS:-0} in
  0) ;;
  1) install -m 0600 /etc/supervisor/metrics.conf /tmp/supervisor.d/metrics.conf ;;
  *)
    echo "metrics: METRICS='$METRICS' must be 0 or 1" >&2
    exit 1
    ;;
esac

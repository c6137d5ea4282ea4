# The metrics server, opt-in (extras/metrics/README.md): sourced by nginx/entrypoint.sh, which
# provides fail and $out. With METRICS=1, nginx listens on 9117 for the scrape.
case ${METRICS:-0} in
  0) ;;
  1)
    cp /etc/nginx/metrics.conf "$out/http.d/metrics.conf"
    echo "nginx: metrics on port 9117"
    ;;
  *) fail "METRICS='$METRICS' must be 0 or 1" ;;
esac

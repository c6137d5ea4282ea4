# Metrics for Prometheus (extras/metrics/README.md): with METRICS set to anything but 0 (the
# containers accept only 1 and name a bad value), `make` adds the overlay that publishes nginx's
# scrape target on 127.0.0.1:METRICS_PORT.
SCRIPT_KNOBS += METRICS
EXTRA_LINTS += lint-metrics
ifneq ($(filter-out 0,$(METRICS)),)
OVERLAYS += extras/metrics/compose.yaml
UP_NOTES += metrics-url
endif

.PHONY: metrics-url
metrics-url:
	@echo "Metrics: http://$$($(COMPOSE) port nginx 9117)/metrics"

.PHONY: lint-metrics
lint-metrics: tools ## Check the metrics overlay
	METRICS=1 $(COMPOSE) -f compose.yaml -f extras/metrics/compose.yaml config --quiet

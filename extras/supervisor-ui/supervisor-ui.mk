# supervisord's web UI and XML-RPC (extras/supervisor-ui/README.md): with SUPERVISOR_UI set to
# anything but 0 (the container accepts only 1 and names a bad value), `make` adds the overlay that
# publishes it on 127.0.0.1 and passes the credentials (under Swarm too, with extras/swarm).
SCRIPT_KNOBS += SUPERVISOR_UI
EXTRA_LINTS += lint-supervisor-ui
ifneq ($(filter-out 0,$(SUPERVISOR_UI)),)
OVERLAYS += extras/supervisor-ui/compose.yaml
UP_NOTES += supervisor-ui-url
endif

.PHONY: supervisor-ui-url
supervisor-ui-url:
	@echo "Supervisor: http://$$($(COMPOSE) port app 9001)/"

.PHONY: lint-supervisor-ui
lint-supervisor-ui: tools ## Check the web UI's overlay, under Compose and under Swarm
	SUPERVISOR_UI=1 $(COMPOSE) -f compose.yaml -f extras/supervisor-ui/compose.yaml config --quiet
	$(if $(SWARM_CONFIG),UWSGI_TRANSPORT=tcp SUPERVISOR_UI=1 \
		COMPOSE_FILE=compose.yaml:extras/supervisor-ui/compose.yaml $(SWARM_CONFIG))

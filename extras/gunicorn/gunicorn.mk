# Apps served by gunicorn instead of a uWSGI vassal (extras/gunicorn/README.md): with GUNICORN=1
# (.env or the command line), `make` adds the overlay that tells both containers; `make new-app
# NAME=… SERVER=gunicorn` writes a program into app/etc/supervisor/gunicorn/ here.
GUNICORN_PROGRAM_DIR := extras/gunicorn/app/etc/supervisor/gunicorn
EXTRA_LINTS += lint-gunicorn
APP_FILES += $(GUNICORN_PROGRAM_DIR)/*.conf
ifeq ($(GUNICORN),1)
OVERLAYS += extras/gunicorn/compose.yaml
else ifneq ($(wildcard $(GUNICORN_PROGRAM_DIR)/*.conf),)
$(warning $(GUNICORN_PROGRAM_DIR)/ holds programs but GUNICORN is not 1: the app container will refuse to start; set GUNICORN=1 in .env)
endif

.PHONY: lint-gunicorn
lint-gunicorn: tools ## Check the gunicorn overlay
	$(COMPOSE) -f compose.yaml -f extras/gunicorn/compose.yaml config --quiet

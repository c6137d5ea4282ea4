# HTTPS in nginx (extras/tls/README.md): with TLS_CERT set (.env or the environment), `make` adds
# the overlay that mounts the certificate and key and publishes HTTPS_PORT.
EXTRA_LINTS += lint-tls
ifneq ($(TLS_CERT),)
OVERLAYS += extras/tls/compose.yaml
UP_NOTES += https-url
endif
# `make cert` writes a self-signed certificate for localhost here.
TLS_DIR ?= .tools/tls

.PHONY: https-url
https-url:
	@echo "HTTPS: https://$$($(COMPOSE) port nginx 8443)/"

.PHONY: cert
cert: ## Make a self-signed certificate for localhost and 127.0.0.1 in .tools/tls/, to try HTTPS
	@command -v openssl >/dev/null || { echo "make cert needs openssl (Debian: apt-get install openssl)" >&2; exit 1; }
	@mkdir -p $(TLS_DIR)
	@if [ ! -s $(TLS_DIR)/localhost.crt ]; then \
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
			-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout $(TLS_DIR)/localhost.key -out $(TLS_DIR)/localhost.crt 2>/dev/null; \
		chmod 644 $(TLS_DIR)/localhost.key; \
	fi
	@# 644: nginx reads the key as www-data (uid 33). Fine for a throwaway localhost key; a real key:
	@# chgrp 33 and chmod 640 (extras/tls/README.md).
	@echo "In .env: TLS_CERT=$(TLS_DIR)/localhost.crt and TLS_KEY=$(TLS_DIR)/localhost.key, then make up"

.PHONY: lint-tls
lint-tls: tools ## Check the HTTPS overlay
	TLS_CERT=/dev/null TLS_KEY=/dev/null $(COMPOSE) -f compose.yaml -f extras/tls/compose.yaml config --quiet

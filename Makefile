# The stack's everyday commands. `make` alone lists them.
# Every target installs or builds what it needs first: the tool virtualenv (.tools/venv, with
# Compose v2 where `docker compose` is missing), the Debian base image where it cannot be pulled.
.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# Knobs shared with compose.yaml come from .env when there is one (see .env.example).
-include .env
# Knobs read by scripts (scripts/deploy, scripts/base-image.sh, an extra's) rather than by
# Compose: passed on when set, in .env or on the command line; unset, each script's default holds.
SCRIPT_KNOBS := DEPLOY_HEALTH_TIMEOUT DEBIAN_MIRROR UWSGI_TRANSPORT BACKUP_DIR FORCE
BASE_IMAGE ?= debian:trixie-slim
# The app image's Python: the python3 of the Debian release that ships it (X.Y:RELEASE), whose
# image the app image starts from (APP_BASE_IMAGE; BASE_IMAGE when it is that release already).
# `make requirements` pins for it too, whatever Python the host runs. A suite the mirror serves
# may be added; the build checks that its python3 is X.Y.
PYTHON_VERSION ?= 3.13
PYTHON_RELEASES := 3.11:bookworm 3.13:trixie
PYTHON_RELEASE := $(patsubst $(PYTHON_VERSION):%,%,$(filter $(PYTHON_VERSION):%,$(PYTHON_RELEASES)))
ifeq ($(PYTHON_RELEASE),)
$(error PYTHON_VERSION=$(PYTHON_VERSION) is not one Debian ships here; supported: $(PYTHON_RELEASES) (docs/apps.md, "Python"))
endif
APP_BASE_IMAGE ?= $(if $(findstring :$(PYTHON_RELEASE)-,$(BASE_IMAGE)),$(BASE_IMAGE),debian:$(PYTHON_RELEASE)-slim)
export PYTHON_VERSION APP_BASE_IMAGE
PYTEST_ARGS ?=
VENV := .tools/venv
COMPOSE := scripts/compose
PYTEST := $(VENV)/bin/pytest
# The stack tests and the bench run a checkout of their own: this one with the suite's apps
# (tests/apps/) in place of app/'s and uwsgi/vassals/', so that your apps never decide whether the
# stack passes (tests/stack/copies.py writes it). Its images are tagged SUITE_TAG.
SUITE := .tools/suite
SUITE_TAG := test
SUITE_PROJECT := wsgi-stack-suite
SUITE_COMPOSE := $(COMPOSE) --project-directory $(SUITE) --project-name $(SUITE_PROJECT) -f $(SUITE)/compose.yaml
# What `make requirements` pins: for the app image's Python (IMAGE_PINS) or the host's (HOST_PINS).
IMAGE_PINS := app/requirements $(patsubst %.in,%,$(wildcard app/*/requirements.in))
HOST_PINS := tests/requirements

# Optional capabilities, one folder each (extras/NAME/): its fragment adds targets, and names what
# the core's targets should also do: EXTRA_LINTS (steps of `make lint`), TEST_NEEDS (prerequisites
# of `make test`), OVERLAYS, UP_NOTES, SCRIPT_KNOBS, IMAGE_PINS and HOST_PINS. Deleting the folder
# removes them all.
EXTRA_LINTS :=
TEST_NEEDS :=
# Opt-in overlays, Compose files read after compose.yaml unless COMPOSE_FILE already says which
# files to read: what the extras that are on add.
OVERLAYS :=
# Targets `make up` runs once the stack is healthy, each printing a line (a URL).
UP_NOTES :=
# The files that declare an app, one per app named after it: what `make urls` lists.
APP_FILES := uwsgi/vassals/*.ini

# A TLS-inspecting proxy's CA certificates, added on this host, are handed to the image build as a
# build secret (compose.yaml: extra_ca). Absent on ordinary hosts.
HOST_EXTRA_CAS := $(wildcard /usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt)
ifneq ($(HOST_EXTRA_CAS),)
EXTRA_CA_FILE ?= $(CURDIR)/.tools/extra-ca.pem
export EXTRA_CA_FILE
endif

include $(wildcard extras/*/*.mk)
export $(filter $(SCRIPT_KNOBS),$(.VARIABLES))
# Your own overlay last, where plain `docker compose` reads it too (e.g. an app's secrets:
# docs/apps.md, "Settings").
OVERLAYS += $(wildcard compose.override.yaml)
# The Compose files of the extras that are on and yours; `make compose-file` writes them into .env
# for plain `docker compose`.
space := $(subst ,, )
EXTRAS_COMPOSE_FILE := $(subst $(space),:,compose.yaml $(strip $(OVERLAYS)))
ifneq ($(strip $(OVERLAYS)),)
COMPOSE_FILE ?= $(EXTRAS_COMPOSE_FILE)
endif
# Compose reads it from .env by itself; a script (an extra's) reads it from the environment.
ifdef COMPOSE_FILE
export COMPOSE_FILE
endif

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-19s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: tests/requirements.txt
	@command -v docker >/dev/null || { echo "docker not found: install Docker Engine first" >&2; exit 1; }
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r tests/requirements.txt
	@touch $@

.tools/extra-ca.pem: $(HOST_EXTRA_CAS)
	@mkdir -p .tools
	cat $^ > $@

.PHONY: tools
tools: $(VENV)/.installed $(if $(HOST_EXTRA_CAS),.tools/extra-ca.pem) ## Install the host-side tools (.tools/venv: Compose v2, pytest, linters)

.PHONY: base-image
base-image: ## Make sure $BASE_IMAGE and $APP_BASE_IMAGE exist: pull them, or build them from Debian's archive
	for image in $(sort $(BASE_IMAGE) $(APP_BASE_IMAGE)); do scripts/base-image.sh $$image; done

.PHONY: build
build: tools base-image ## Build the app and nginx images
	$(COMPOSE) build
	@# A rebuilt image leaves the one it replaced untagged: remove this project's dangling images
	@# (Compose labels what it builds with the project; an image a container still uses stays).
	docker image prune --force --filter "label=com.docker.compose.project=$$($(COMPOSE) config | sed -n 's/^name: //p')"

.PHONY: up
up: build ## Start the stack, wait until it is healthy, print its URLs; fails naming any app that does not answer
	$(COMPOSE) up --detach --wait || { scripts/broken-apps; exit 1; }
	@$(MAKE) --no-print-directory urls
	@$(if $(UP_NOTES),$(MAKE) --no-print-directory $(UP_NOTES))
	@scripts/broken-apps

.PHONY: urls
urls: tools ## Print every app's URL (uwsgi/vassals/*.ini and the extras' apps): MAIN_APP at /, the others at /apps/NAME/, and APP_HOSTS'
	@address=$$($(COMPOSE) port nginx 8080); \
	names=$$(for app in $(APP_FILES); do if [ -e "$$app" ]; then basename "$${app%.*}"; fi; done | sort -u); \
	main=$(or $(MAIN_APP),main); \
	echo "Up: one URL per app"; \
	if echo "$$names" | grep -qx "$$main"; then echo "  http://$$address/  ($$main)"; fi; \
	for name in $$names; do if [ "$$name" != "$$main" ]; then echo "  http://$$address/apps/$$name/  ($$name)"; fi; done; \
	for entry in $(APP_HOSTS); do \
	  for host in $$(echo "$${entry#*=}" | tr , ' '); do echo "  http://$$host:$${address##*:}/  ($${entry%%=*}, on its own host)"; done; \
	done

# SERVER=gunicorn: served by gunicorn instead of a vassal (extras/gunicorn).
SERVER ?= uwsgi
.PHONY: new-app
new-app: ## Scaffold an app: make new-app NAME=blog [SERVER=gunicorn] (app/NAME/, its vassal or gunicorn program with GUNICORN=1, a unit test; never overwrites)
	@if [ -z "$(NAME)" ]; then echo "make new-app: give the app's name, e.g. make new-app NAME=blog" >&2; exit 2; fi
	@scripts/new-app --server "$(SERVER)" -- "$(NAME)"

# `make dev`: compose.dev.yaml on top of the extras' overlays, named explicitly (it is never merged
# by itself).
DEV_COMPOSE := $(COMPOSE) $(addprefix -f ,compose.yaml $(OVERLAYS) compose.dev.yaml)

.PHONY: dev
dev: build ## Start the stack for development: app/ and uwsgi/vassals/ mounted and live-reloaded, Flask debug, loopback only
	$(DEV_COMPOSE) up --detach --wait
	@echo "Dev: http://$$($(DEV_COMPOSE) port nginx 8080)/ serves app/ as you save it; \`make up\` goes back to the image"

# `make run NAME=blog ARGS="flask --app blog routes"`: ARGS is split by the shell, quotes apply.
.PHONY: run
run: tools ## Run a command as app NAME runs, in a container of its own: make run NAME=blog ARGS="…"
	$(if $(and $(NAME),$(ARGS)),,@echo 'make run: give the app and the command, e.g. make run NAME=main ARGS="python -m main"' >&2; exit 2)
	@scripts/run $(NAME) $(ARGS)

.PHONY: compose-file
compose-file: ## Write COMPOSE_FILE into .env for the extras that are on, so that plain docker compose reads what make reads
	@touch .env
	@sed -i '/^COMPOSE_FILE=/d' .env
	@if [ -n "$(strip $(OVERLAYS))" ]; then echo 'COMPOSE_FILE=$(EXTRAS_COMPOSE_FILE)' >> .env; fi
	@grep '^COMPOSE_FILE=' .env || echo "No extra with an overlay is on: plain docker compose reads compose.yaml"

.PHONY: down
down: tools ## Stop and remove the stack's containers (volumes are kept)
	$(COMPOSE) down --remove-orphans

.PHONY: logs
logs: tools ## Follow every container's logs
	$(COMPOSE) logs --follow --tail=100

.PHONY: ps
ps: tools ## Show the containers and their health
	$(COMPOSE) ps --all

.PHONY: status
status: tools ## Show supervisord's programs inside the app container
	$(COMPOSE) exec app supervisorctl status

# `make supervisorctl ARGS="restart uwsgi-emperor"`: any supervisorctl command, through the container's
# own unix socket (no web UI needed); `status` without ARGS.
.PHONY: supervisorctl
supervisorctl: tools ## Run supervisorctl in the app container: make supervisorctl ARGS="tail uwsgi-emperor"
	$(COMPOSE) exec app supervisorctl $(or $(ARGS),status)

# `make top TOP_ARGS=--once` prints the table once (uwsgi-top --help).
TOP_ARGS ?=
.PHONY: top
top: tools ## Watch every vassal's workers live (requests, rates, respawns) from uWSGI's stats sockets
	$(COMPOSE) exec app uwsgi-top $(TOP_ARGS)

.PHONY: reload
reload: tools ## Reload every app's code without failing a request (vassals one worker at a time)
	@# The vassal files are in /run/vassals, or under `make dev` in VASSALS_DIR; the touch files
	@# (touch-chain-reload) always in /run/vassals. An app served by a program of its own
	@# (/run/vassals/NAME.conf, e.g. gunicorn's) reloads on HUP.
	$(COMPOSE) exec app sh -c 'for ini in $${VASSALS_DIR:-/run/vassals}/*.ini; do name=$${ini##*/}; touch "/run/vassals/$${name%.ini}.reload"; done'
	$(COMPOSE) exec app sh -c 'for conf in /run/vassals/*.conf; do [ -e "$$conf" ] || continue; sed -n "s/^\[program:\(.*\)\]$$/\1/p" "$$conf" | xargs -r -n1 supervisorctl signal HUP; done'

.PHONY: deploy
deploy: tools base-image ## Swap a new app image in under load, no request failed (builds the source unless IMAGE_TAG is given)
ifeq ($(filter command line environment,$(origin IMAGE_TAG)),)
	$(COMPOSE) build app
endif
	scripts/deploy

.PHONY: rollback
rollback: tools ## Swap the image that served before the last deploy back in, the same way
	scripts/deploy --rollback

# The test stacks start from the images built here, in SUITE (they never build the same source
# again: each Compose project's build would leave the previous image dangling). Its images are
# tagged SUITE_TAG, an extra's TEST_NEEDS too.
test test-fast test-images: export IMAGE_TAG := $(SUITE_TAG)
.PHONY: test-images
test-images: tools base-image ## Write the suite's checkout (.tools/suite) and build the images the tests start from
	$(VENV)/bin/python tests/stack/copies.py $(SUITE)
	$(SUITE_COMPOSE) build
	docker image prune --force --filter label=com.docker.compose.project=$(SUITE_PROJECT)

.PHONY: test
test: test-images $(TEST_NEEDS) ## Run every test: the apps' unit tests, then the real stack under a throwaway project
	$(PYTEST) $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: test-images $(TEST_NEEDS) ## Run every test but the slow fault and load tests (-m "not slow")
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

.PHONY: test-unit
test-unit: tools ## Run the unit tests only (no Docker): the apps', the scripts' and the extras'
	$(PYTEST) -m "not stack and not slow" app tests/unit $(wildcard extras/*/tests) $(PYTEST_ARGS)

.PHONY: lint
lint: tools $(EXTRA_LINTS) ## Lint the Python, the Dockerfiles, compose.yaml, and each extra's own
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint app/Dockerfile nginx/Dockerfile
	$(COMPOSE) -f compose.yaml config --quiet
	$(DEV_COMPOSE) config --quiet

.PHONY: requirements
requirements: tools ## Re-pin every requirements.txt (versions and hashes) from its requirements.in
	@# What runs in an image (the shared venv, each app's own, an extra's image) is pinned for the
	@# image's Python and platform; the host-side tools for the host's python3 (scripts/pin).
	for pins in $(IMAGE_PINS); do scripts/pin --image $(PYTHON_VERSION) $$pins.in $$pins.txt; done
	for pins in $(HOST_PINS); do scripts/pin $$pins.in $$pins.txt; done

# `make backup` while serving; `make restore FILE=backups/wsgi-stack-….tar.gz` (FORCE=1: no
# question over a running stack). docs/data.md, "Backups".
.PHONY: backup
backup: tools ## Archive the apps' data (and PostgreSQL's, with db) while serving: backups/wsgi-stack-DATE.tar.gz
	@scripts/backup

.PHONY: restore
restore: tools ## Put a backup back: make restore FILE=… (asks first over a running stack; FORCE=1 does not)
	$(if $(FILE),,@echo 'make restore: give the archive, e.g. make restore FILE=backups/wsgi-stack-20261208T010000Z.tar.gz' >&2; exit 2)
	@scripts/restore "$(FILE)"

.PHONY: clean
clean: ## Remove the stack, its volumes and images, the tests' images, and the tool virtualenv
	if [ -x $(VENV)/bin/python ]; then $(COMPOSE) down --volumes --remove-orphans --rmi all; fi
	@# The tests' images, unless .tools is a link to another checkout's (a test's copy of this one).
	if [ -d $(SUITE) ] && [ ! -L .tools ]; then IMAGE_TAG=$(SUITE_TAG) $(SUITE_COMPOSE) down --rmi all; fi
	rm -rf .tools .pytest_cache .ruff_cache

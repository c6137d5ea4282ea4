# PostgreSQL (extras/postgres/README.md): with `db` in COMPOSE_PROFILES (make db-password puts it
# in .env), `make` adds the overlay that defines the service; extras/swarm's script then reads its
# compose.swarm.yaml too.
EXTRA_LINTS += lint-postgres
TEST_NEEDS += postgres-image
comma := ,
ifneq ($(filter db,$(subst $(comma), ,$(COMPOSE_PROFILES))),)
OVERLAYS += extras/postgres/compose.yaml
endif
POSTGRES_COMPOSE := $(COMPOSE) -f compose.yaml -f extras/postgres/compose.yaml --profile db

.PHONY: db-password
db-password: ## Turn PostgreSQL on in .env: a random POSTGRES_PASSWORD, DATABASE_URL, COMPOSE_PROFILES=db
	@touch .env
	@grep -q '^POSTGRES_PASSWORD=.' .env \
		|| echo "POSTGRES_PASSWORD=$$(python3 -c 'import secrets; print(secrets.token_hex(24))')" >> .env
	@grep -q '^DATABASE_URL=' .env \
		|| echo 'DATABASE_URL=postgresql://app:$${POSTGRES_PASSWORD}@postgres:5432/app' >> .env
	@grep -q '^COMPOSE_PROFILES=' .env || echo 'COMPOSE_PROFILES=db' >> .env
	@grep -E '^(COMPOSE_PROFILES|DATABASE_URL)=' .env
	@echo "POSTGRES_PASSWORD is in .env; make up starts PostgreSQL when COMPOSE_PROFILES names db"

.PHONY: psql
psql: tools ## Open psql on the app's database as the superuser (COMPOSE_PROFILES=db)
	$(COMPOSE) exec postgres psql --dbname=app

# The test stacks start from built images (test-images says why).
.PHONY: postgres-image
postgres-image: tools base-image
	$(POSTGRES_COMPOSE) build postgres

.PHONY: lint-postgres
lint-postgres: tools ## Check PostgreSQL's Dockerfile and overlay, under Compose and under Swarm
	$(VENV)/bin/hadolint extras/postgres/Dockerfile
	$(POSTGRES_COMPOSE) config --quiet
	$(if $(SWARM_CONFIG),UWSGI_TRANSPORT=tcp COMPOSE_PROFILES=db \
		COMPOSE_FILE=compose.yaml:extras/postgres/compose.yaml $(SWARM_CONFIG))

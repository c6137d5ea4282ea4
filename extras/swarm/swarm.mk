# Docker Swarm (extras/swarm/README.md): compose.yaml, the extras' overlays that are on and this
# folder's compose.swarm.yaml, merged by Compose and deployed by extras/swarm/swarm as the stack
# SWARM_STACK (wsgi-stack), nginx on HTTP_PORT of every address. The images are this machine's (no
# registry needed on a single node).
SCRIPT_KNOBS += SWARM_STACK
EXTRA_LINTS += lint-swarm

.PHONY: swarm-up
swarm-up: build ## Deploy the stack on Docker Swarm and wait until healthy (a single-node swarm is made if none)
	extras/swarm/swarm up

.PHONY: swarm-down
swarm-down: tools ## Remove the Swarm stack (its volumes are kept; the swarm too)
	extras/swarm/swarm down

# What extras/swarm/swarm deploys, both topologies, read by the docker CLI's own stack loader (no
# swarm needed): it rejects what `docker stack deploy` would. An extra with a compose.swarm.yaml
# checks its own with SWARM_CONFIG, while this extra is there.
SWARM_CONFIG := extras/swarm/swarm config | docker stack config --compose-file - >/dev/null

.PHONY: lint-swarm
lint-swarm: tools ## Check what make swarm-up deploys, in both topologies
	$(SWARM_CONFIG)
	UWSGI_TRANSPORT=tcp $(SWARM_CONFIG)

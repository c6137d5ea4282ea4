# make bench (extras/bench/README.md): the stack against the same config as plain host processes,
# and against its alternatives. wrk drives it, and its smoke test in `make test`.
SCRIPT_KNOBS += BENCH_SECONDS BENCH_ROUNDS BENCH_CONNECTIONS BENCH_THREADS BENCH_VARIANTS BENCH_REBUILD
IMAGE_PINS += extras/bench/gunicorn/requirements
HOST_PINS += extras/bench/requirements
EXTRA_LINTS += lint-bench
TEST_NEEDS += wrk

$(VENV)/.bench-installed: $(VENV)/.installed extras/bench/requirements.txt
	$(VENV)/bin/pip install --quiet --require-hashes -r extras/bench/requirements.txt
	@touch $@

.PHONY: wrk
wrk: ## Install wrk (Debian's package), the load generator of `make bench` and its smoke test
	@command -v wrk >/dev/null || scripts/apt-install wrk

.PHONY: bench
# The bench serves the suite's api app (tests/apps/), from the suite's checkout and images.
bench: export IMAGE_TAG := $(SUITE_TAG)
bench: test-images wrk $(VENV)/.bench-installed ## Benchmark the stack against the bare host and its alternatives (BENCH_SECONDS=2 BENCH_ROUNDS=1 for a quick look)
	@# The bench image (gunicorn, gevent), built FROM the app image; the bench's stacks never build.
	$(SUITE_COMPOSE) -f $(SUITE)/extras/bench/compose.gunicorn.yaml build app
	$(VENV)/bin/python extras/bench/bench.py

.PHONY: lint-bench
lint-bench: tools ## Lint the bench image's Dockerfile
	$(VENV)/bin/hadolint extras/bench/gunicorn/Dockerfile

# Kubernetes (extras/k8s/README.md): `make lint` validates the manifests offline.
# The Kubernetes versions extras/k8s/ is validated for (`make lint`, extras/k8s/tests/),
# offline, with the API schemas kubernetes-validate ships (tests/requirements.in): the newest that
# kubernetes-validate 1.37.0 has, and two minors older (Kubernetes supports three at a time). A newer
# version needs a newer kubernetes-validate: each release ships the schemas up to its own.
K8S_VERSIONS := 1.35.0 1.37.0
# kustomization.yaml is kustomize's, not a Kubernetes object: no schema to check it against.
K8S_MANIFESTS := $(filter-out %/kustomization.yaml,$(wildcard extras/k8s/*.yaml))

EXTRA_LINTS += lint-kubernetes
.PHONY: lint-kubernetes
lint-kubernetes: tools ## Validate the Kubernetes manifests (extras/k8s/) offline against K8S_VERSIONS' schemas
	@# Strict: a field the schema lacks is an error. A kind or apiVersion the version lacks (a removed
	@# API) is only a warning to kubernetes-validate (exit 0): here anything it prints fails.
	out=$$($(VENV)/bin/kubernetes-validate --strict --quiet $(addprefix -k ,$(K8S_VERSIONS)) $(K8S_MANIFESTS)) \
		&& [[ -z $$out ]] || { echo "$$out" >&2; exit 1; }
	@echo "kubernetes-validate: $(K8S_MANIFESTS) valid for Kubernetes $(K8S_VERSIONS)"

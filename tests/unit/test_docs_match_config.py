"""docs/configuration.md and .env.example must name every knob compose.yaml (and its opt-in
overlays, compose.tls.yaml and compose.supervisor-ui.yaml, and Swarm's) and the Makefile read, and
every `make` target the docs name must exist and be listed by `make help`."""

import re
import subprocess

import pytest
from repo import DOC_PAGES, ROOT

CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
DOCS = "\n".join(page.read_text() for page in DOC_PAGES)
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
# compose.yaml and its overlays without their comments.
COMPOSE = "\n".join(
    line.split(" #")[0]
    for name in (
        "compose.yaml",
        "compose.tls.yaml",
        "compose.supervisor-ui.yaml",
        "compose.swarm.yaml",
        "compose.swarm-tcp.yaml",
    )
    for line in (ROOT / name).read_text().splitlines()
    if not line.lstrip().startswith("#")
)
COMPOSE_KNOBS = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE))


def _knob_table_names():
    return set(re.findall(r"^\| `([A-Z_]+)` \|", CONFIGURATION, flags=re.MULTILINE))


def test_every_compose_knob_is_in_the_configuration_table():
    assert COMPOSE_KNOBS
    assert _knob_table_names() >= COMPOSE_KNOBS


def test_every_compose_knob_is_in_env_example():
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    assert listed >= COMPOSE_KNOBS


def test_the_configuration_tables_defaults_match_compose():
    for name, default in re.findall(r"\$\{([A-Z_]+):-([^}]*)\}", COMPOSE):
        shown = f"`{default}`" if default else "*(empty)*"
        assert f"| `{name}` | {shown} |" in CONFIGURATION, name


# The targets each extra's fragment (extras/NAME/NAME.mk) adds: the core's pages may still name
# them once a team has deleted that extra.
EXTRAS_TARGETS = {"bench": {"bench", "wrk", "lint-bench"}, "k8s": {"lint-kubernetes"}}


def _deleted_extras_targets():
    return {
        target
        for extra, targets in EXTRAS_TARGETS.items()
        if not (ROOT / "extras" / extra).exists()
        for target in targets
    }


def test_every_make_target_the_docs_name_is_in_make_help():
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    helped = set(re.findall(r"^  ([a-z-]+) ", listed, flags=re.MULTILINE))
    named = set(re.findall(r"`make ([a-z-]+)", DOCS))
    assert named
    assert named - _deleted_extras_targets() <= helped


def test_each_present_extras_targets_are_its_fragments():
    fragments = list(ROOT.glob("extras/*/*.mk"))
    if not fragments:
        pytest.skip("every extra has been deleted")
    for fragment in fragments:
        targets = set(re.findall(r"^([a-z-]+):", fragment.read_text(), flags=re.MULTILINE))
        assert targets == EXTRAS_TARGETS[fragment.parent.name]


# The entrypoints' own defaults (for `docker run` of an image without Compose): `knob_int NAME DEFAULT`
# in uwsgi/knobs.sh, `NAME=${NAME:-DEFAULT}` in both scripts.
ENTRYPOINT_DEFAULTS = [
    match
    for script in ("uwsgi/knobs.sh", "nginx/entrypoint.sh")
    for pattern in (r"^knob_int ([A-Z_]+) (\S+)", r"^([A-Z_]+)=\$\{\1:-([^}$]*)\}$")
    for match in re.findall(pattern, (ROOT / script).read_text(), flags=re.MULTILINE)
]


def test_the_entrypoints_defaults_are_compose_yamls():
    compose_defaults = dict(re.findall(r"\$\{([A-Z_]+):-([^}]*)\}", COMPOSE))
    checked = {name: default for name, default in ENTRYPOINT_DEFAULTS if name in compose_defaults}
    assert "UWSGI_PROCESSES" in checked and "NGINX_CLIENT_MAX_BODY_SIZE" in checked
    assert checked == {name: compose_defaults[name] for name in checked}

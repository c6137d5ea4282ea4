"""docs/configuration.md is the one home of every knob and its default: it names every knob
compose.yaml and its overlays read, every default written anywhere else (Compose, the Makefile,
the entrypoints, the scripts) agrees with it, and .env.example offers a few of them, commented out.
Every `make` target the docs name must exist and be listed by `make help`."""

import re
import subprocess
from pathlib import Path

import pytest
from repo import DOC_PAGES, ROOT

CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
DOCS = "\n".join(page.read_text() for page in DOC_PAGES)
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
# compose.yaml, its overlays and the extras' (not the bench's variants) without their comments.
COMPOSE = "\n".join(
    line.split(" #")[0]
    for path in [
        *ROOT.glob("compose*.yaml"),
        *ROOT.glob("extras/*/compose.yaml"),
        *ROOT.glob("extras/*/compose.swarm*.yaml"),
    ]
    for line in path.read_text().splitlines()
    if not line.lstrip().startswith("#")
)
COMPOSE_KNOBS = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE))


def _knob_table_names():
    return set(re.findall(r"^\| `([A-Z_]+)` \|", CONFIGURATION, flags=re.MULTILINE))


def test_every_compose_knob_is_in_the_configuration_table():
    assert COMPOSE_KNOBS
    assert _knob_table_names() >= COMPOSE_KNOBS


# .env.example: `# NAME=value` lines, commented out so that a copied .env changes nothing by itself.
ENV_SETTINGS = re.findall(r"^# ([A-Z_]+)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE)


def test_env_example_offers_the_settings_people_change_commented_out():
    assert not re.findall(r"^[A-Z_]+=", ENV_EXAMPLE, flags=re.MULTILINE)
    assert 10 <= len({name for name, _ in ENV_SETTINGS}) <= 20
    assert {name for name, _ in ENV_SETTINGS} <= _knob_table_names()


def test_env_example_shows_each_knobs_default():
    defaults = _table_defaults()
    shown = {name: value for name, value in ENV_SETTINGS if defaults.get(name)}
    assert "HTTP_PORT" in shown
    assert shown == {name: defaults[name] for name in shown}


def _table_defaults():
    """{knob: default} of the configuration table's rows whose default is a value ("" for empty)."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", CONFIGURATION, flags=re.MULTILINE)
    return {
        name: shown.strip()[1:-1] if shown.strip().startswith("`") else ""
        for name, shown in rows
        if shown.strip().startswith("`") or shown.strip() == "*(empty)*"
    }


# How the project's files write a knob's default: Compose and shell `${NAME:-default}`, make's
# `NAME ?= default` (or `:=`, `=`), uwsgi/knobs.sh's `knob_int NAME default`, Python's environ.get
# and the bench's setting().
DEFAULT_PATTERNS = [
    r"\$\{([A-Z_]+):-([^}$]*)\}",
    r"^([A-Z_]+) [:?]?= ?(.*)$",
    r"^knob_int ([A-Z_]+) (\S+)",
    r"environ\.get\(\"([A-Z_]+)\", \"([^\"]*)\"\)",
    r"environ\.get\(\"([A-Z_]+)\"\) or \"([^\"]*)\"",
    r"setting\(\"([A-Z_]+)\", (\d+)\)",
]
# Defaults that differ on purpose: the Makefile points EXTRA_CA_FILE at the host's CA bundle when
# it has one (else Compose's /dev/null holds); CI asks pytest for its short summary.
OWN_DEFAULTS = {("Makefile", "EXTRA_CA_FILE"), (".ci/run", "PYTEST_ARGS")}


def _written_defaults():
    """(file, knob, default) for every default a tracked file writes, tests and docs aside."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in files.stdout.split("\0"):
        path = ROOT / name
        if "tests" in Path(name).parts or path.suffix in (".md", ".txt", ".in") or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for pattern in DEFAULT_PATTERNS:
            for knob, default in re.findall(pattern, text, flags=re.MULTILINE):
                yield name, knob, default


def test_every_default_written_anywhere_is_the_configuration_tables():
    table = _table_defaults()
    checked = [(name, knob, default) for name, knob, default in _written_defaults() if knob in table]
    assert {("compose.yaml", "UWSGI_PROCESSES"), ("uwsgi/knobs.sh", "UWSGI_PROCESSES")} <= {
        (name, knob) for name, knob, _ in checked
    }
    assert {("Makefile", "BASE_IMAGE"), ("scripts/deploy", "DEPLOY_HEALTH_TIMEOUT")} <= {
        (name, knob) for name, knob, _ in checked
    }
    wrong = [
        (name, knob, default, table[knob])
        for name, knob, default in checked
        if default != table[knob] and (name, knob) not in OWN_DEFAULTS
    ]
    assert not wrong


# The targets each extra's fragment (extras/NAME/NAME.mk) adds: the core's pages may still name
# them once a team has deleted that extra.
EXTRAS_TARGETS = {
    "bench": {"bench", "wrk", "lint-bench"},
    "gunicorn": {"lint-gunicorn"},
    "k8s": {"lint-kubernetes"},
    "metrics": {"metrics-url", "lint-metrics"},
    "postgres": {"db-password", "psql", "postgres-image", "lint-postgres"},
    "supervisor-ui": {"supervisor-ui-url", "lint-supervisor-ui"},
    "swarm": {"swarm-up", "swarm-down", "lint-swarm"},
    "tls": {"https-url", "cert", "lint-tls"},
}


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

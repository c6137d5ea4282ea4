"""The suite's checkout (tests/stack/copies.py, written by `make test-images`): this checkout with
the suite's apps in place of app/'s, whatever app/ holds, and none of the machine's own settings."""

import re

from copies import write_suite
from harness import SUITE, SUITE_IMAGES
from repo import ROOT


def _tree(root, folder):
    paths = (root / folder).rglob("*")
    return sorted(str(path.relative_to(root / folder)) for path in paths if "__pycache__" not in path.parts)


def test_the_suite_runs_its_own_apps_and_not_yours(tmp_path):
    target = tmp_path / "suite"
    write_suite(target)
    apps = [path.name for path in (target / "app").iterdir() if path.is_dir()]
    assert sorted(apps) == ["api", "examples", "main"]
    assert _tree(target, "app/main") == _tree(ROOT, "tests/apps/app/main")
    assert _tree(target, "app/api") == _tree(ROOT, "tests/apps/app/api")
    assert _tree(target, "uwsgi/vassals") == _tree(ROOT, "tests/apps/uwsgi/vassals")
    # The image's own files in app/ are this checkout's.
    assert (target / "app" / "Dockerfile").read_bytes() == (ROOT / "app" / "Dockerfile").read_bytes()
    for machine_local in (".git", ".env", "compose.override.yaml"):
        assert not (target / machine_local).exists()
    assert (target / ".tools").resolve() == ROOT / ".tools"


def test_the_makefile_builds_what_the_harness_runs():
    makefile = (ROOT / "Makefile").read_text()
    assert f"SUITE := {SUITE.relative_to(ROOT)}\n" in makefile
    (tag,) = re.findall(r"^SUITE_TAG := (\S+)$", makefile, flags=re.MULTILINE)
    assert {"IMAGE_TAG": tag} == SUITE_IMAGES

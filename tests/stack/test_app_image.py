"""What the app image holds: the Python its pins were made for (Makefile: APP_PYTHON_VERSION)."""

import re

from harness import ROOT

APP_PYTHON_VERSION = re.search(
    r"^APP_PYTHON_VERSION := (\S+)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE
).group(1)
PRINT_VERSION = "import sys; print('%d.%d' % sys.version_info[:2])"


def test_app_image_runs_the_python_its_requirements_are_pinned_for(stack):
    # The system python3 and the virtualenv the vassals run in (uwsgi links the same libpython).
    for python in ("python3", "/opt/venv/bin/python"):
        assert stack.exec("app", python, "-c", PRINT_VERSION).strip() == APP_PYTHON_VERSION, python

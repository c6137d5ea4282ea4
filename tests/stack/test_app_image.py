"""What the app image holds: the Python its pins were made for (Makefile: PYTHON_VERSION), a
virtualenv per app with its own pins; and `make urls`, which `make up` ends with."""

import re

import requests
from harness import ROOT, SUITE

PYTHON_VERSION = re.search(
    r"^PYTHON_VERSION \?= (\S+)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE
).group(1)
PRINT_VERSION = "import sys; print('%d.%d' % sys.version_info[:2])"


def test_app_image_runs_the_python_its_requirements_are_pinned_for(stack):
    # The system python3 and the virtualenv the vassals run in (uwsgi links the same libpython).
    for python in ("python3", "/opt/venv/bin/python"):
        assert stack.exec("app", python, "-c", PRINT_VERSION).strip() == PYTHON_VERSION, python


def test_each_app_with_its_own_pins_has_a_virtualenv_and_no_other(stack):
    # app/NAME/requirements.txt -> /opt/venvs/NAME (app/Dockerfile); the others share /opt/venv.
    expected = sorted(pins.parent.name for pins in SUITE.glob("app/*/requirements.txt"))
    assert sorted(stack.exec("app", "ls", "/opt/venvs").split()) == expected


def test_make_urls_prints_every_apps_url_and_each_answers(stack):
    printed = re.findall(r"http://\S+", stack.make("urls"))
    names = [ini.stem for ini in (SUITE / "uwsgi" / "vassals").glob("*.ini")]
    expected = [stack.base_url + ("/" if name == "main" else f"/apps/{name}/") for name in names]
    assert sorted(printed) == sorted(expected)
    for url in printed:
        assert requests.get(url, timeout=10).status_code == 200, url

"""PYTHON_VERSION (Makefile, docs/apps.md "Python"): the app image's Python, with the Debian
release that ships it as its base, uWSGI built for it and the pins made for it. An app's view
reports sys.version_info: on the default, in the session's stack, and on 3.11, in a stack whose
images `make build` made with PYTHON_VERSION=3.11 alone (slow: it builds them)."""

import contextlib
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import docker
import pytest
from harness import ROOT, SUITE, HttpClient
from stack_fixtures import code_vassal, second_stack

DEFAULT = re.search(r"^PYTHON_VERSION \?= (\S+)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE).group(
    1
)
CODE = (Path(__file__).parent / "testapps" / "pyversion.py").read_text()
VASSAL = code_vassal("pyversion")


@contextlib.contextmanager
def version_app(stack):
    """The reporting app at /apps/pyversion/, removed afterwards; yields its report."""
    http = HttpClient(stack)
    stack.put_files("app", "/run/vassals/pyversion-code", {"pyversion.py": CODE})
    stack.put_file("app", "/run/vassals/pyversion.ini", VASSAL)
    try:
        yield http.wait_for_status("/apps/pyversion/", 200).json()
    finally:
        stack.exec("app", "rm", "-r", "/run/vassals/pyversion.ini", "/run/vassals/pyversion-code")


def _version(text):
    return [int(part) for part in text.split(".")]


def test_the_default_python_serves_the_apps(stack):
    with version_app(stack) as report:
        assert report["version_info"] == _version(DEFAULT)


@pytest.mark.slow
def test_python_3_11_from_its_debian_release_serves_the_apps():
    tag = f"py311-{uuid.uuid4().hex[:8]}"
    env = {"PYTHON_VERSION": "3.11", "IMAGE_TAG": tag}
    client = docker.from_env()
    started = time.monotonic()
    try:
        built = subprocess.run(
            ["make", "--no-print-directory", "build"],
            cwd=SUITE,
            # Not what `make test` exported for its own PYTHON_VERSION: make derives it again.
            env={**{k: v for k, v in os.environ.items() if k != "APP_BASE_IMAGE"}, **env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        print(f"make build with PYTHON_VERSION=3.11: {time.monotonic() - started:.0f} s")
        with second_stack("py311", env=env) as stack, version_app(stack) as report:
            assert report["version_info"] == [3, 11]
            # Debian 12, bookworm: the release whose python3 is 3.11.
            assert stack.exec("app", "cat", "/etc/debian_version").startswith("12.")
    finally:
        for image in (f"wsgi-stack-app:{tag}", f"wsgi-stack-nginx:{tag}"):
            with contextlib.suppress(docker.errors.ImageNotFound):
                client.images.remove(image)

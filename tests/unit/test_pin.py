"""scripts/pin, the resolver `make requirements` runs: what goes into an image is pinned for the
image's Python (the Makefile's PYTHON_VERSION) and platform, never for the host's Python."""

import re
import subprocess
import sys

import pytest
from repo import ROOT

# anyio needs `typing_extensions ; python_version < "3.13"`: its pins differ between Pythons.
MARKED_DEPENDENCY = "anyio==4.11.0\n"


def _make_requirements_commands():
    """The commands `make requirements` would run (make -n: printed, not run)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "requirements"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def _image_python_version():
    (version,) = re.findall(r"scripts/pin --image (\S+) ", _make_requirements_commands())
    return version


def _pin(tmp_path, *options):
    source = tmp_path / "requirements.in"
    source.write_text(MARKED_DEPENDENCY)
    pinned = tmp_path / "requirements.txt"
    pinned.unlink(missing_ok=True)
    subprocess.run(
        [str(ROOT / "scripts" / "pin"), *options, str(source), str(pinned)],
        check=True,
        timeout=120,
    )
    text = pinned.read_text()
    return {line.split("==")[0] for line in text.splitlines() if re.match(r"[a-z]", line)}, text


def test_make_requirements_pins_the_image_requirements_for_the_image_python():
    commands = _make_requirements_commands()
    assert re.search(r"for pins in app/requirements\b.*; do scripts/pin --image 3\.\d+ \$pins.in", commands)
    assert re.fullmatch(r"3\.\d+", _image_python_version())
    # The host-side tools resolve for the host.
    assert re.search(r"for pins in tests/requirements\b.*; do scripts/pin \$pins.in", commands)


@pytest.mark.network
def test_pins_for_the_image_python_follow_its_markers_not_the_hosts(tmp_path):
    image_version = _image_python_version()
    packages, text = _pin(tmp_path, "--image", image_version)
    assert "anyio" in packages
    assert ("typing-extensions" in packages) == (tuple(map(int, image_version.split("."))) < (3, 13))
    assert "--hash=sha256:" in text
    # The same command for an older Python keeps the marked dependency: the version decides.
    older, _ = _pin(tmp_path, "--image", "3.11")
    assert "typing-extensions" in older


@pytest.mark.network
def test_host_tool_pins_follow_the_host_python(tmp_path):
    packages, _ = _pin(tmp_path)
    assert ("typing-extensions" in packages) == (sys.version_info < (3, 13))


def test_pin_refuses_a_bad_python_version(tmp_path):
    result = subprocess.run(
        [str(ROOT / "scripts" / "pin"), "--image", "latest", "a.in", "a.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--image needs a Python version" in result.stderr

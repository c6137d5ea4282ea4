"""PYTHON_VERSION in the Makefile, without Docker: it picks the app image's base (the Debian release
that ships that Python), keeps a BASE_IMAGE of that release (a mirror's name), and refuses a
version no release ships here, naming those that do."""

import os
import subprocess

import pytest
from repo import ROOT


def _make(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_VERSION", "APP_BASE_IMAGE", "BASE_IMAGE")}
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "base-image", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "images"),
    [
        ((), "debian:trixie-slim"),
        (("PYTHON_VERSION=3.11",), "debian:bookworm-slim debian:trixie-slim"),
        (
            ("PYTHON_VERSION=3.13", "BASE_IMAGE=mirror.example/debian:trixie-slim"),
            "mirror.example/debian:trixie-slim",
        ),
    ],
)
def test_the_base_image_follows_the_python_version(args, images):
    result = _make(*args)
    assert result.returncode == 0, result.stderr
    assert f"for image in {images};" in result.stdout


def test_a_version_no_debian_release_ships_is_refused_naming_the_supported():
    result = _make("PYTHON_VERSION=3.12")
    assert result.returncode == 2
    assert (
        "PYTHON_VERSION=3.12 is not one Debian ships here; supported: 3.11:bookworm 3.13:trixie"
        in result.stderr
    )

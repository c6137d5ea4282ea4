"""bench.mk hands the core's targets what the bench needs: its image's pins resolved for the app
image's Python (the bench image is built FROM the app image), its host tools' for the host's."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _make_requirements_commands():
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "requirements"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_the_bench_images_pins_are_made_for_the_app_images_python():
    (image_pins,) = [line for line in _make_requirements_commands().splitlines() if "--image" in line]
    assert "extras/bench/gunicorn/requirements" in image_pins.split("; do")[0]


def test_the_bench_tools_pins_are_made_for_the_host():
    (host_pins,) = [
        line
        for line in _make_requirements_commands().splitlines()
        if line.startswith("for pins in") and "--image" not in line
    ]
    assert "extras/bench/requirements" in host_pins.split("; do")[0]

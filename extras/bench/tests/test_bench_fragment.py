"""bench.mk hands the core's `make requirements` the bench's pins: its image's for the app image's
Python (the bench image is built FROM the app image: IMAGE_PINS, which tests/unit/test_pin.py
checks are pinned with --image), its host tools' for the host's (HOST_PINS)."""

from pathlib import Path

FRAGMENT = (Path(__file__).resolve().parents[1] / "bench.mk").read_text().splitlines()


def test_the_bench_images_pins_are_made_for_the_app_images_python():
    assert "IMAGE_PINS += extras/bench/gunicorn/requirements" in FRAGMENT


def test_the_bench_tools_pins_are_made_for_the_host():
    assert "HOST_PINS += extras/bench/requirements" in FRAGMENT

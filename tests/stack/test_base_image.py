"""scripts/base-image.sh (`make base-image`): a base image it cannot build leaves no image behind,
so the next run tries again instead of building on an empty one."""

import os
import subprocess

import docker
from harness import ROOT

# A Debian suite no mirror has, so nothing can be pulled or built, whatever the machine.
IMAGE = "debian:nosuchsuite-slim"


def test_a_failed_base_image_build_leaves_no_image():
    closed_mirror = {**os.environ, "DEBIAN_MIRROR": "http://127.0.0.1:9/debian"}
    result = subprocess.run(
        [str(ROOT / "scripts" / "base-image.sh"), IMAGE],
        env=closed_mirror,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    assert "building it from http://127.0.0.1:9/debian" in result.stdout
    images = docker.from_env().images
    assert not images.list(name=IMAGE)
    assert not images.list(name="wsgi-stack-base-partial")

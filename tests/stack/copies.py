"""Stacks of an altered copy of this checkout (apps added or broken, settings, packages): the copy,
its apps made as a user makes them, and its stack under a Compose project and image tag of its
own, always down afterwards with its images removed."""

import contextlib
import shutil
import subprocess
import uuid

import docker
from harness import ROOT, Stack
from stack_fixtures import _stacks

# Machine-local state the copy does without.
NOT_COPIED = shutil.ignore_patterns(".git", ".tools", ".env", "__pycache__", ".pytest_cache", ".ruff_cache")


def repo_copy(tmp_path_factory):
    """A copy of this checkout, using its tools (so that `make` in the copy installs nothing)."""
    root = tmp_path_factory.mktemp("repo") / "wsgi-stack"
    shutil.copytree(ROOT, root, ignore=NOT_COPIED, symlinks=True)
    (root / ".tools").symlink_to(ROOT / ".tools")
    return root


def new_app(root, name):
    """`make new-app NAME=name` in the copy, as a user runs it."""
    subprocess.run(
        ["make", "--no-print-directory", "new-app", f"NAME={name}"],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=60,
    )


@contextlib.contextmanager
def copy_stack(root, name, overrides=(), up=True):
    """The copy's Stack (project and image tag wsgi-stack-NAME-…: the images of `make up` and of
    the session's stack stay as they are), started unless not `up`; its logs in a failing test's
    report; always down, its images removed (and the one a deploy kept to roll back to), nothing
    left behind."""
    project = f"wsgi-stack-{name}-{uuid.uuid4().hex[:8]}"
    stack = Stack(project, overrides=overrides, env={"IMAGE_TAG": project}, root=root)
    _stacks.append(stack)
    images = []
    try:
        images = stack.compose("config", "--images").stdout.split()
        if up:
            stack.up()
        yield stack
    finally:
        _stacks.remove(stack)
        stack.down()
        previous = [f"{image.rsplit(':', 1)[0]}:{project}-previous" for image in images]
        for image in images + previous:
            with contextlib.suppress(docker.errors.ImageNotFound):
                stack.docker.images.remove(image)
        leftovers = stack.leftovers()
        assert not leftovers, f"down left these behind: {leftovers}"

"""The checkouts the stack tests run.

The suite's checkout (`make test-images` writes it, `python3 tests/stack/copies.py DIR`): this
one with the suite's own apps (tests/apps/) in place of app/'s and uwsgi/vassals/' (yours, or the
samples), so that the tests never depend on them; its images are tagged `test` (harness.SUITE).
And stacks of an altered copy of that one (apps added or broken, settings, packages): the copy, its
apps made as a user makes them, and its stack under a Compose project and image tag of its own,
always down afterwards with its images removed."""

import contextlib
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import docker
from harness import ROOT, SUITE, Stack
from stack_fixtures import _stacks

# Machine-local state a copy does without, your own overlay (it may name your apps' secrets), and
# your data: backups, Flask instance folders.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".tools",
    ".env",
    "compose.override.yaml",
    "backups",
    "instance",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
)
# What in app/ is not an app: the image's scripts and pins, and the entry-style examples that
# uwsgi/examples/ serve (tests/stack/test_entry_styles.py).
NOT_APPS = {"examples"}


def write_suite(target):
    """This checkout, its apps replaced by tests/apps/ (laid out as the repo is), at `target`,
    using this checkout's tools."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT, target, ignore=NOT_COPIED, symlinks=True)
    for path in (target / "app").iterdir():
        if path.is_dir() and path.name not in NOT_APPS:
            shutil.rmtree(path)
    for vassal in (target / "uwsgi" / "vassals").iterdir():
        vassal.unlink()
    shutil.copytree(ROOT / "tests" / "apps", target, ignore=NOT_COPIED, dirs_exist_ok=True)
    (target / ".tools").symlink_to(ROOT / ".tools")


def repo_copy(tmp_path_factory):
    """A copy of the suite's checkout, using this checkout's tools (so that `make` in the copy
    installs nothing)."""
    root = tmp_path_factory.mktemp("repo") / "wsgi-stack"
    shutil.copytree(SUITE, root, ignore=NOT_COPIED, symlinks=True)
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


if __name__ == "__main__":
    write_suite(Path(sys.argv[1]).resolve())

"""`make backup` and `make restore` (scripts/backup, scripts/restore, docs/data.md "Backups"): the
whole round on a copy of the suite's checkout, as a user runs it. Notes written, a backup taken
under load, `make clean` (stack, volumes, images), `make up`, the restore refused without a
terminal and done with FORCE=1: every note is back."""

import re
import tarfile
import uuid

import pytest
import requests
from copies import copy_stack, repo_copy
from harness import ROOT, post_note
from load import Load

pytestmark = pytest.mark.slow


def _notes(stack):
    response = requests.get(f"{stack.base_url}/notes", timeout=10)
    assert response.status_code == 200
    return set(response.text.splitlines())


def test_backup_clean_up_restore_brings_every_note_back(tmp_path_factory):
    root = repo_copy(tmp_path_factory)
    written = {f"note {i} {uuid.uuid4().hex}" for i in range(20)}
    with copy_stack(root, "backup") as stack:
        for note in written:
            post_note(stack.base_url, note)
        with Load(lambda: stack.address, ["/apps/api/", "/"], clients=2, max_seconds=60) as load:
            load.wait_for(100)
            output = stack.make("backup")
            load.stop()
        # Taken while serving: nothing failed meanwhile.
        assert load.result.failures == []
        (archive,) = re.findall(r"^backup: (\S+\.tar\.gz) ", output, flags=re.MULTILINE)
        archive = root / archive
        with tarfile.open(archive) as outer:
            assert {"./MANIFEST", "./data.tar"} <= set(outer.getnames())
            with tarfile.open(fileobj=outer.extractfile("./data.tar")) as data:
                names = data.getnames()
        assert "main/notes.sqlite3" in names
        assert not [name for name in names if name.endswith(("-wal", "-shm"))]

        # `make clean` as a user runs it: the copy's .tools link goes with it; put it back, as
        # repo_copy made it, so that `make up` installs nothing.
        assert stack.run("make", "clean").returncode == 0
        (root / ".tools").symlink_to(ROOT / ".tools")
        stack.make("up")
        assert not written & _notes(stack)

        make_restore = ["make", "--no-print-directory", "restore", f"FILE={archive}"]
        refused = stack.run(*make_restore, timeout=60)
        assert refused.returncode != 0
        assert "every app's data (the data volume)" in refused.stdout
        assert "not asking on a terminal" in refused.stderr
        assert not written & _notes(stack)

        restored = stack.run(*make_restore, "FORCE=1", timeout=300)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert written <= _notes(stack)

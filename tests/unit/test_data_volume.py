"""scripts/data-volume.py check: what `make restore` refuses before it changes anything."""

import io
import subprocess
import sys
import tarfile

import pytest
from repo import ROOT


def _archive(*members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, target in members:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            info.size = 1 if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(b"a") if kind == tarfile.REGTYPE else None)
    return buffer.getvalue()


def _check(data):
    command = [sys.executable, str(ROOT / "scripts" / "data-volume.py"), "check"]
    return subprocess.run(command, input=data, capture_output=True, check=False, timeout=30)


def test_files_directories_and_links_inside_the_volume_pass():
    data = _archive(
        ("main", tarfile.DIRTYPE, ""),
        ("main/notes.sqlite3", tarfile.REGTYPE, ""),
        ("main/current", tarfile.SYMTYPE, "notes.sqlite3"),
        ("main/again", tarfile.LNKTYPE, "main/notes.sqlite3"),
    )
    assert _check(data).returncode == 0


@pytest.mark.parametrize(
    "member",
    [
        ("/etc/passwd", tarfile.REGTYPE, ""),
        ("main/../../etc/passwd", tarfile.REGTYPE, ""),
        ("main/evil", tarfile.SYMTYPE, "/etc/passwd"),
        ("main/evil", tarfile.SYMTYPE, "../../etc/passwd"),
        ("main/device", tarfile.CHRTYPE, ""),
    ],
)
def test_anything_that_leaves_the_volume_is_refused_naming_it(member):
    result = _check(_archive(("main", tarfile.DIRTYPE, ""), member))
    assert result.returncode == 1
    assert f"data: the archive cannot be restored: {member[0]!r}" in result.stderr.decode()

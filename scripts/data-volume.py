"""The data volume as a tar stream, for scripts/backup and scripts/restore: run inside an app
container (the running one, or a one-off), as the app user that owns /srv/data, with this file's
text as `python3 -c` so that a restore does not depend on what the image holds.

  check reads a tar stream on stdin and exits 1 naming the first entry load would refuse
  dump  writes /srv/data to stdout: every file as it is, but each SQLite database through SQLite's
        backup API (a consistent copy while the apps write; its -wal and -shm files are not needed),
        copied first into a scratch directory on the volume itself (not /tmp: a tmpfs, whose
        pages count against the app container's memory limit)
  load  replaces everything under /srv/data with the tar stream on stdin
"""

import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

DATA = Path("/srv/data")
SQLITE_HEADER = b"SQLite format 3\0"
# Beside a database: its write-ahead log and shared memory, or a rollback journal in progress.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
# tarfile's own checks where this Python has them (3.11.4 and later), besides load()'s.
SAFE = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}


def is_sqlite(path):
    with path.open("rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def dump(out):
    with tarfile.open(fileobj=out, mode="w|") as tar, tempfile.TemporaryDirectory(dir=DATA) as scratch:
        for path in sorted(DATA.rglob("*")):
            name = str(path.relative_to(DATA))
            if path == Path(scratch) or Path(scratch) in path.parents:
                continue
            companion_of = next((name[: -len(s)] for s in SQLITE_COMPANIONS if name.endswith(s)), None)
            if companion_of and (DATA / companion_of).is_file() and is_sqlite(DATA / companion_of):
                continue
            if path.is_file() and not path.is_symlink() and is_sqlite(path):
                copy = Path(scratch, "copy.sqlite3")
                with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
                    source.backup(target)
                info = tar.gettarinfo(copy, arcname=name)
                info.mode = path.stat().st_mode & 0o7777
                with copy.open("rb") as file:
                    tar.addfile(info, file)
                copy.unlink()
                print(f"data: {name} (SQLite, through its backup API)", file=sys.stderr)
            else:
                tar.add(path, arcname=name, recursive=False)


def refusal(member):
    """Why load() would not extract this entry, or None: names and links stay under DATA."""
    for name in (member.name, member.linkname if (member.issym() or member.islnk()) else ""):
        if name.startswith("/") or ".." in Path(name).parts:
            return f"{member.name!r} points outside the data volume"
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        return f"{member.name!r} is neither a file, a directory nor a link"
    return None


def check(source):
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for member in tar:
            if reason := refusal(member):
                sys.exit(f"data: the archive cannot be restored: {reason}")


def load(source):
    for path in DATA.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for member in tar:
            if reason := refusal(member):
                sys.exit(f"data: {reason}")
            tar.extract(member, DATA, **SAFE)
    print(f"data: restored {sum(1 for _ in DATA.rglob('*'))} entries in {DATA}", file=sys.stderr)


if __name__ == "__main__":
    os.umask(0o077)
    action = {"check": check, "dump": dump, "load": load}[sys.argv[1]]
    action(sys.stdout.buffer if action is dump else sys.stdin.buffer)

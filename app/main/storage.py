"""Where the main app keeps its notes: PostgreSQL when DATABASE_URL is set (the Compose profile
`db`), else a SQLite file in the app's own data directory (DATA_DIR, on a volume that outlives the
container: docs/data.md).

Both speak the same SQL with `:name` parameters. A connection per call: the workers are forked
processes, and a few milliseconds per request buy no pool to manage, no connection to lose.
"""

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONNECT_TIMEOUT_S = 5
NOTES_SHOWN = 50


class Unavailable(Exception):
    """The storage cannot be reached or refused the query; the message names it."""


class SQLite:
    """A file in `directory` (created 0700 if missing). WAL mode: during a deploy two containers'
    workers write the same file on the same host's volume, which SQLite's locking handles."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS notes"
        " (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, created TEXT NOT NULL)"
    )

    def __init__(self, directory):
        self.path = Path(directory) / "notes.sqlite3"
        self.name = f"SQLite file {self.path}"
        self._ready = False

    def run(self, sql, **params):
        try:
            if not self._ready:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=CONNECT_TIMEOUT_S, isolation_level=None)) as db:
                if not self._ready:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute(self.SCHEMA)
                    self._ready = True
                return [tuple(row) for row in db.execute(sql, params).fetchall()]
        except (sqlite3.Error, OSError) as error:
            raise Unavailable(f"{self.name}: {error}") from error


class PostgreSQL:
    """The database DATABASE_URL names (postgresql://USER:PASSWORD@HOST:PORT/NAME), through pg8000
    (pure Python: no C library in the image)."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS notes"
        " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL, created text NOT NULL)"
    )

    def __init__(self, url):
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise ValueError("DATABASE_URL must look like postgresql://USER:PASSWORD@HOST:PORT/NAME")
        self.params = {
            "user": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "host": parts.hostname,
            "port": parts.port or 5432,
            "database": parts.path.lstrip("/") or None,
            "timeout": CONNECT_TIMEOUT_S,
        }
        # Never the password: this name reaches logs and the /health answer.
        database, address = parts.path.lstrip("/"), f"{parts.hostname}:{self.params['port']}"
        self.name = f"PostgreSQL database {database!r} at {address}"
        self._ready = False

    def run(self, sql, **params):
        import pg8000.native  # noqa: PLC0415 (only where DATABASE_URL is set)

        try:
            db = pg8000.native.Connection(**self.params)
        except (pg8000.native.Error, OSError) as error:
            raise Unavailable(f"{self.name}: {error}") from error
        try:
            if not self._ready:
                # Two workers' first requests may race to create the table: one at a time.
                db.run("BEGIN")
                db.run("SELECT pg_advisory_xact_lock(4242)")
                db.run(self.SCHEMA)
                db.run("COMMIT")
                self._ready = True
            return [tuple(row) for row in db.run(sql, **params) or []]
        except (pg8000.native.Error, OSError) as error:
            raise Unavailable(f"{self.name}: {error}") from error
        finally:
            db.close()


def from_settings(database_url, data_dir):
    return PostgreSQL(database_url) if database_url else SQLite(data_dir)


def check(storage):
    storage.run("SELECT 1")


def add_note(storage, body):
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    storage.run("INSERT INTO notes (body, created) VALUES (:body, :created)", body=body, created=created)


def latest_notes(storage, limit=NOTES_SHOWN):
    """[(id, body, created)], newest first."""
    return storage.run("SELECT id, body, created FROM notes ORDER BY id DESC LIMIT :limit", limit=limit)


def load_secret_key(data_dir):
    """The key that signs the session cookie (CSRF tokens), kept in the data directory so that
    every worker and, during a deploy, both containers share it. Created once, mode 0600."""
    path = Path(data_dir) / "secret_key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole under a name of its own, then linked into place: of two workers creating it at
    # once, one link wins and the other reads the winner's key, never a half-written file.
    temporary = path.with_name(f".secret_key.{os.urandom(8).hex()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(os.urandom(32))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_bytes()

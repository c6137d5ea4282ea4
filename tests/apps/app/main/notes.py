"""The notes of the suite's main app: a SQLite file in DATA_DIR, or the PostgreSQL database of
DATABASE_URL (pg8000, from the shared virtualenv). A connection per call; Unavailable names the
storage when it cannot be reached."""

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

TABLE = "CREATE TABLE IF NOT EXISTS notes (body text NOT NULL)"


class Unavailable(Exception):
    pass


class SQLite:
    def __init__(self, directory):
        self.path = Path(directory, "notes.sqlite3")
        self.name = f"SQLite file {self.path}"

    def query(self, sql, *args):
        try:
            with closing(sqlite3.connect(self.path, timeout=5, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(TABLE)
                return db.execute(sql.replace("%s", "?"), args).fetchall()
        except sqlite3.Error as error:
            raise Unavailable(f"{self.name}: {error}") from error


class PostgreSQL:
    def __init__(self, url):
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        self.name = f"PostgreSQL database {database!r} at {parts.hostname}:{parts.port or 5432}"
        self.params = {
            "user": parts.username,
            "password": parts.password,
            "host": parts.hostname,
            "port": parts.port or 5432,
            "database": database,
            "timeout": 5,
        }

    def query(self, sql, *args):
        import pg8000.dbapi  # noqa: PLC0415 (only with DATABASE_URL)

        try:
            with closing(pg8000.dbapi.connect(**self.params)) as db:
                cursor = db.cursor()
                # Two workers' first requests may race to create the table: one at a time.
                cursor.execute("SELECT pg_advisory_xact_lock(4242)")
                cursor.execute(TABLE)
                cursor.execute(sql, args)
                rows = cursor.fetchall() if cursor.description else []
                db.commit()
                return rows
        except (pg8000.dbapi.Error, OSError) as error:
            raise Unavailable(f"{self.name}: {error}") from error


class Store:
    def __init__(self, backend):
        self.backend = backend
        self.name = backend.name

    def add(self, body):
        self.backend.query("INSERT INTO notes (body) VALUES (%s)", body)

    def bodies(self):
        return [body for (body,) in self.backend.query("SELECT body FROM notes")]


def store(database_url, data_dir):
    return Store(PostgreSQL(database_url) if database_url else SQLite(data_dir))

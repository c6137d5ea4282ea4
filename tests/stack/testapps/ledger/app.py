"""The app of the release step tests (test_release.py), copied in as app/ledger/__init__.py: its
entries live in SQLite in its DATA_DIR, in a table app/ledger/release makes and migrates. It answers
with the table's columns, its number of entries and its version (LEDGER_VERSION, app/ledger/app.env);
a POST adds an entry."""

import json
import os
import sqlite3

DATABASE = os.path.join(os.environ["DATA_DIR"], "ledger.sqlite3")


def app(environ, start_response):
    with sqlite3.connect(DATABASE, timeout=10) as db:
        if environ["REQUEST_METHOD"] == "POST":
            db.execute("INSERT INTO entries (body) VALUES ('an entry')")
        columns = [row[1] for row in db.execute("PRAGMA table_info(entries)")]
        (entries,) = db.execute("SELECT count(*) FROM entries").fetchone()
    version = os.environ["LEDGER_VERSION"]
    body = json.dumps({"version": version, "columns": columns, "entries": entries}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

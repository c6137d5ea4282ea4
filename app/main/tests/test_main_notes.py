"""The main app's notes (a guestbook): stored in SQLite in DATA_DIR here, as in the stack without
the `db` profile; the PostgreSQL path is exercised by tests/stack/test_postgres.py."""

import re
import stat

import main
import pytest
from main import storage


@pytest.fixture
def data_dir(tmp_path):
    directory = tmp_path / "main"
    main.app.config.update(DATA_DIR=str(directory), DATABASE_URL="")
    main.app.extensions.pop("notes_storage", None)
    main.app.secret_key = None
    yield directory
    main.app.extensions.pop("notes_storage", None)
    main.app.secret_key = None


@pytest.fixture
def client(data_dir):
    return main.app.test_client()


def _token(client):
    page = client.get("/notes")
    assert page.status_code == 200
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


def _post(client, body, token):
    return client.post("/notes", data={"body": body, "csrf_token": token})


def test_a_posted_note_is_listed_and_redirects_to_the_list(client):
    response = _post(client, "hello from a test", _token(client))
    assert response.status_code == 303
    assert response.headers["Location"] == "/notes"
    assert b"hello from a test" in client.get("/notes").data


def test_notes_are_listed_newest_first(client):
    token = _token(client)
    for body in ("first", "second"):
        _post(client, body, token)
    page = client.get("/notes").data
    assert page.index(b"second") < page.index(b"first")


def test_a_note_is_escaped(client):
    _post(client, "<script>alert(1)</script>", _token(client))
    page = client.get("/notes").data
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_post_without_the_forms_token_is_403(client):
    _token(client)
    assert _post(client, "forged", "not-the-token").status_code == 403
    # A browser that never loaded the form has no token at all.
    assert main.app.test_client().post("/notes", data={"body": "forged"}).status_code == 403
    assert b"forged" not in client.get("/notes").data


@pytest.mark.parametrize("body", ["", "   ", "x" * 501])
def test_an_empty_or_too_long_note_is_400(client, body):
    assert _post(client, body, _token(client)).status_code == 400


def test_notes_live_in_sqlite_in_the_data_dir_mode_0700(client, data_dir):
    _post(client, "kept", _token(client))
    assert (data_dir / "notes.sqlite3").is_file()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    # The session key is shared by every worker through the data directory, readable by the app only.
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600


def test_notes_survive_a_new_process(client, data_dir):
    _post(client, "still here", _token(client))
    # What a restart does: a fresh storage object and key, reading the same directory.
    main.app.extensions.pop("notes_storage")
    main.app.secret_key = None
    assert b"still here" in main.app.test_client().get("/notes").data


def test_health_names_the_storage(client, data_dir):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "storage": f"SQLite file {data_dir / 'notes.sqlite3'}"}


def test_health_is_503_naming_the_database_when_it_cannot_be_reached(client, data_dir):
    # A file where the data directory should be: SQLite cannot open its database.
    data_dir.parent.mkdir(exist_ok=True)
    data_dir.write_text("")
    response = client.get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert "notes.sqlite3" in body["error"]
    assert client.get("/notes").status_code == 503


def test_database_url_selects_postgresql_and_its_name_hides_the_password():
    chosen = storage.from_settings("postgresql://app:s3cr%40t@postgres:5432/app", "/unused")
    assert isinstance(chosen, storage.PostgreSQL)
    assert chosen.params["password"] == "s3cr@t"
    assert chosen.params["host"] == "postgres"
    assert chosen.name == "PostgreSQL database 'app' at postgres:5432"
    assert "s3cr" not in chosen.name


def test_a_malformed_database_url_is_refused():
    with pytest.raises(ValueError, match="postgresql://"):
        storage.from_settings("mysql://app@db/app", "/unused")


def test_the_secret_key_is_created_once_and_kept(tmp_path):
    key = storage.load_secret_key(tmp_path / "d")
    assert len(key) == 32
    assert storage.load_secret_key(tmp_path / "d") == key
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["secret_key"]


def test_without_data_dir_pages_other_than_notes_write_nothing(tmp_path, monkeypatch):
    # Outside the stack (no DATA_DIR): the session key lives in memory, the notes in the instance folder.
    monkeypatch.setattr(main.app, "instance_path", str(tmp_path / "instance"))
    monkeypatch.setitem(main.app.config, "DATA_DIR", None)
    monkeypatch.setattr(main.app, "secret_key", None)
    main.app.extensions.pop("notes_storage", None)
    client = main.app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/whoami").status_code == 200
    assert not (tmp_path / "instance").exists()
    assert client.get("/notes").status_code == 200
    assert (tmp_path / "instance" / "notes.sqlite3").is_file()
    main.app.extensions.pop("notes_storage", None)

"""Issue 9, parts 5 and 7: the apps' data outlives their containers (the `data` volume, one 0700
directory per vassal), and `make top` shows every vassal's workers."""

import re

import requests
from harness import WORKERS

APP_UID = 10001


def _form(base_url):
    """A browser that loaded the notes form: (its session with the cookie, the form's CSRF token)."""
    session = requests.Session()
    page = session.get(f"{base_url}/notes", timeout=10)
    assert page.status_code == 200
    (token,) = re.findall(r'name="csrf_token" value="([^"]+)"', page.text)
    return session, token


def _post_note(base_url, body, form=None):
    session, token = form or _form(base_url)
    response = session.post(
        f"{base_url}/notes", data={"body": body, "csrf_token": token}, timeout=10, allow_redirects=False
    )
    assert response.status_code == 303, response.text


def test_a_note_survives_compose_down_and_up(stack, http):
    note = "kept across down and up"
    form = _form(stack.base_url)
    _post_note(stack.base_url, note, form)
    assert note in http.get("/notes").text
    old_app = stack.container("app").id

    # What `make down` and `make up` do: containers go, volumes stay.
    stack.compose("down", "--remove-orphans", "--timeout", "45")
    stack.up()

    assert stack.container("app").id != old_app
    assert note in http.get("/notes").text
    assert http.get("/health").json()["storage"] == "SQLite file /srv/data/main/notes.sqlite3"
    # A form loaded before the restart still posts: the session key is on the volume too.
    _post_note(stack.base_url, "posted from the old form", form)


def test_each_vassal_has_a_private_data_dir_owned_by_the_app_user(stack):
    listing = stack.exec("app", "stat", "-c", "%n %a %u %g", "/srv/data/main", "/srv/data/api")
    assert listing.split("\n")[:2] == [
        f"/srv/data/main 700 {APP_UID} {APP_UID}",
        f"/srv/data/api 700 {APP_UID} {APP_UID}",
    ]
    (mount,) = [m for m in stack.container("app").attrs["Mounts"] if m["Destination"] == "/srv/data"]
    assert mount["Type"] == "volume"
    assert mount["RW"]


def test_the_sample_app_keeps_its_notes_in_its_data_dir(stack, http):
    _post_note(stack.base_url, "written to SQLite")
    files = stack.exec("app", "ls", "/srv/data/main").split()
    assert "notes.sqlite3" in files
    assert "secret_key" in files


def test_make_top_lists_every_vassals_workers(stack):
    output = stack.make("top", env={"TOP_ARGS": "--once"})
    for name in ("main", "api"):
        block = output.split(f"[{name}] master ", 1)[1].split("\n\n", 1)[0]
        assert f"workers {WORKERS}" in block
        rows = [line.split() for line in block.splitlines()[2:]]
        assert [row[0] for row in rows] == [str(i) for i in range(1, WORKERS + 1)]
        assert all(row[1].isdigit() for row in rows)

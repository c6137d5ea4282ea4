"""The apps' data outlives their containers (the `data` volume, one 0700
directory per vassal), and `make top` shows every vassal's workers."""

from harness import WORKERS, post_note

APP_UID = 10001


def test_a_note_survives_compose_down_and_up(stack, http):
    note = "kept across down and up"
    post_note(stack.base_url, note)
    assert note in http.get("/notes").text
    old_app = stack.container("app").id

    # What `make down` and `make up` do: containers go, volumes stay.
    stack.compose("down", "--remove-orphans", "--timeout", "45")
    stack.up()

    assert stack.container("app").id != old_app
    assert note in http.get("/notes").text
    assert http.get("/health").json()["storage"] == "SQLite file /srv/data/main/notes.sqlite3"


def test_each_vassal_has_a_private_data_dir_owned_by_the_app_user(stack):
    listing = stack.exec("app", "stat", "-c", "%n %a %u %g", "/srv/data/main", "/srv/data/api")
    assert listing.split("\n")[:2] == [
        f"/srv/data/main 700 {APP_UID} {APP_UID}",
        f"/srv/data/api 700 {APP_UID} {APP_UID}",
    ]
    (mount,) = [m for m in stack.container("app").attrs["Mounts"] if m["Destination"] == "/srv/data"]
    assert mount["Type"] == "volume"
    assert mount["RW"]


def test_an_app_keeps_its_files_in_its_data_dir(stack, http):
    post_note(stack.base_url, "written to SQLite")
    assert "notes.sqlite3" in stack.exec("app", "ls", "/srv/data/main").split()


def test_make_top_lists_every_vassals_workers(stack):
    output = stack.make("top", env={"TOP_ARGS": "--once"})
    for name in ("main", "api"):
        block = output.split(f"[{name}] master ", 1)[1].split("\n\n", 1)[0]
        assert f"workers {WORKERS}" in block
        rows = [line.split() for line in block.splitlines()[2:]]
        assert [row[0] for row in rows] == [str(i) for i in range(1, WORKERS + 1)]
        assert all(row[1].isdigit() for row in rows)

"""PostgreSQL, opt-in (extras/postgres/compose.yaml, the Compose profile `db`), in a second stack
of its own (torn down after this module): the suite's main app keeps its notes there, they survive a
database restart, and with the database down the app's /health names it while the rest keeps
serving."""

import secrets

import pytest
import requests
from harness import post_note, wait_until
from stack_fixtures import second_stack

pytestmark = pytest.mark.slow
DATABASE = "PostgreSQL database 'app' at postgres:5432"
# pg8000 from the app container, as the app connects: argv[1] is the password to try.
CONNECT = """
import sys, pg8000.native
try:
    pg8000.native.Connection(user="app", password=sys.argv[1], host="postgres", database="app").close()
except pg8000.native.DatabaseError as error:
    sys.exit(error.args[0]["C"])
"""


@pytest.fixture(scope="module")
def db():
    password = secrets.token_hex(16)
    knobs = {
        "COMPOSE_PROFILES": "db",
        "POSTGRES_PASSWORD": password,
        "DATABASE_URL": f"postgresql://app:{password}@postgres:5432/app",
    }
    with second_stack("db", overrides=["extras/postgres/compose.yaml"], env=knobs) as stack:
        yield stack


def _get(stack, path):
    return requests.get(stack.base_url + path, timeout=15, allow_redirects=False)


def _wait_for_health(stack, status, timeout=60):
    return wait_until(
        lambda: (r := _get(stack, "/health")).status_code == status and [r],
        timeout,
        f"/health to answer {status}",
    )[0]


def _wait_for_database(stack):
    wait_until(
        lambda: stack.health("postgres")["Status"] == "healthy", 60, "postgres to be healthy", interval=0.5
    )
    _wait_for_health(stack, 200)


def test_notes_are_kept_in_postgresql_across_a_database_restart(db):
    assert _get(db, "/health").json() == {"status": "ok", "storage": DATABASE}
    post_note(db.base_url, "kept by PostgreSQL")
    db.compose("restart", "postgres")
    _wait_for_database(db)
    assert "kept by PostgreSQL" in _get(db, "/notes").text
    count = db.exec("postgres", "psql", "--dbname=app", "-tAc", "SELECT count(*) FROM notes")
    assert int(count) >= 1


def test_with_the_database_stopped_health_names_it_and_the_rest_serves(db):
    db.compose("stop", "postgres")
    try:
        response = _wait_for_health(db, 503)
        body = response.json()
        assert body["storage"] == DATABASE
        assert body["error"].startswith(DATABASE)
        assert _get(db, "/notes").status_code == 503
        assert _get(db, "/").status_code == 200
        assert _get(db, "/apps/api/").status_code == 200
        # Restarting the app would not bring the database back: Docker still calls it healthy.
        assert db.health("app")["Status"] == "healthy"
    finally:
        db.compose("start", "postgres")
    _wait_for_database(db)


def test_the_app_role_needs_its_password(db):
    password = db.env["POSTGRES_PASSWORD"]
    assert db.try_exec("app", "python3", "-c", CONNECT, password)[0] == 0
    code, output = db.try_exec("app", "python3", "-c", CONNECT, "wrong")
    assert code == 1
    assert "28P01" in output  # invalid_password


def test_the_database_runs_as_postgres_read_only_with_no_capabilities(db):
    container = db.container("postgres")
    config = container.attrs["HostConfig"]
    assert config["ReadonlyRootfs"]
    assert config["CapDrop"] == ["ALL"]
    assert "no-new-privileges:true" in config["SecurityOpt"]
    assert db.exec("postgres", "id", "-un").strip() == "postgres"
    (data,) = [m for m in container.attrs["Mounts"] if m["Destination"] == "/var/lib/postgresql/data"]
    assert data["Type"] == "volume"
    # Its limits (compose.yaml: POSTGRES_MEMORY_LIMIT, no swap; POSTGRES_PIDS_LIMIT).
    assert (config["Memory"], config["MemorySwap"], config["PidsLimit"]) == (512 * 2**20, 512 * 2**20, 256)


def test_the_database_refuses_to_start_without_a_password(db):
    result = db.compose("run", "--rm", "--no-deps", "-e", "POSTGRES_PASSWORD=", "postgres", check=False)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD is empty" in result.stdout + result.stderr


def test_its_log_is_rotated_as_the_cores(db):
    log = db.container("postgres").attrs["HostConfig"]["LogConfig"]
    assert log == {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "5"}}


def test_backup_and_restore_carry_the_database(db, tmp_path):
    note = f"kept by the backup {secrets.token_hex(4)}"
    post_note(db.base_url, note)
    output = db.make("backup", env={"BACKUP_DIR": str(tmp_path)})
    assert "postgres: database app, pg_dump of" in output
    (archive,) = tmp_path.glob("wsgi-stack-*.tar.gz")
    db.exec("postgres", "psql", "--dbname=app", "-c", "DELETE FROM notes")
    assert note not in _get(db, "/notes").text
    restored = db.run("make", "--no-print-directory", "restore", f"FILE={archive}", "FORCE=1", timeout=300)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "postgres: database app restored" in restored.stdout
    assert note in _get(db, "/notes").text


def test_a_cluster_of_another_major_version_stops_it_naming_both(db):
    # The image's own major is 17 (POSTGRES_MAJOR); a cluster that says 15 is refused at once.
    container = db.docker.containers.run(
        db.container("postgres").image,
        entrypoint=["sh", "-c", 'echo 15 > "$PGDATA/PG_VERSION" && exec postgres-entrypoint postgres'],
        environment={"POSTGRES_PASSWORD": "unused"},
        detach=True,
    )
    try:
        assert container.wait(timeout=30)["StatusCode"] == 1
        log = container.logs().decode()
    finally:
        container.remove(force=True)
    assert "is PostgreSQL 15's and this image runs PostgreSQL 17" in log
    assert "make backup" in log

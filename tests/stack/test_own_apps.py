"""Apps of your own, in a second stack built from a copy of the repo (its own Compose project and
image tag, removed after this module): an app scaffolded by `make new-app` is served at
/apps/NAME/ and its static files by nginx at /apps/NAME/static/, and two apps that pin
conflicting versions of one package run side by side, each in its own virtualenv
(app/NAME/requirements.txt -> /opt/venvs/NAME), their vassal files plain, each with its own
settings (app/NAME/app.env, NAME__KEY overrides in .env, a secret from a file); an app whose
dependency is built from source against Debian packages (app/NAME/apt-build.txt) and needs another
at run time (app/NAME/apt.txt), and a package apt cannot find stops the build naming its file."""

import json
import shutil
from pathlib import Path

import pytest
import requests
from copies import copy_stack, new_app, repo_copy

TESTAPPS = Path(__file__).parent / "testapps"
# Each pins `six` in its own app/NAME/requirements.txt: 1.16.0 and 1.17.0.
PINNED = {"pins-old": "1.16.0", "pins-new": "1.17.0"}
# The scaffolded blog's stylesheet, app/blog/static/blog.css.
BLOG_CSS = b"body { color: #123456; }\n"
# The two pinned apps' settings: one key, two values; a value taken literally, with what uWSGI's
# config and a shell would expand.
APP_ENV = {
    "pins-old": "# Committed, not secret.\n\nGREETING=hello from pins-old\nTOKEN=a committed default\n"
    'LITERAL=it\'s $(HOME) %(app) "$x" # kept\n',
    "pins-new": "GREETING=hello from pins-new\nCOLOUR=blue\n",
}
# The copy's .env: an override of pins-new's COLOUR (its name in capitals, '-' as '_'), and a secret
# for pins-old, read from a file that a Compose overlay mounts (trailing newline dropped), which
# replaces app.env's TOKEN.
DOTENV = "PINS_NEW__COLOUR=green\npins_old__TOKEN_FILE=/run/secrets/pins_old_token\n"
SECRET_OVERLAY = """services:
  app:
    secrets: [pins_old_token]
secrets:
  pins_old_token:
    file: ./pins-old-token.txt
"""
SETTINGS = {
    "pins-old": {
        "GREETING": "hello from pins-old",
        "LITERAL": 'it\'s $(HOME) %(app) "$x" # kept',
        "COLOUR": None,
        "TOKEN": "s3cret",
    },
    "pins-new": {"GREETING": "hello from pins-new", "LITERAL": None, "COLOUR": "green", "TOKEN": None},
}


@pytest.fixture(scope="module")
def own_apps(tmp_path_factory):
    """The copy's stack, with `blog` scaffolded and the two pinned apps (scaffolded, then given
    their code and pins); yields the Stack."""
    root = repo_copy(tmp_path_factory)
    new_app(root, "blog")
    (root / "app" / "blog" / "static").mkdir()
    (root / "app" / "blog" / "static" / "blog.css").write_bytes(BLOG_CSS)
    for name in PINNED:
        new_app(root, name)
        shutil.copy(TESTAPPS / "pinned.py", root / "app" / name / "__init__.py")
        for pins in ("requirements.in", "requirements.txt"):
            shutil.copy(TESTAPPS / name / pins, root / "app" / name / pins)
        (root / "app" / name / "app.env").write_text(APP_ENV[name])
    new_app(root, "pg")
    for name in ("requirements.in", "requirements.txt", "apt-build.txt", "apt.txt"):
        shutil.copy(TESTAPPS / "pg" / name, root / "app" / "pg" / name)
    shutil.copy(TESTAPPS / "pg" / "app.py", root / "app" / "pg" / "__init__.py")
    shutil.copy(TESTAPPS / "release-saw-colour", root / "app" / "pins-new" / "release")
    (root / ".env").write_text(DOTENV)
    (root / "compose.secret.yaml").write_text(SECRET_OVERLAY)
    (root / "pins-old-token.txt").write_text("s3cret\n")
    with copy_stack(root, "apps", overrides=["compose.secret.yaml"]) as stack:
        yield stack


_PRINT_SETTINGS = (
    "import json, os; "
    f"print(json.dumps({{key: os.environ.get(key) for key in {json.dumps(list(SETTINGS['pins-new']))}}}))"
)


def _get(stack, path):
    return requests.get(stack.base_url + path, timeout=10, allow_redirects=False)


def test_an_app_made_by_make_new_app_is_served(own_apps):
    response = _get(own_apps, "/apps/blog/")
    assert response.status_code == 200
    assert response.json() == {"app": "blog", "mounted_at": "/apps/blog/"}
    assert response.headers["X-Vassal"].startswith("blog/")
    assert _get(own_apps, "/apps/blog/nope").status_code == 404


def test_an_apps_static_files_are_served_by_nginx(own_apps):
    response = _get(own_apps, "/apps/blog/static/blog.css")
    assert response.status_code == 200
    assert response.content == BLOG_CSS
    assert response.headers["Content-Type"] == "text/css"
    assert response.headers["Cache-Control"] == "max-age=3600"
    # nginx answered: the app never saw the request (it would have added X-Vassal).
    assert "X-Vassal" not in response.headers
    # A file that is not there is the app's to answer (Flask's own static route: 404).
    missing = _get(own_apps, "/apps/blog/static/missing.css")
    assert missing.status_code == 404
    assert missing.headers["X-Vassal"].startswith("blog/")


def test_apps_pinning_conflicting_versions_run_side_by_side(own_apps):
    for name, version in PINNED.items():
        response = _get(own_apps, f"/apps/{name}/")
        assert response.status_code == 200, name
        report = response.json()
        assert (report["six"], report["prefix"], report["sees_flask"]) == (
            version,
            f"/opt/venvs/{name}",
            False,
        )


def test_each_app_sees_its_own_settings_and_no_other_apps(own_apps):
    for name, settings in SETTINGS.items():
        report = _get(own_apps, f"/apps/{name}/").json()
        assert report["settings"] == settings, name
        assert report["overrides"] == [], name
    # make run gets the same, and no other app's.
    result = own_apps.run(
        "make", "--no-print-directory", "run", "NAME=pins-new", f"ARGS=python -c '{_PRINT_SETTINGS}'"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == SETTINGS["pins-new"]
    # So does its release step, run in the app container after the overrides left its environment.
    assert own_apps.exec("app", "cat", "/srv/data/pins-new/release-saw-colour") == "green"


def test_an_app_gets_the_debian_packages_it_lists_to_build_and_to_run(own_apps):
    report = _get(own_apps, "/apps/pg/").json()
    assert report["psycopg2"] == "2.9.10"
    # libpq 17 (trixie's), as psycopg2 was compiled against and links at run time.
    assert report["libpq"] // 10000 == 17, report
    # apt-build.txt stays in the build stage: no headers, no pg_config in the image.
    code, _ = own_apps.try_exec("app", "test", "-e", "/usr/bin/pg_config")
    assert code == 1


def test_a_package_apt_cannot_find_stops_the_build_naming_its_file(own_apps):
    listed = own_apps.root / "app" / "pg" / "apt.txt"
    original = listed.read_text()
    listed.write_text(original + "no-such-package-here\n")
    try:
        result = own_apps.compose("build", "app", check=False, timeout=300)
    finally:
        listed.write_text(original)
    assert result.returncode != 0
    assert "apt cannot find" in result.stderr + result.stdout
    assert "no-such-package-here (app/pg/apt.txt)" in result.stderr + result.stdout


def test_only_apps_with_their_own_pins_get_a_virtualenv(own_apps):
    venvs = own_apps.exec("app", "ls", "/opt/venvs").split()
    assert sorted(venvs) == sorted([*PINNED, "pg"])
    # The uwsgi binary (and supervisor) stay in the shared virtualenv.
    for name in [*PINNED, "pg"]:
        code, _ = own_apps.try_exec("app", "test", "-e", f"/opt/venvs/{name}/bin/uwsgi")
        assert code == 1, name
    # The shipped apps and the scaffolded one still share /opt/venv with its Flask.
    assert _get(own_apps, "/").status_code == 200
    assert _get(own_apps, "/apps/api/").json()["app"] == "api"

"""`make new-app NAME=… SERVER=gunicorn` (scripts/new-app): a gunicorn program instead of a vassal,
in this extra's folder; an app is served by one server; without this extra, a clear refusal."""

import pytest
from test_new_app import files, new_app, repo  # noqa: F401 (repo: a fixture)

PROGRAMS = "extras/gunicorn/app/etc/supervisor/gunicorn"


@pytest.fixture
def extra(repo):  # noqa: F811 (the fixture imported above)
    (repo / "extras" / "gunicorn").mkdir(parents=True)
    return repo


def test_server_gunicorn_writes_a_gunicorn_program_instead_of_a_vassal(extra):
    before = files(extra)
    result = new_app(extra, "blog", "--server", "gunicorn")
    assert result.returncode == 0, result.stderr
    created = ["app/blog/__init__.py", f"{PROGRAMS}/blog.conf", "app/blog/tests/test_blog_app.py"]
    assert files(extra) == sorted([*before, *created])
    program = (extra / PROGRAMS / "blog.conf").read_text()
    assert "\n[program:gunicorn-blog]\n" in program
    assert "\ncommand = /opt/venv/bin/gunicorn --config /etc/gunicorn/gunicorn.conf.py blog:app\n" in program


@pytest.mark.parametrize(
    ("server", "other"), [("gunicorn", "uwsgi/vassals/blog.ini"), ("uwsgi", f"{PROGRAMS}/blog.conf")]
)
def test_an_app_is_served_by_one_server(extra, server, other):
    (extra / other).parent.mkdir(parents=True, exist_ok=True)
    (extra / other).write_text("mine\n")
    before = files(extra)
    result = new_app(extra, "blog", "--server", server)
    assert result.returncode == 1
    assert f"exists already ({other})" in result.stderr, result.stderr
    assert files(extra) == before


def test_without_this_extra_server_gunicorn_is_refused(repo):  # noqa: F811
    result = new_app(repo, "blog", "--server", "gunicorn")
    assert result.returncode == 1
    assert "has no extras/gunicorn/: serving an app with gunicorn needs that extra" in result.stderr, (
        result.stderr
    )

"""This extra's gunicorn.conf.py (app/etc/gunicorn/) without gunicorn or Docker: the settings it
derives from the knobs and the program's name, what it refuses, and the environ its wrapper gives
the app. The stack tests (stack/test_gunicorn.py) run it in gunicorn."""

import runpy

import pytest
from repo import ROOT

CONF = str(ROOT / "extras" / "gunicorn" / "app" / "etc" / "gunicorn" / "gunicorn.conf.py")
# What supervisord hands a program: uwsgi/knobs.sh's exports for the default knobs, and its name.
ENVIRONMENT = {
    "SUPERVISOR_PROCESS_NAME": "gunicorn-blog",
    "APP_TRANSPORT": "unix",
    "VASSAL_LISTEN": "1024",
    "VASSAL_PROCESSES": "2",
    "VASSAL_THREADS": "1",
    "VASSAL_HARAKIRI": "20",
    "VASSAL_RELOAD_MERCY": "25",
    "VASSAL_MAX_WORKER_LIFETIME": "3600",
    "VASSAL_MAX_WORKER_LIFETIME_DELTA": "600",
    # Where app/entrypoint.sh writes each app's settings (app/settings.sh); none for blog here.
    "APP_SETTINGS_DIR": "/nonexistent",
}


def load(monkeypatch, **changes):
    for name, value in {**ENVIRONMENT, **changes}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("socket.gethostname", lambda: "c0ffee")
    return runpy.run_path(CONF)


def test_the_app_is_named_after_its_program_and_follows_the_knobs(monkeypatch):
    conf = load(monkeypatch)
    assert conf["bind"] == ["unix:/run/uwsgi/c0ffee/blog.sock"]
    assert oct(conf["umask"]) == "0o117"  # a socket of mode 0660
    assert (conf["workers"], conf["threads"], conf["backlog"]) == (2, 1, 1024)
    assert (conf["timeout"], conf["graceful_timeout"]) == (20, 25)
    assert conf["raw_env"] == ["VASSAL_NAME=blog", "DATA_DIR=/srv/data/blog"]
    assert conf["accesslog"] is None
    assert conf["control_socket"] == "/run/vassals/blog.ctl"
    assert conf["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}


def test_the_apps_own_settings_come_first_verbatim(monkeypatch, tmp_path):
    (tmp_path / "blog.env").write_text("GREETING=hi = $(HOME)\nTOKEN=s3cret\n")
    conf = load(monkeypatch, APP_SETTINGS_DIR=str(tmp_path))
    assert conf["raw_env"] == [
        "GREETING=hi = $(HOME)",
        "TOKEN=s3cret",
        "VASSAL_NAME=blog",
        "DATA_DIR=/srv/data/blog",
    ]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"SUPERVISOR_PROCESS_NAME": "blog"}, "[program:gunicorn-NAME]"),
        ({"SUPERVISOR_PROCESS_NAME": "gunicorn-Blog"}, "[program:gunicorn-NAME]"),
        ({"APP_TRANSPORT": "tcp"}, "UWSGI_TRANSPORT=tcp cannot reach an app served by gunicorn"),
    ],
)
def test_refuses_to_start_naming_why(monkeypatch, changes, why):
    with pytest.raises(SystemExit) as exit_:
        load(monkeypatch, **changes)
    assert why in str(exit_.value)


def serve(monkeypatch, path, headers=None, scheme="http"):
    """The environ an app sees behind the wrapper, for a request gunicorn parsed as given."""
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    environ = {
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "",
        "wsgi.url_scheme": scheme,
        **(headers or {}),
    }
    statuses = []
    load(monkeypatch)["_behind_nginx"](app)(environ, lambda status, _: statuses.append(status))
    return statuses[0], seen


NGINX = {
    "HTTP_X_FORWARDED_FOR": "172.18.0.1",
    "HTTP_X_UWSGI_SCRIPT_NAME": "/apps/blog",
    "HTTP_X_UWSGI_SERVER_NAME": "127.0.0.1",
    "HTTP_X_UWSGI_SERVER_PORT": "8080",
}


@pytest.mark.parametrize(
    ("path", "path_info"),
    [
        ("/apps/blog/", "/"),
        ("/apps/blog", ""),
        ("/apps/blog/a/b c", "/a/b c"),
        ("/apps/blog//a/./b/../c/", "/a/c/"),
        ("/apps/other/../blog/x", "/x"),
        ("/apps/blog/a/..", "/"),
    ],
)
def test_the_app_sees_what_the_uwsgi_protocol_would_pass(monkeypatch, path, path_info):
    status, environ = serve(monkeypatch, path, NGINX)
    assert status == "200 OK"
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/apps/blog", path_info)
    assert environ["REMOTE_ADDR"] == "172.18.0.1"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "8080")
    assert environ["REQUEST_SCHEME"] == "http"
    assert "HTTPS" not in environ
    assert not [name for name in environ if name.startswith("HTTP_X_UWSGI_")]
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("", "")


def test_https_and_the_app_at_the_root(monkeypatch):
    status, environ = serve(monkeypatch, "/a", {**NGINX, "HTTP_X_UWSGI_SCRIPT_NAME": ""}, scheme="https")
    assert status == "200 OK"
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("", "/a")
    assert (environ["REQUEST_SCHEME"], environ["HTTPS"]) == ("https", "on")


def test_a_path_outside_the_prefix_is_not_found(monkeypatch):
    status, _ = serve(monkeypatch, "/apps/blogger/", NGINX)
    assert status == "404 Not Found"

"""Entry styles: every example vassal in uwsgi/examples/ (one way of naming the WSGI app
each), dropped into the running stack under its own name as a user would copy it, serves its
example app (app/examples/) at /apps/NAME/, and stops when its file is removed."""

import pytest
from harness import ROOT, wait_until

EXAMPLES = sorted((ROOT / "uwsgi" / "examples").glob("*.ini"))
# uWSGI's log line when it calls the factory itself as the WSGI app, with (environ, start_response).
CALLED_AS_APP = "create_app() takes 0 positional arguments but 2 were given"


def _answer(name, path_info):
    return {"style": name, "script_name": f"/apps/{name}", "path_info": path_info}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_an_example_vassal_serves_its_app_under_its_name(stack, http, example):
    name = example.stem
    assert http.get(f"/apps/{name}/").status_code == 404
    stack.put_file("app", f"/run/vassals/{name}.ini", example.read_text())
    try:
        assert http.wait_for_status(f"/apps/{name}/", 200).json() == _answer(name, "/")
        deeper = http.get(f"/apps/{name}/a/b")
        assert deeper.status_code == 200
        assert deeper.json() == _answer(name, "/a/b")
    finally:
        stack.exec("app", "rm", "-f", f"/run/vassals/{name}.ini")
    http.wait_for_status(f"/apps/{name}/", 404)


def test_a_factory_named_without_parentheses_starts_but_every_request_fails(stack, http):
    """What factory.ini's comment warns about: uWSGI serves the factory itself as the WSGI app."""
    text = (ROOT / "uwsgi" / "examples" / "factory.ini").read_text()
    assert "create_app()" in text
    stack.put_file("app", "/run/vassals/no-parens.ini", text.replace("create_app()", "create_app"))
    try:
        http.wait_for_status("/apps/no-parens/", 502)
        wait_until(
            lambda: CALLED_AS_APP in stack.container("app").logs().decode(errors="replace"),
            10,
            "the vassal's TypeError in the app container's log",
        )
    finally:
        stack.exec("app", "rm", "-f", "/run/vassals/no-parens.ini")
    http.wait_for_status("/apps/no-parens/", 404)

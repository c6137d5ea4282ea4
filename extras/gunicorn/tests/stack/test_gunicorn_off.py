"""extras/gunicorn off, as shipped (the session stack): nginx's request path has nothing of it, and
a program shipped without GUNICORN=1 stops the app container with a line saying so."""

import string

from harness import ROOT

TEMPLATE = ROOT / "extras" / "gunicorn" / "new-app-program.conf.tmpl"


def test_off_nginx_passes_requests_without_looking_for_gunicorn_apps(stack):
    assert "$app.http" not in stack.exec("nginx", "cat", "/tmp/nginx/vassal.conf")
    assert "gunicorn-server.conf" not in stack.exec("nginx", "ls", "/tmp/nginx/server.d")
    assert "nginx: gunicorn apps off" in stack.container("nginx").logs().decode()


def test_a_program_shipped_while_off_stops_the_app_container_naming_the_knob(stack, tmp_path):
    programs = tmp_path / "programs"
    programs.mkdir(mode=0o755)
    program = programs / "gshipped.conf"
    program.write_text(string.Template(TEMPLATE.read_text()).substitute(name="gshipped"))
    program.chmod(0o644)
    mount = f"{programs}:/etc/supervisor/gunicorn:ro"
    result = stack.compose("run", "--rm", "--no-deps", "-v", mount, "app", "true", check=False, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert (
        "app: gshipped is served by gunicorn (/etc/supervisor/gunicorn/gshipped.conf) but GUNICORN is not 1"
        in output
    )

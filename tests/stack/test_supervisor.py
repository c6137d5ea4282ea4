"""Behaviour 4: supervisord runs the uWSGI emperor; `make status` shows it."""


def test_supervisorctl_shows_the_emperor_running(stack):
    stack.wait_running()
    code, output = stack.try_exec("app", "supervisorctl", "status", "uwsgi-emperor")
    assert code == 0, output
    assert output.split()[:2] == ["uwsgi-emperor", "RUNNING"]


def test_make_status_shows_the_emperor_running(stack):
    stack.wait_running()
    assert "uwsgi-emperor                    RUNNING" in stack.make("status")


def test_supervisord_is_the_main_process(stack):
    assert stack.exec("app", "cat", "/proc/1/cmdline").split("\0")[:2] == [
        "/opt/venv/bin/python3",
        "/opt/venv/bin/supervisord",
    ]

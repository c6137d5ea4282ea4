"""Behaviour 3: sockets live on the shared volume, mode 0660, group `sockets`; supervisord's control
socket stays private to the app container."""

import pytest

SOCKETS_GID = 10500


def _volume_at(container, destination):
    (mount,) = [m for m in container.attrs["Mounts"] if m["Destination"] == destination]
    return mount


def test_both_containers_mount_the_same_socket_volume(stack):
    app_mount = _volume_at(stack.container("app"), "/run/uwsgi")
    nginx_mount = _volume_at(stack.container("nginx"), "/run/uwsgi")
    assert app_mount["Type"] == nginx_mount["Type"] == "volume"
    assert app_mount["Name"] == nginx_mount["Name"]
    assert app_mount["RW"] is True
    assert nginx_mount["RW"] is False


@pytest.mark.parametrize("vassal", ["main", "api"])
def test_socket_is_mode_0660_in_the_group_nginx_is_in(stack, vassal):
    # Seen from the nginx container: what nginx's worker gets to connect to.
    socket = f"/run/uwsgi/current/{vassal}.sock"
    mode, gid, kind = stack.exec("nginx", "stat", "-c", "%a %g %F", socket).split(maxsplit=2)
    assert (mode, int(gid), kind.strip()) == ("660", SOCKETS_GID, "socket")
    nginx_groups = stack.exec("nginx", "id", "-G", "www-data").split()
    assert str(SOCKETS_GID) in nginx_groups


def test_nginx_workers_run_as_www_data(stack):
    titles = stack.container("nginx").top(ps_args="-o pid,user:20,args")["Processes"]
    workers = [user for _, user, title in titles if title.startswith("nginx: worker")]
    assert workers
    assert set(workers) == {"33"} or set(workers) == {"www-data"}


def test_supervisor_control_socket_is_private_to_the_app_container(stack):
    listing = stack.exec("app", "stat", "-c", "%a %U %F", "/tmp/supervisor.sock")
    assert listing.split() == ["700", "app", "socket"]
    # Nowhere in the nginx container, the shared volume included.
    _, output = stack.try_exec(
        "nginx", "find", "/", "-path", "/proc", "-prune", "-o", "-name", "supervisor*", "-print"
    )
    assert [line for line in output.splitlines() if "Permission denied" not in line] == []
    # The shared volume holds the `current` link and the app container's slot: its vassals'
    # sockets and pidfiles, and the static files; and the slot's lock (uwsgi/traffic.py), empty.
    hostname = stack.exec("app", "hostname").strip()
    listing = set(stack.exec("app", "ls", "-A", "/run/uwsgi").split())
    assert listing == {"current", hostname, f".{hostname}.lock"}
    assert stack.exec("app", "stat", "-c", "%s", f"/run/uwsgi/.{hostname}.lock").strip() == "0"
    assert stack.exec("app", "readlink", "/run/uwsgi/current").strip() == hostname
    slot = stack.exec("app", "ls", "-A", "/run/uwsgi/current/").split()
    assert {"api.sock", "main.sock", "static"} <= set(slot)
    # Each app's socket, pidfile, and its mark as this container's (uwsgi/healthcheck.py).
    assert all(name.endswith((".sock", ".pid", ".app")) for name in set(slot) - {"static", "apps"}), slot

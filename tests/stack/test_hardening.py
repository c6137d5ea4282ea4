"""Behaviour 8: no root, read-only root filesystems, no capabilities, loopback-only by default, logs
that cannot fill the disk."""

import json

import pytest
from harness import compose_as_shipped

SERVICES = ["app", "nginx"]


@pytest.mark.parametrize("service", SERVICES)
def test_container_is_locked_down(stack, service):
    host_config = stack.container(service).attrs["HostConfig"]
    assert host_config["ReadonlyRootfs"] is True
    assert host_config["CapDrop"] == ["ALL"]
    assert not host_config["CapAdd"]
    assert "no-new-privileges:true" in host_config["SecurityOpt"]
    assert host_config["Privileged"] is False
    assert host_config["RestartPolicy"]["Name"] == "unless-stopped"


@pytest.mark.parametrize("service", SERVICES)
def test_no_process_runs_as_root(stack, service):
    processes = stack.container(service).top(ps_args="-o pid,uid,args")["Processes"]
    assert processes
    assert [title for _, uid, title in processes if uid == "0"] == []


@pytest.mark.parametrize("service", SERVICES)
def test_root_filesystem_refuses_writes(stack, service):
    code, output = stack.try_exec(service, "touch", "/usr/local/written")
    assert code != 0
    assert "Read-only file system" in output


def test_published_port_is_loopback_only_by_default(stack):
    # compose.yaml as it ships, without .env or the test override.
    config = json.loads(compose_as_shipped("config", "--format", "json"))
    (port,) = config["services"]["nginx"]["ports"]
    assert (port["host_ip"], port["published"], port["target"]) == ("127.0.0.1", "8080", 8080)
    assert "ports" not in config["services"]["app"]
    # The running stack: nginx on loopback only, the app not published at all.
    assert [b["HostIp"] for b in stack.container("nginx").ports["8080/tcp"]] == ["127.0.0.1"]
    assert stack.container("app").ports == {}


def test_shared_volume_is_read_only_for_nginx(stack):
    code, output = stack.try_exec("nginx", "touch", "/run/uwsgi/written")
    assert code != 0
    assert "Read-only file system" in output


@pytest.mark.parametrize("service", SERVICES)
def test_each_containers_log_is_rotated(stack, service):
    # compose.yaml's x-logging at its defaults, LOG_MAX_SIZE and LOG_MAX_FILE (test_knobs.py: others).
    log = stack.container(service).attrs["HostConfig"]["LogConfig"]
    assert log == {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "5"}}

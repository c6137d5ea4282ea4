"""extras/k8s/, checked without a cluster: against the Kubernetes API's schemas (kubernetes-validate,
k8s.mk's K8S_VERSIONS, as `make lint` does) and against compose.yaml, whose images, health
checks, stop budget, hardening, tmpfs mounts and knobs the pod must keep. One behaviour is run for
real: the app container's preStop hook, which waits for nginx, in a network namespace of its own."""

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[1]
ROOT = K8S.parents[1]
KUSTOMIZATION = yaml.safe_load((K8S / "kustomization.yaml").read_text())
RESOURCES = [
    resource
    for name in KUSTOMIZATION["resources"]
    for resource in yaml.safe_load_all((K8S / name).read_text())
    if resource
]
FRAGMENT = (K8S / "k8s.mk").read_text()
(K8S_VERSIONS,) = re.findall(r"^K8S_VERSIONS := (.+)$", FRAGMENT, flags=re.MULTILINE)
COMPOSE_TEXT = (ROOT / "compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)

# Knobs whose pod value differs from compose.yaml's default on purpose (deployment.yaml says why).
DIFFERENT_ON_PURPOSE = {"UWSGI_LISTEN", "APP_STOP_GRACE_PERIOD", "SERVER_NAMES", "NGINX_WORKER_PROCESSES"}
# The kernel's net.core.somaxconn before Linux 5.4: a pod cannot raise it (not a "safe" sysctl).
OLD_KERNEL_SOMAXCONN = 128
# A unix socket's path: sun_path has 108 bytes, the last one a NUL.
SUN_PATH_MAX = 107


def _default(value):
    """compose.yaml's value with every ${KNOB:-default} replaced by its default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def _seconds(duration):
    match = re.fullmatch(r"(\d+)s", _default(duration))
    assert match, duration
    return int(match[1])


def _quantity(value):
    """A Kubernetes CPU or memory quantity as a number: 500m, 2, 256Mi, 2Gi."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m|[KMG]i)?", str(value))
    assert match, value
    return float(match[1]) * {None: 1, "m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[match[2]]


def _docker_bytes(value):
    """A Docker memory size in bytes: 256m, 2g (binary units: m is MiB, not milli)."""
    match = re.fullmatch(r"(\d+)([bkmg]?)", str(value).lower())
    assert match, value
    return int(match[1]) * {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match[2]]


def _one(kind):
    (resource,) = [r for r in RESOURCES if r["kind"] == kind]
    return resource


DEPLOYMENT = _one("Deployment")
POD = DEPLOYMENT["spec"]["template"]["spec"]
CONTAINERS = {c["name"]: c for c in POD["containers"]}
INIT_CONTAINERS = {c["name"]: c for c in POD.get("initContainers", [])}
ALL_CONTAINERS = [*CONTAINERS.values(), *INIT_CONTAINERS.values()]
SERVICES = {name: COMPOSE["services"][name] for name in ("app", "nginx")}
VOLUMES = {v["name"]: v for v in POD["volumes"]}


def _env(container):
    return {e["name"]: e for e in container.get("env", [])}


def _in_memory(volume_name):
    return VOLUMES[volume_name].get("emptyDir", {}).get("medium") == "Memory"


def _hook_script(container):
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[:2] == ["bash", "-c"]
    return command[2]


def _from_dockerfile(dockerfile, arg):
    (value,) = re.findall(rf"^ARG {arg}=(\d+)$", (ROOT / dockerfile).read_text(), flags=re.MULTILINE)
    return int(value)


# ---- the manifests as a whole ---------------------------------------------------------------------


def test_kustomization_lists_every_manifest():
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(KUSTOMIZATION["resources"]) == sorted(manifests)
    assert sorted(r["kind"] for r in RESOURCES) == sorted(
        ["Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"]
    )


@pytest.mark.parametrize("version", K8S_VERSIONS.split())
def test_every_manifest_is_valid_for_the_pinned_kubernetes_versions(version):
    # Strict (no field the schema lacks); a kind/apiVersion without a schema raises here, where the
    # command line only warns.
    for resource in RESOURCES:
        kubernetes_validate.validate(resource, version, strict=True)


def test_make_lint_validates_them_strictly_for_those_versions():
    command = "kubernetes-validate --strict --quiet $(addprefix -k ,$(K8S_VERSIONS)) $(K8S_MANIFESTS)"
    assert command in FRAGMENT
    assert "K8S_MANIFESTS := $(filter-out %/kustomization.yaml,$(wildcard extras/k8s/*.yaml))" in FRAGMENT
    assert "EXTRA_LINTS += lint-kubernetes" in FRAGMENT


def test_kubernetes_validate_rejects_a_misspelt_field():
    # The check has teeth: one wrong letter in the security context fails.
    broken = yaml.safe_load(yaml.safe_dump(DEPLOYMENT))
    security = broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    security["readOnlyRootFileSystem"] = security.pop("readOnlyRootFilesystem")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS.split()[0], strict=True)


# ---- the pod against compose.yaml ---------------------------------------------------------------


def test_one_pod_holds_both_containers_with_compose_images():
    assert set(CONTAINERS) == {"app", "nginx"}
    for name, service in SERVICES.items():
        assert CONTAINERS[name]["image"] == _default(service["image"])
    for init in INIT_CONTAINERS.values():
        assert init["image"] == _default(SERVICES["app"]["image"])


@pytest.mark.parametrize("name", ["app", "nginx"])
def test_probes_are_the_compose_health_check(name):
    check = SERVICES[name]["healthcheck"]
    assert check["test"][0] == "CMD"
    command = check["test"][1:]
    interval, timeout = _seconds(check["interval"]), _seconds(check["timeout"])
    container = CONTAINERS[name]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"] == command, probe
        assert container[probe]["timeoutSeconds"] == timeout, probe
    # Readiness: exactly compose's healthy/unhealthy.
    readiness = container["readinessProbe"]
    assert (readiness["periodSeconds"], readiness["failureThreshold"]) == (interval, check["retries"])
    # Startup: compose's start_period, probed as often.
    startup = container["startupProbe"]
    assert startup["periodSeconds"] == interval
    assert startup["periodSeconds"] * startup["failureThreshold"] >= _seconds(check["start_period"])
    # Liveness restarts the container: never sooner than readiness takes it out of the Service.
    liveness = container["livenessProbe"]
    window = readiness["periodSeconds"] * readiness["failureThreshold"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > window


def test_app_liveness_outlasts_harakiri():
    # Every worker busy with a request up to harakiri makes the probe time out: not a reason to
    # kill the container (and every request in it).
    liveness = CONTAINERS["app"]["livenessProbe"]
    harakiri = int(_env(CONTAINERS["app"])["UWSGI_HARAKIRI"]["value"])
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > harakiri


def test_grace_period_covers_the_compose_stop_budget_and_nginx_delay():
    grace = POD["terminationGracePeriodSeconds"]
    sleep = int(re.search(r"^sleep (\d+)$", _hook_script(CONTAINERS["nginx"]), flags=re.MULTILINE)[1])
    for service in SERVICES.values():
        assert grace >= sleep + _seconds(service["stop_grace_period"])
    app_env = _env(CONTAINERS["app"])
    # The app's own check of the budget (uwsgi/knobs.sh) sees the pod's.
    assert int(app_env["APP_STOP_GRACE_PERIOD"]["value"]) == grace
    assert grace >= int(app_env["UWSGI_HARAKIRI"]["value"]) + 20


def test_nginx_quits_gracefully_before_the_app_stops():
    nginx = _hook_script(CONTAINERS["nginx"])
    (pidfile,) = re.findall(r"^pid (\S+);$", (ROOT / "nginx" / "nginx.conf").read_text(), flags=re.MULTILINE)
    lines = [line for line in nginx.splitlines() if not line.lstrip().startswith("#")]
    assert lines == [
        lines[0],
        "nginx -s quit",
        f"while [[ -e {pidfile} ]]; do sleep 0.5; done",
    ]
    sleep = int(re.fullmatch(r"sleep (\d+)", lines[0])[1])
    # The app's hook waits longer for nginx to stop listening than nginx sleeps before it quits.
    app = _hook_script(CONTAINERS["app"])
    steps = int(re.search(r"for _ in \{1\.\.(\d+)\}; do state 0A \|\| break; sleep 0\.5; done", app)[1])
    assert steps * 0.5 > sleep
    # ... on the port nginx listens on (nginx/listen.conf), as /proc/net/tcp writes it.
    (port,) = re.findall(r"^listen (\d+);$", (ROOT / "nginx" / "listen.conf").read_text(), flags=re.MULTILINE)
    assert f":{int(port):04X} " in app
    assert CONTAINERS["nginx"]["ports"] == [{"name": "http", "containerPort": int(port)}]


def test_hardening_equals_compose():
    for service in SERVICES.values():
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
    pod = POD["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert POD["automountServiceAccountToken"] is False
    assert POD["enableServiceLinks"] is False
    users = {"app": _from_dockerfile("app/Dockerfile", "APP_UID"), "nginx": 33}  # 33: Debian's www-data
    for container in ALL_CONTAINERS:
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True, container["name"]
        assert security["readOnlyRootFilesystem"] is True, container["name"]
        assert security["allowPrivilegeEscalation"] is False, container["name"]
        assert security["capabilities"] == {"drop": ["ALL"]}, container["name"]
        assert not security.get("privileged"), container["name"]
        # Numeric: the images' USER is a name, which runAsNonRoot cannot check.
        user = users["nginx" if container["name"] == "nginx" else "app"]
        assert security["runAsUser"] == user and security["runAsGroup"] == user, container["name"]


def test_both_containers_share_the_sockets_group():
    gid = _from_dockerfile("app/Dockerfile", "SOCKETS_GID")
    assert _from_dockerfile("nginx/Dockerfile", "SOCKETS_GID") == gid
    pod = POD["securityContext"]
    assert pod["fsGroup"] == gid
    assert gid in pod["supplementalGroups"]


def test_no_sysctl_so_the_backlog_fits_the_kernel_default():
    # net.core.somaxconn is not a "safe" sysctl: a pod setting it is refused by a default kubelet.
    assert "sysctls" not in POD["securityContext"]
    assert int(_env(CONTAINERS["app"])["UWSGI_LISTEN"]["value"]) <= OLD_KERNEL_SOMAXCONN
    assert "net.core.somaxconn" in SERVICES["app"]["sysctls"]  # what compose does instead


@pytest.mark.parametrize("name", ["app", "nginx"])
def test_knobs_are_compose_defaults_unless_said_otherwise(name):
    env = _env(CONTAINERS[name])
    for knob, value in SERVICES[name]["environment"].items():
        assert knob in env, knob
        if "valueFrom" in env[knob]:
            # DATABASE_URL: from the optional Secret, as compose's empty default means "unset".
            assert env[knob]["valueFrom"]["secretKeyRef"]["optional"] is True
        elif knob not in DIFFERENT_ON_PURPOSE:
            assert env[knob]["value"] == _default(value), knob
    assert set(env) == set(SERVICES[name]["environment"])


def test_both_containers_use_the_unix_transport():
    # The tcp transport's nginx config resolves the app through Docker's DNS (127.0.0.11).
    for container in CONTAINERS.values():
        assert _env(container)["UWSGI_TRANSPORT"]["value"] == "unix"


def test_compose_tmpfs_mounts_are_memory_backed_empty_dirs():
    for name, service in SERVICES.items():
        tmpfs = {entry.split(":")[0] for entry in service["tmpfs"]}
        memory = {m["mountPath"] for m in CONTAINERS[name]["volumeMounts"] if _in_memory(m["name"])}
        assert memory == tmpfs, name


def test_compose_volumes_are_mounted_at_the_same_paths():
    for name, service in SERVICES.items():
        mounts = {m["mountPath"]: m for m in CONTAINERS[name]["volumeMounts"]}
        for entry in service["volumes"]:
            volume, path, *options = entry.split(":")
            assert mounts[path]["name"] == volume, entry
            assert mounts[path].get("readOnly", False) == (options == ["ro"]), entry
            # Per pod, never a ReadWriteOnce claim that a second replica could not attach.
            assert "emptyDir" in VOLUMES[volume], volume


def test_every_container_has_requests_and_limits():
    for container in ALL_CONTAINERS:
        resources = container["resources"]
        for resource in ("cpu", "memory"):
            request = _quantity(resources["requests"][resource])
            limit = _quantity(resources["limits"][resource])
            assert 0 < request <= limit, (container["name"], resource)


@pytest.mark.parametrize("name", ["app", "nginx"])
def test_memory_limits_follow_compose(name):
    # compose.yaml has a memory limit per service once the APP_/NGINX_MEMORY_LIMIT knobs exist.
    limit = _quantity(CONTAINERS[name]["resources"]["limits"]["memory"])
    if "mem_limit" in SERVICES[name]:
        assert limit == _docker_bytes(_default(SERVICES[name]["mem_limit"]))
    # Memory-backed volumes count against it: they must fit in it.
    tmpfs = sum(
        _quantity(VOLUMES[m["name"]]["emptyDir"]["sizeLimit"])
        for m in CONTAINERS[name]["volumeMounts"]
        if _in_memory(m["name"])
    )
    assert tmpfs < limit


def test_every_vassal_socket_path_fits_under_the_longest_pod_name():
    # The hostname is the pod's name: the Deployment's, "-", a hash of up to 10, "-", 5 random.
    hostname = "x" * (len(DEPLOYMENT["metadata"]["name"]) + 17)
    for ini in (ROOT / "uwsgi" / "vassals").glob("*.ini"):
        assert len(f"/run/uwsgi/{hostname}/{ini.stem}.sock") <= SUN_PATH_MAX, ini.name


# ---- Service, PodDisruptionBudget, HorizontalPodAutoscaler, rollout -----------------------------


def test_selectors_match_the_pods():
    labels = DEPLOYMENT["spec"]["template"]["metadata"]["labels"]
    selector = DEPLOYMENT["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    service = _one("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    assert _one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"] == selector
    # The Service reaches nginx by its port's name.
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in {p["name"] for p in CONTAINERS["nginx"]["ports"]}


def test_the_hpa_scales_the_deployment_on_cpu_and_the_pdb_leaves_room():
    hpa = _one("HorizontalPodAutoscaler")["spec"]
    target = hpa["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "Deployment",
        DEPLOYMENT["metadata"]["name"],
    )
    (metric,) = hpa["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert 0 < metric["resource"]["target"]["averageUtilization"] <= 100
    assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    # The HPA owns the replica count.
    assert "replicas" not in DEPLOYMENT["spec"]
    # A drain can evict a pod at the minimum replica count.
    pdb = _one("PodDisruptionBudget")["spec"]
    assert 1 <= pdb["minAvailable"] < hpa["minReplicas"]


def test_rolling_update_never_goes_below_the_replica_count():
    strategy = DEPLOYMENT["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    assert strategy["rollingUpdate"]["maxSurge"] >= 1


# ---- the app's preStop hook, run ----------------------------------------------------------------

# Runs in a network namespace of its own (unshare): a stand-in for nginx listens on 8080, a client
# stays connected to it, and the app's hook must wait for both to go.
NAMESPACED = textwrap.dedent(
    """
    import fcntl, socket, struct, subprocess, sys, time

    # Loopback up (SIOCGIFFLAGS, SIOCSIFFLAGS | IFF_UP): a new namespace starts with it down.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sh22x", fcntl.ioctl(s, 0x8913, struct.pack("16sh22x", b"lo", 0)))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sh22x", b"lo", flags | 1))
    listener = socket.create_server(("127.0.0.1", 8080))
    client = socket.create_connection(("127.0.0.1", 8080))
    accepted, _ = listener.accept()
    hook = subprocess.Popen(["bash", "-c", sys.argv[1]])

    def running_after(seconds):
        time.sleep(seconds)
        return hook.poll() is None

    assert running_after(1.5), "stopped while nginx listens"
    listener.close()
    assert running_after(1.5), "stopped while nginx still serves a client"
    accepted.close()
    client.close()
    assert hook.wait(timeout=3) == 0
    print("waited for nginx")
    """
)


def test_app_prestop_waits_until_nginx_has_stopped_listening_and_serving():
    if not shutil.which("unshare") or not Path("/proc/net/tcp").exists():
        pytest.skip("needs unshare and /proc/net/tcp")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no network namespace for this user: {probe.stderr.decode().strip()}")
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", NAMESPACED, _hook_script(CONTAINERS["app"])],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "waited for nginx"

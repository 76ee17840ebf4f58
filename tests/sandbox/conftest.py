"""Fixtures of the sandbox tests: one sandbox per backend, and the check that nothing is left behind.

Every test that takes ``sandbox`` runs on both backends. The Docker one calls
``mathgym.testing.require("docker")`` (a skip locally without Docker, a failure under MATHGYM_STRICT=1).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator

import pytest

from mathgym.testing import require

#: a secret in the test process's environment that no snippet may read (set before any worker starts)
SECRET_ENV = "MATHGYM_TEST_SECRET_TOKEN"
SECRET_VALUE = "s3cr3t-" + os.urandom(8).hex()
os.environ[SECRET_ENV] = SECRET_VALUE

SANDBOX_GROUP = pytest.mark.xdist_group("sandbox")  # one xdist worker starts the sandboxes once


def _sandbox_processes() -> list[int]:
    """This process's descendants that are sandbox workers or boxes (other fixtures' processes excluded)."""
    import psutil

    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if any("<mathgym-sandbox-worker>" in part for part in proc.cmdline()):
                found.append(proc.pid)
        except psutil.Error:
            pass
    return found


def _cgroup_dirs() -> set[str]:
    """Worker cgroups whose worker is gone or is ours (other processes' live sandboxes are not counted)."""
    import psutil

    ours = {p.pid for p in psutil.Process().children(recursive=True)}
    found = set()
    for path in glob.glob("/sys/fs/cgroup/*/**/mathgym-sbx-*", recursive=True):
        pid = int(path.rsplit("-", 1)[1])
        if pid in ours or not psutil.pid_exists(pid):
            found.add(path)
    return found


def _sysv_shm_of(uid: int) -> list[str]:
    try:
        with open("/proc/sysvipc/shm") as fh:
            rows = fh.read().splitlines()[1:]
    except OSError:
        return []
    return [r for r in rows if len(r.split()) > 7 and r.split()[7] == str(uid)]


def _files_of(uid: int) -> set[str]:
    found = set()
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        for root, dirs, files in os.walk(top):
            if root.count(os.sep) > 3:
                dirs[:] = []
            for name in dirs + files:
                path = os.path.join(root, name)
                try:
                    if os.lstat(path).st_uid == uid:
                        found.add(path)
                except OSError:
                    pass
    return found


def _containers() -> set[str]:
    """Sandbox containers started by this process."""
    try:
        import socket

        import docker

        from mathgym.sandbox.container import LABEL

        client = docker.from_env(timeout=10)
        try:
            owner = f"{LABEL}.owner={socket.gethostname()}:{os.getpid()}"
            return {c.id for c in client.containers.list(all=True, filters={"label": owner})}
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - no Docker here: nothing can be left there either
        return set()


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """After all sandbox tests (and every sandbox closed): no process, cgroup, container, file or
    SysV segment that a test's snippets could have created is left."""

    before_cgroups = _cgroup_dirs()
    before_files = _files_of(65534)
    before_containers = _containers()
    before_shm = _sysv_shm_of(65534)
    yield
    import gc

    from mathgym.sandbox import shared

    for sandbox in list(shared._SHARED.values()):  # envs' shared sandboxes live until the process ends
        sandbox.close()
    shared._SHARED.clear()
    gc.collect()
    assert _sandbox_processes() == [], "sandbox processes are still running"
    assert _cgroup_dirs() - before_cgroups == set(), "sandbox cgroups were left behind"
    assert _containers() - before_containers == set(), "sandbox containers were left behind"
    assert _files_of(65534) - before_files == set(), "snippets left files on the host"
    assert _sysv_shm_of(65534) == before_shm, "snippets left SysV shared memory on the host"


_SANDBOXES: dict[str, object] = {}


@pytest.fixture(scope="session")
def local_sandbox() -> Iterator[object]:
    from mathgym.sandbox import LocalSandbox

    sandbox = LocalSandbox(memory_mb=256, max_workers=2)
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def docker_sandbox() -> Iterator[object]:
    require("docker")
    from mathgym.sandbox import DockerSandbox

    sandbox = DockerSandbox(memory_mb=256, max_workers=2)
    yield sandbox
    sandbox.close()


@pytest.fixture(params=["local", "docker"])
def sandbox(request: pytest.FixtureRequest) -> object:
    """The sandbox of one backend (the test runs once per backend)."""
    return request.getfixturevalue(f"{request.param}_sandbox")


def leftover_processes(sandbox: object) -> int:
    """Processes in the sandbox's workers beyond an idle worker's own (its box template and the boxes it
    prepared ahead, which the worker counts in ``idle_processes``).

    ``stats()`` pings every idle worker; a worker answers only after its finished boxes are gone.
    """
    import psutil

    extra = 0
    for row in sandbox.stats():
        if "worker_pid" in row:
            kids = psutil.Process(row["worker_pid"]).children(recursive=True)
            extra += len(kids) - row["idle_processes"]
        else:
            import docker

            client = docker.from_env()
            try:
                top = client.api.top(row["container"])
            finally:
                client.close()
            extra += len(top["Processes"]) - 1 - row["idle_processes"]  # the worker itself is PID 1
    return extra

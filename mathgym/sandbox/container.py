"""``DockerSandbox``: snippets run inside long-lived hardened containers (the Docker SDK drives them).

Each worker is a container of :data:`~mathgym.sandbox.docker_image.DEFAULT_IMAGE` started with no
network, a read-only root, tmpfs scratch, memory and pids limits, every capability dropped,
``no-new-privileges`` and a non-root user. Its PID 1 is the same worker program as the local backend
(:mod:`mathgym.sandbox._worker`, sent over the attached stdin): a box template forked before any
request forks one process per snippet and, after each snippet, SIGKILLs everything else in the
container, wipes the tmpfs mounts and SysV IPC, and reports the worker poisoned if anything survived;
a poisoned or crashed container is replaced transparently. A snippet therefore pays neither
``docker run`` nor ``exec_run`` (which has no per-call timeout).
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

from mathgym.sandbox import _worker as proto
from mathgym.sandbox.base import PooledSandbox, SandboxUnavailable, WorkerHandle
from mathgym.sandbox.docker_image import DEFAULT_IMAGE
from mathgym.sandbox.local import WORKER_ENV, worker_source

#: label on every sandbox container, so leftovers can be found (``docker ps --filter label=…``)
LABEL = "mathgym.sandbox"
#: memory the worker itself (python3 + preloaded numpy/sympy) needs on top of a snippet's budget
WORKER_OVERHEAD_MB = {True: 192, False: 48}


class ContainerWorker(WorkerHandle):
    """One sandbox container, driven over its attached stdin/stdout."""

    def __init__(self, sandbox: DockerSandbox, preload: Sequence[str]) -> None:
        super().__init__()
        self._sandbox = sandbox
        self._raw = bytearray()  # Docker's multiplexed stream, not yet demultiplexed
        self.container_id: str | None = None
        api = sandbox._api()
        self._overhead_mb = sandbox.scratch_mb + 16 + WORKER_OVERHEAD_MB[bool(preload)]
        self._memory_mb = sandbox.memory_mb
        memory = sandbox.memory_mb + self._overhead_mb
        uid, _, gid = sandbox.user.partition(":")
        gid = gid or uid
        import docker

        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            auto_remove=True,
            init=False,
            # the image's mountpoint modes are copied up (a mode= option is ignored): own them instead
            tmpfs={
                "/scratch": (
                    f"rw,nosuid,nodev,size={sandbox.scratch_mb}m,nr_inodes=8192,uid={uid},gid={gid},mode=0700"
                ),
                "/tmp": f"rw,nosuid,nodev,size=8m,nr_inodes=1024,uid={uid},gid={gid},mode=0700",
            },
            mem_limit=f"{memory}m",
            memswap_limit=f"{memory}m",
            pids_limit=sandbox.max_processes + 8,
            shm_size="8m",
            ipc_mode="private",
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            log_config=docker.types.LogConfig(type="none"),
            ulimits=[docker.types.Ulimit(name="core", soft=0, hard=0)],
            nano_cpus=int(sandbox.cpus * 1e9) if sandbox.cpus else None,
        )
        with sandbox._api_lock:
            created = api.create_container(
                sandbox.image,
                command=["python3", "-s", "-c", proto.BOOTSTRAP, "container"],
                user=sandbox.user,
                working_dir="/scratch",
                environment=dict(WORKER_ENV),
                hostname="sandbox",
                stdin_open=True,
                detach=False,
                network_disabled=True,
                host_config=host_config,
                labels={LABEL: "worker", f"{LABEL}.owner": f"{socket.gethostname()}:{os.getpid()}"},
            )
            self.container_id = created["Id"]
            try:
                self._sock_io = api.attach_socket(
                    self.container_id, params={"stdin": 1, "stdout": 1, "stream": 1}
                )
                self._sock = getattr(self._sock_io, "_sock", self._sock_io)
                api.start(self.container_id)
            except BaseException:
                self.kill()
                raise
        try:
            self.handshake(worker_source(), sandbox._worker_config(preload))
        except BaseException:
            self.kill()
            raise

    def describe(self) -> dict[str, Any]:
        return {"container": (self.container_id or "")[:12]}

    def set_memory(self, memory_mb: int) -> None:
        """Make the container's memory limit (the aggregate cap) follow the snippet's ``memory_mb``."""
        if memory_mb == self._memory_mb or self.container_id is None:
            return
        total = f"{memory_mb + self._overhead_mb}m"
        api = self._sandbox._api()
        try:
            # raising: swap limit first; lowering: memory first (the kernel keeps memory <= memory+swap)
            if memory_mb > self._memory_mb:
                api.update_container(self.container_id, memswap_limit=total, mem_limit=total)
            else:
                api.update_container(self.container_id, mem_limit=total, memswap_limit=total)
            self._memory_mb = memory_mb
        except Exception:  # noqa: BLE001 - usage above the new cap: keep the old one
            pass

    def _send(self, data: bytes) -> None:
        self._sock.sendall(data)

    def _recv(self, timeout: float) -> bytes | None:
        """Demultiplex Docker's attach stream (8-byte headers: stream, 0, 0, 0, size) into stdout bytes."""
        out = bytearray()
        while True:
            while len(self._raw) >= 8:
                size = int.from_bytes(self._raw[4:8], "big")
                if len(self._raw) < 8 + size:
                    break
                if self._raw[0] == 1:
                    out += self._raw[8 : 8 + size]
                del self._raw[: 8 + size]
            if out:
                return bytes(out)
            if not select.select([self._sock], [], [], max(0.0, timeout))[0]:
                return None
            try:
                chunk = self._sock.recv(1 << 16)
            except OSError:
                return b""
            if not chunk:
                return b""
            self._raw += chunk
            timeout = 0.0 if out else timeout

    def kill(self) -> None:
        self.alive = False
        if self.container_id is not None:
            import docker

            api = self._sandbox._api()
            for call in (
                lambda: api.kill(self.container_id),
                lambda: api.remove_container(self.container_id, force=True),
            ):
                try:
                    call()
                except (docker.errors.NotFound, docker.errors.APIError):
                    pass  # already gone, or auto-removal in progress
            # an exited container's auto-removal runs in the daemon: wait for it, so that a closed
            # sandbox leaves no container behind
            deadline = time.monotonic() + 15.0
            while time.monotonic() < deadline:
                try:
                    api.inspect_container(self.container_id)
                except docker.errors.NotFound:
                    break
                except docker.errors.APIError:
                    pass
                time.sleep(0.05)
            self.container_id = None
        self._close_socket()

    def _close_socket(self) -> None:
        for obj in (getattr(self, "_sock_io", None), getattr(self, "_sock", None)):
            try:
                if obj is not None:
                    obj.close()
            except OSError:
                pass

    def abandon(self) -> None:
        super().abandon()
        self._close_socket()
        self.container_id = None


class DockerSandbox(PooledSandbox):
    """Runs snippets in long-lived hardened containers; same contract and tests as the local backend.

    All :class:`~mathgym.sandbox.pooled.PooledSandbox` arguments apply (``lean_workers`` defaults to
    ``False`` here: a second container costs more than it saves), plus:

    :param image: image with python3 (build it with ``mathgym sandbox build-image``).
    :param user: ``uid:gid`` inside the container (non-root).
    :param cpus: CPU quota per container (``None``: no quota).
    :param base_url: Docker daemon address (default: from the environment, like the docker CLI).
    """

    backend = "docker"

    def __init__(
        self,
        *,
        image: str = DEFAULT_IMAGE,
        user: str = "65534:65534",
        cpus: float | None = None,
        base_url: str | None = None,
        lean_workers: bool = False,
        **kwargs: Any,
    ) -> None:
        self.image = image
        self.user = user
        self.cpus = cpus
        self.base_url = base_url
        self._api_lock = threading.Lock()
        self._client: Any = None  # a docker.DockerClient, made on first use in each process
        self._client_pid = -1
        self._check_available()
        self._settings = {"image": image, "user": user, "cpus": cpus, "base_url": base_url}
        super().__init__(lean_workers=lean_workers, **kwargs)

    def _api(self) -> Any:  # a docker.DockerClient
        if self._client is None or self._client_pid != os.getpid():
            import docker

            self._client = (
                docker.DockerClient(base_url=self.base_url, timeout=120)
                if self.base_url
                else docker.from_env(timeout=120)
            )
            self._client_pid = os.getpid()
        return self._client.api

    def _check_available(self) -> None:
        try:
            import docker
        except ImportError:
            raise SandboxUnavailable("the docker SDK is missing: pip install 'mathgym[docker]'") from None
        try:
            api = self._api()
            api.ping()
        except Exception as exc:  # noqa: BLE001 - any failure here means "no daemon"
            raise SandboxUnavailable(
                f"the Docker daemon is not reachable ({exc}); start it (e.g. `nohup dockerd "
                ">/tmp/dockerd.log 2>&1 &`, then wait for `docker info`)"
            ) from None
        try:
            api.inspect_image(self.image)
        except docker.errors.ImageNotFound:
            raise SandboxUnavailable(
                f"the sandbox image {self.image!r} does not exist; build it with "
                "`mathgym sandbox build-image`"
            ) from None

    def _start_worker(self, preload: Sequence[str]) -> WorkerHandle:
        return ContainerWorker(self, preload)

    def close(self) -> None:
        super().close()
        if self._client is not None and self._client_pid == os.getpid():
            self._client.close()
        self._client = None


def leftover_containers(base_url: str | None = None) -> list[str]:
    """Ids of sandbox containers that exist now (for tests and cleanup scripts)."""
    import docker

    client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
    try:
        return [c.id for c in client.containers.list(all=True, filters={"label": LABEL})]
    finally:
        client.close()

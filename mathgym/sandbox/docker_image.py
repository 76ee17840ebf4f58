"""Builds the Docker image of :class:`~mathgym.sandbox.DockerSandbox` from a Debian root filesystem.

No registry is needed: ``debootstrap`` fetches Debian packages from a mirror, the root filesystem is
trimmed (apt caches, documentation, locales) and streamed into ``docker import``. The image carries only
``python3`` (plus numpy and sympy from Debian where they install, since math tool calls use them); the
sandbox worker program is sent to each container at start, so changing mathgym never needs a rebuild.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence

#: image every DockerSandbox uses unless told otherwise (``mathgym.testing`` checks for it)
DEFAULT_IMAGE = "mathgym-sandbox:bookworm"
DEFAULT_SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3-minimal",)
SCIENTIFIC_PACKAGES = ("python3-numpy", "python3-sympy")
#: what is removed from the root filesystem before import (not needed to run python3)
TRIM_PATHS = (
    "var/cache/apt",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/log",
)


def image_exists(image: str = DEFAULT_IMAGE) -> bool:
    """Whether the local Docker daemon has ``image``."""
    try:
        import docker

        docker.from_env(timeout=10).images.get(image)
        return True
    except Exception:  # noqa: BLE001 - no SDK, no daemon or no image all mean "no"
        return False


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise PermissionError(
            "building the sandbox image runs debootstrap, which needs root "
            "(run `sudo mathgym sandbox build-image`)"
        )
    missing = [tool for tool in ("debootstrap", "docker", "tar") if shutil.which(tool) is None]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(missing)}: apt-get install -y debootstrap docker.io")
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        raise RuntimeError(
            "the Docker daemon is not reachable; start it (e.g. `nohup dockerd "
            ">/tmp/dockerd.log 2>&1 &`) and wait until `docker info` works"
        )


def _debootstrap(
    root: str, suite: str, mirror: str, packages: Sequence[str], log: Callable[[str], None]
) -> None:
    cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", suite, root, mirror]
    log(f"$ {' '.join(cmd)}")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"debootstrap failed (exit {proc.returncode}):\n{tail}")


def build_image(
    image: str = DEFAULT_IMAGE,
    *,
    suite: str = DEFAULT_SUITE,
    mirror: str = DEFAULT_MIRROR,
    scientific: bool = True,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> str:
    """Build ``image`` (a Debian ``suite`` root filesystem with python3) unless it already exists.

    :param image: repository:tag to create.
    :param suite: Debian release for ``debootstrap``.
    :param mirror: Debian mirror URL.
    :param scientific: also install python3-numpy and python3-sympy; if that fails, build without them.
    :param force: rebuild even if the image exists.
    :param log: receives progress lines.
    :returns: the image name.
    """
    if not force and image_exists(image):
        log(f"{image} already exists (use force=True / --force to rebuild)")
        return image
    _require_tools()
    start = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="mathgym-image-")
    root = os.path.join(workdir, "rootfs")
    try:
        packages = list(BASE_PACKAGES) + (list(SCIENTIFIC_PACKAGES) if scientific else [])
        try:
            _debootstrap(root, suite, mirror, packages, log)
        except RuntimeError as exc:
            if not scientific:
                raise
            log(f"with numpy/sympy: {exc}\nretrying with python3-minimal only")
            shutil.rmtree(root, ignore_errors=True)
            _debootstrap(root, suite, mirror, list(BASE_PACKAGES), log)
        for rel in TRIM_PATHS:
            path = os.path.join(root, rel)
            if os.path.isdir(path):
                for name in os.listdir(path):
                    target = os.path.join(path, name)
                    if os.path.isdir(target) and not os.path.islink(target):
                        shutil.rmtree(target, ignore_errors=True)
                    else:
                        os.unlink(target)
        for mountpoint in ("scratch",):
            os.makedirs(os.path.join(root, mountpoint), exist_ok=True)
        log(f"importing {root} as {image}")
        tar = subprocess.Popen(["tar", "-C", root, "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(
            ["docker", "import", "--change", 'CMD ["python3"]', "--change", "USER 65534:65534", "-", image],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        tar.stdout.close()  # type: ignore[union-attr]
        if tar.wait() != 0 or imp.returncode != 0:
            raise RuntimeError(f"docker import failed: {imp.stderr.strip()}")
        check = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                image,
                "python3",
                "-c",
                "import sys; print(sys.version.split()[0])",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check.returncode != 0:
            raise RuntimeError(f"the new image does not run python3: {check.stderr.strip()}")
        log(f"built {image} (python {check.stdout.strip()}) in {time.monotonic() - start:.0f} s")
        return image
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

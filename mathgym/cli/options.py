"""Shared by the CLI commands: ``KEY=VALUE`` options (``--env-arg``, ``--hp``), errors, run folders."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer


def parse_key_values(items: list[str] | None, flag: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``: each value is read as JSON, else kept as text.

    Reading JSON first lets ``--env-arg max_steps=8`` pass an int and ``--hp 'net_arch=[64,64]'`` a list
    without a type table per option, while plain words still need no quoting.

    :param items: the option's values as typer collected them (``None`` when the option was not given).
    :param flag: the option's name, for the error message.
    :raises typer.BadParameter: an item without ``=``.
    """
    values: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{flag} wants KEY=VALUE, got {item!r}")
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code`` (2: the user can fix the command line).

    :param message: one line that names the problem and, where there is one, the fix.
    :param code: exit status.
    """
    typer.echo(f"error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(code)


#: the file that marks a folder as a mathgym run directory (what ``--overwrite`` may replace)
RUN_MARKER = "run.json"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", text).strip("-")[:60] or "run"


def new_run_dir(
    out: Path | None,
    *,
    root: Path,
    name: str,
    overwrite: bool = False,
    describe: dict[str, Any] | None = None,
) -> Path:
    """The folder a command writes into, never holding another run's results.

    Without ``out``: a new ``root/<YYYYmmdd-HHMMSS>-<name>`` folder, and ``root/latest`` pointed at it.
    With ``out``: that folder if it is missing or empty; if it holds files, only with ``overwrite`` and
    only when it is a mathgym run directory (it has :data:`RUN_MARKER`), which is then emptied first so
    that no file of the earlier run survives next to the new ones.

    :param out: the ``--out`` the user gave, or ``None``.
    :param root: where timestamped folders go (``results/eval``).
    :param name: a few words for the folder name (env, agent).
    :param overwrite: the user's ``--overwrite``.
    :param describe: what the run is (command, arguments), written to ``run.json`` with the start time.
    :returns: the created folder.
    """
    import shutil
    import time

    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = root / f"{stamp}-{_slug(name)}"
        out, k = base, 1
        while out.exists():  # two runs in the same second
            k += 1
            out = base.with_name(f"{base.name}-{k}")
    elif out.exists():
        if not out.is_dir():
            fail(f"--out {out} is a file, not a folder")
        if any(out.iterdir()):
            if not overwrite:
                fail(
                    f"{out} already holds results: pass --overwrite to replace them, or leave out --out to "
                    f"get a new timestamped folder under {root}"
                )
            if not (out / RUN_MARKER).is_file():
                fail(f"refusing to --overwrite {out}: it has no {RUN_MARKER}, so mathgym did not write it")
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    record = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv, **(describe or {})}
    (out / RUN_MARKER).write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    if out.parent.resolve() == root.resolve():
        _point_latest(root, out)
    return out


def _point_latest(root: Path, target: Path) -> None:
    """``root/latest`` -> ``target`` (a relative symlink, replaced atomically; skipped where links fail)."""
    link = root / "latest"
    tmp = root / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(target.name)
        os.replace(tmp, link)
    except OSError:  # e.g. a filesystem without symlinks: the printed path is enough
        pass

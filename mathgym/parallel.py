"""Run independent tasks on a local process pool (default) or on Ray, handling results as they finish.

Shared by sweeps (:mod:`mathgym.sweep`) and reward design (:mod:`mathgym.reward_design.loop`). Pool
workers exit when the controlling process dies, even by SIGKILL, so a killed run leaves nothing running.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

BACKENDS = ("local", "ray")


def watch_parent(parent: int) -> None:
    """Pool-worker initializer: exit when ``parent`` is gone instead of lingering as an orphan."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="mathgym-parent-watch").start()


def keep_busy(
    tasks: Iterable[Any],
    workers: int,
    submit: Callable[[Any], Any],
    wait_some: Callable[[list[Any]], tuple[Iterable[Any], Iterable[Any]]],
    result: Callable[[Any], Any],
    on_result: Callable[[Any], None],
    started: Callable[[], None] | None = None,
) -> None:
    """Run ``tasks`` with at most ``2 * workers`` in flight, handing each result over as it finishes.

    Two per worker keeps every worker fed while the parent handles results, without queueing everything
    (memory stays flat however many tasks there are). Both backends use this loop; they differ only in
    how a task is submitted, waited for and read back.

    :param submit: starts one task and returns its handle (a future, a Ray ref).
    :param wait_some: ``(finished, still_pending)`` once at least one handle has finished.
    :param result: the value of a finished handle.
    :param on_result: called with each value, in completion order.
    :param started: called once the first tasks are submitted.
    """
    pending: list[Any] = []
    queue = iter(tasks)

    def fill() -> None:
        while len(pending) < 2 * workers:
            task = next(queue, None)
            if task is None:
                return
            pending.append(submit(task))

    fill()
    if started is not None:
        started()
    while pending:
        finished, still_pending = wait_some(pending)
        pending[:] = still_pending
        for handle in finished:
            on_result(result(handle))
        fill()


def run_parallel(
    fn: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    *,
    workers: int,
    backend: str = "local",
    on_result: Callable[[Any], None],
    start_method: str = "spawn",
    started: Callable[[], None] | None = None,
) -> None:
    """Call ``fn(*args)`` for each tuple of ``arguments`` on ``workers`` processes.

    :param fn: a module-level function (it is pickled to the workers).
    :param arguments: one argument tuple per task.
    :param workers: processes (``1``: run in this process, in order).
    :param backend: ``"local"`` (a process pool) or ``"ray"`` (Ray tasks; a local cluster is started when
        none is running).
    :param on_result: called with each return value as it finishes.
    :param start_method: the pool's multiprocessing start method (``"spawn"`` is safe with torch threads).
    :param started: called once the first tasks are submitted.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if backend == "ray":
        _run_ray(fn, arguments, workers, on_result, started)
        return
    if workers == 1 or len(arguments) <= 1:
        if started is not None:
            started()
        for args in arguments:
            on_result(fn(*args))
        return
    import multiprocessing as mp

    context = mp.get_context(start_method if start_method in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(arguments)),
        mp_context=context,
        initializer=watch_parent,
        initargs=(os.getpid(),),
    ) as pool:
        keep_busy(
            arguments,
            workers,
            submit=lambda args: pool.submit(fn, *args),
            wait_some=lambda pending: wait(pending, return_when=FIRST_COMPLETED),
            result=Future.result,
            on_result=on_result,
            started=started,
        )


def _run_ray(
    fn: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    workers: int,
    on_result: Callable[[Any], None],
    started: Callable[[], None] | None,
) -> None:
    try:
        import ray
    except ImportError:
        raise ImportError("backend='ray' needs Ray: pip install -e '.[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            num_cpus=workers,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            runtime_env={"env_vars": {k: v for k, v in os.environ.items() if k.startswith("MATHGYM_")}},
        )
    try:
        remote = ray.remote(num_cpus=1)(fn)
        keep_busy(
            arguments,
            workers,
            submit=lambda args: remote.remote(*args),
            wait_some=lambda pending: ray.wait(pending, num_returns=1),
            result=ray.get,
            on_result=on_result,
            started=started,
        )
    finally:
        if started_here:
            ray.shutdown()

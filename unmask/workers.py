"""A pool of worker processes that stops at once when the command is interrupted.

Workers ignore Ctrl-C (the terminal sends it to every process of the group; the command itself
decides what an interruption means and says it once, without a worker's traceback), and take
the default action on SIGTERM and SIGHUP.  When the command stops (Ctrl-C, SIGTERM, an error)
the work not started is cancelled and the workers are ended, instead of being waited for.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

__all__ = ["worker_pool"]


def _worker_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


@contextlib.contextmanager
def worker_pool(workers: int, context: BaseContext) -> Iterator[ProcessPoolExecutor]:
    """A process pool of ``workers``; ended at once (not drained) if the block is left by an
    exception, an interruption or a generator that is closed."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_signals)
    try:
        yield pool
    except BaseException:
        # The executor keeps its processes in a private mapping; without it, cancelling is all.
        for process in (getattr(pool, "_processes", None) or {}).values():
            with contextlib.suppress(Exception):
                process.terminate()
        # The workers are gone, so waiting is brief; it lets the executor's own thread end cleanly.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)

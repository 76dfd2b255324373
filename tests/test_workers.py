"""The worker pool: workers leave Ctrl-C to the command, and an interrupted command ends them."""

from __future__ import annotations

import os
import signal
import time
from multiprocessing import get_context

import pytest

from unmask.workers import worker_pool

_CONTEXT = get_context("fork" if os.name == "posix" else "spawn")


def _sigint_handler() -> object:
    return signal.getsignal(signal.SIGINT)


def _pid() -> int:
    return os.getpid()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


class _Stop(Exception):
    pass


def test_workers_ignore_ctrl_c() -> None:
    with worker_pool(1, _CONTEXT) as pool:
        assert pool.submit(_sigint_handler).result() == signal.SIG_IGN


@pytest.mark.skipif(os.name != "posix", reason="process ids are checked with os.kill")
def test_leaving_the_block_early_ends_the_workers_instead_of_waiting() -> None:
    with pytest.raises(_Stop), worker_pool(1, _CONTEXT) as pool:
        pid = pool.submit(_pid).result()
        busy = pool.submit(_sleep, 600)
        queued = pool.submit(_sleep, 600)
        raise _Stop
    # Ended with the worker (cancelled, or failed with the broken pool if already handed over),
    # not run to its end: the block is left at once.
    for future in (busy, queued):
        assert future.done() and (future.cancelled() or future.exception() is not None)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

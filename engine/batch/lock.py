"""One batch at a time per output: a lock file beside each output while it is being scored.

Two batches pointed at the same output folder (the QGIS dialog and ``hsad batch``, two Dask
clusters, a batch started twice) would otherwise score the same scene at once, and each would
delete the other's partial file as the leftover of an interrupted run. Before it touches an
output, a batch creates a hidden ``.<stem>.hsad-lock`` beside it (``O_EXCL``: only one creator
wins) naming the host, process and start time, and removes it when the scene is finished.

A lock is stale (a ``kill -9`` or a dead Dask worker leaves one) and taken over only when its
owner has provably ended: same host name, same boot, same PID namespace, and no process with
that id started at that time (:func:`hsad.engine.processes.owner_is_gone`). Another host, another
PID namespace on this host (a container: process ids there mean other processes) or a lock of
an older hsad cannot be checked from here, so it is respected; the message names the file to
delete if no batch is running there.
"""
from __future__ import annotations

import json
import os
import signal
import stat
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from ..errors import HsadError, OutputError
from ..processes import owner_is_gone, pid_namespace

LOCK_TAG = ".hsad-lock"
# A lock file that exists but does not say who holds it yet is being written right now, unless
# it is older than this (its creator died between creating and writing it).
UNWRITTEN_GRACE_S = 10.0


class OutputBusy(HsadError):
    """Another batch is scoring this output right now."""


def lock_path(output: str) -> str:
    folder, name = os.path.split(output)
    return os.path.join(folder, f".{os.path.splitext(name)[0]}{LOCK_TAG}")


@contextmanager
def output_lock(output: str) -> Iterator[None]:
    """Hold the lock of ``output`` for the duration of the block, or raise :class:`OutputBusy`."""
    path = lock_path(output)
    from ..processes import process_identity
    owner = {**process_identity(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    held = _hold_signals()  # Ctrl-C or SIGTERM between creating the lock and guarding it
    try:
        _acquire(path, output, owner)
    except BaseException:
        _release_signals(held)
        raise
    try:
        _release_signals(held)  # a signal that came meanwhile is raised here, and removes it
        yield
    finally:
        _unlock(path, owner)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _hold_signals() -> Optional[set]:
    """Defer SIGINT and SIGTERM in the main thread; the previous mask (None where not possible)."""
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)


def _release_signals(held: Optional[set]) -> None:
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _unlock(path: str, owner: dict) -> None:
    """Remove our lock with Ctrl-C and SIGTERM deferred: one landing while the lock is read or
    removed (the moment a scene ends, when a user is most likely to press it) is raised once
    the lock is gone, instead of leaving it behind."""
    held = _hold_signals()
    try:
        if _holder(path) == owner:
            _remove(path)
    finally:
        _release_signals(held)


def _acquire(path: str, output: str, owner: dict) -> None:
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)  # a subfolder of the output tree
    except OSError as exc:
        raise OutputError(f"{output}: cannot create its folder ({exc.strerror})") from None
    for attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and holder.get("not_a_file"):
                from ..scenes.checks import file_kind
                raise OutputError(f"{path}: is {file_kind(path) or 'a symbolic link'}, not a "
                                  f"lock hsad wrote, and keeps {output} from being scored; "
                                  "remove it") from None
            if attempt == 0 and _is_stale(path, holder):
                _remove(path)
                continue
            raise OutputBusy(_busy_message(output, path, holder)) from None
        except OSError as exc:
            raise OutputError(f"{output}: cannot create the lock file {path} "
                              f"({exc.strerror})") from None
        with os.fdopen(fd, "w") as handle:
            json.dump(owner, handle)
        return


def _busy_message(output: str, path: str, holder: Optional[dict]) -> str:
    if holder is None:
        who = "another batch"
    else:
        where = holder.get("host")
        if holder.get("pid_ns") and holder.get("pid_ns") != pid_namespace():
            where = f"{where}, in another PID namespace (a container)"
        who = (f"another batch (process {holder.get('pid')} on {where}, "
               f"since {holder.get('started')})")
    return (f"{output} is being scored by {who}; run this batch again when it has finished, "
            f"or delete {path} if no batch is running")


def _holder(path: str) -> Optional[dict]:
    """Who holds the lock, or None when it does not say (yet). Opened without blocking and
    without following a link: a FIFO planted at a lock's name would hang the read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {"not_a_file": True}
        with os.fdopen(os.dup(fd), "rb") as handle:
            holder = json.loads(handle.read(65536))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return holder if isinstance(holder, dict) else None


def _is_stale(path: str, holder: Optional[dict]) -> bool:
    if holder is None:
        try:
            return time.time() - os.path.getmtime(path) > UNWRITTEN_GRACE_S
        except OSError:
            return True  # gone meanwhile: try again
    return owner_is_gone(holder)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass

"""Temporary names of staged files, and what a killed run left under them.

A file is staged under a hidden name beside its target that says which process writes it:
``.<stem>.hsad-partial-<pid>@<host>-<boot and PID namespace><ext>``. A process id means
something only within its host, its boot and its PID namespace (two containers on one host
number their processes independently), so a leftover is removed only when all three are this
process's and no process with that id runs: a temporary file of another container, another
host sharing the folder, or an older hsad that did not record its namespace is left alone.
"""
from __future__ import annotations

import glob
import hashlib
import os
import socket
from typing import Optional

PARTIAL_TAG = ".hsad-partial"
# A file name must fit NAME_MAX (255 bytes on every common file system) with room for the
# longest side-car suffix a driver adds to the temporary name (".aux.xml").
MAX_NAME_BYTES = 255 - len(".aux.xml")


def temporary_path(path: str, pid: Optional[int] = None) -> str:
    """A hidden name beside ``path`` that only this process (or ``pid``) uses, short enough for
    any file name."""
    folder, name = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(name)
    tag = f"{PARTIAL_TAG}-{_owner_tag(pid)}"
    candidate = f".{stem}{tag}{ext}"
    if len(candidate.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        candidate = f".{digest}{tag}{ext[:16]}"
    return os.path.join(folder, candidate)


def _host() -> str:
    return "".join(c for c in socket.gethostname() if c.isalnum())[:16] or "host"


def _namespace_token() -> str:
    """8 hex digits naming this boot and PID namespace ('' where neither is known): a process
    id means something only within both."""
    from ..processes import boot_id, pid_namespace
    ident = boot_id() + pid_namespace()
    return hashlib.sha1(ident.encode()).hexdigest()[:8] if ident else ""


def _owner_tag(pid: Optional[int] = None) -> str:
    token = _namespace_token()
    return f"{os.getpid() if pid is None else pid}@{_host()}" + (f"-{token}" if token else "")


def _leftover_pattern(path: str) -> list:
    folder, name = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(name)
    digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return [os.path.join(glob.escape(folder), f".{glob.escape(key)}{PARTIAL_TAG}-*")
            for key in (stem, digest)]


def remove_leftovers(path: str) -> list:
    """Delete temporary files that dead processes of this host, boot and PID namespace left
    for ``path``.

    Temporary files of a live process (another hsad writing the same target right now), of
    another PID namespace on this host (a container: its process ids mean other processes), of
    an older hsad that did not record its namespace, and of other hosts (a shared folder) are
    left alone.
    """
    from ..processes import process_alive
    here = _host()
    token = _namespace_token()
    removed = []
    for pattern in _leftover_pattern(path):
        for leftover in sorted(glob.glob(pattern)):
            owner = leftover.rsplit(PARTIAL_TAG + "-", 1)[1].split(".", 1)[0]
            pid, _, where = owner.partition("@")
            host, _, namespace = where.partition("-")
            if host != here or namespace != token or not pid.isdigit():
                continue
            if int(pid) != os.getpid() and process_alive(int(pid)):
                continue
            try:
                os.remove(leftover)
            except OSError:
                continue
            removed.append(leftover)
    return removed

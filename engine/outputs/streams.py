"""Output names that are streams, not files: ``-``, ``/dev/stdout``, ``/dev/fd/N``, ...

A stream is written in place, never staged and renamed: renaming a finished file over
``/dev/stdout`` would replace the link itself (as root, for every process on the machine) and
send nothing to the reader. So a JSON report may go to a stream the shell opened for hsad
(``--json /dev/stdout``, ``--json >(jq .)``); a score raster, a picture or a summary, which need
a file to be checked and renamed, never does. Any chain of symbolic links that ends at one of
these names is the same stream.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Optional

from ..errors import OutputError

_NAMED = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR = re.compile(r"^/(?:dev/fd|proc/(self|thread-self|\d+)(?:/task/\d+)?/fd)/(\d+)$")
OTHER_PROCESS = -1  # /proc/<another pid>/fd/N: a stream of another process
_NAMES = {0: "standard input", 1: "standard output", 2: "standard error"}


def stream_of(path: Optional[str]) -> Optional[int]:
    """The file descriptor ``path`` names (1 for ``-``), :data:`OTHER_PROCESS` for another
    process's, or None for an ordinary path."""
    if not path:
        return None
    if path == "-":
        return 1
    current = os.path.abspath(path)
    for _ in range(40):  # a loop of links ends here
        if current in _NAMED:
            return _NAMED[current]
        found = _DESCRIPTOR.match(current)
        if found:
            owner = found.group(1)
            if owner and owner.isdigit() and int(owner) != os.getpid():
                return OTHER_PROCESS
            return int(found.group(2))
        if not os.path.islink(current):
            return None
        try:
            target = os.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    return None


def describe_stream(fd: int) -> str:
    """'standard output', 'file descriptor 5', ... ."""
    if fd == OTHER_PROCESS:
        return "a stream of another process"
    return _NAMES.get(fd, f"file descriptor {fd}")


def check_stream(path: str, fd: int) -> None:
    """Refuse a stream hsad cannot write: standard input, another process's, a closed one."""
    if fd in (0, OTHER_PROCESS):
        raise OutputError(f"{path}: is {describe_stream(fd)}; hsad writes reports to a file, "
                          "'-' or standard output")
    if fd > 2:
        try:
            os.fstat(fd)
        except OSError:
            raise OutputError(f"{path}: is file descriptor {fd}, which is not open in hsad") \
                from None


def write_stream(path: str, fd: int, text: str) -> None:
    """Write ``text`` to the stream ``path`` names, in place (nothing renamed, nothing closed)."""
    check_stream(path, fd)
    if fd in (1, 2):
        stream = sys.stdout if fd == 1 else sys.stderr
        stream.write(text)
        stream.flush()
        return
    data = text.encode("utf-8", "surrogateescape")
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None

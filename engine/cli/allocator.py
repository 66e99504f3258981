"""The C allocator of the ``hsad`` process, set for large numpy temporaries.

glibc serves every allocation above 32 MiB with its own mmap and returns it on free, so each
tile's temporaries (hundreds of MB per pass) are faulted in and zeroed by the kernel again:
on a 512 x 512 x 200 scene a third of the run was system time. Raising the threshold keeps
freed blocks in the heap for the next tile (system time 2.4 s -> 1.3 s, peak memory +2 %,
docs/benchmarks.md). Only the command line sets it: inside QGIS the process is not ours.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
THRESHOLD = 1 << 30  # blocks above 1 GiB still come from mmap


def keep_large_blocks() -> bool:
    """Ask glibc to reuse freed large blocks; False where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False

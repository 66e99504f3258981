"""Settings of the ``hsad`` process: the C allocator and the BLAS threads for large scenes,
and libtiff's own error printing.

Only the command line sets them: inside QGIS the process is not ours.

**The allocator.**
glibc serves every allocation above 32 MiB with its own mmap and returns it on free, and trims
the heap's free top above 128 KiB, so each tile's temporaries (hundreds of MB per pass) are
faulted in and zeroed by the kernel again: on a 512 x 512 x 200 scene a third of the run was
system time. Raising both thresholds keeps freed blocks in the heap for the next tile (twobranch
on 512 x 512 x 200: system time 2.1-3.3 s -> 1.5-1.6 s, wall 2.9-4.0 s -> 2.6 s, peak memory
+2 %). The memory stays with the process until it exits, which a command that scores and
exits can afford.

**BLAS threads.** A scene is read on a second thread while the first computes
(``tiling.read_ahead``); an OpenBLAS pool with a thread per core then competes with the reader,
and its idle threads spin (sched_yield) between the many small products of the networks. One
BLAS thread fewer than the cores leaves the reader a core: on this 2-core machine twobranch on
1024 x 1024 x 200 went from 12-17 s to 11 s, rx from 5-6 s to 4 s. A user's
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS is left alone.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# glibc's mallopt parameters
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
SETTINGS = ((M_MMAP_THRESHOLD, 1 << 30),  # blocks above 1 GiB still come from mmap
            (M_TRIM_THRESHOLD, 1 << 30),  # the heap is trimmed when 1 GiB at its top is free
            (M_TOP_PAD, 64 << 20))  # and grows by 64 MiB at a time


def keep_large_blocks() -> bool:
    """Ask glibc to reuse freed large blocks; False where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return all([bool(libc.mallopt(name, value)) for name, value in SETTINGS])
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def leave_a_core_for_reading() -> int:
    """Limit the BLAS pools to one thread fewer than the cores (at least one); the limit set,
    or 0 where the user chose one. Before numpy is imported the BLAS reads it from the
    environment when it loads; after, threadpoolctl (where present) sets the loaded pools."""
    if any(os.environ.get(name) for name in THREAD_VARIABLES):
        return 0
    limit = max(1, (os.cpu_count() or 1) - 1)
    if "numpy" not in sys.modules:
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(limit)
        return limit
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return 0
    threadpool_limits(limits=limit, user_api="blas")
    return limit


def quiet_libtiff() -> bool:
    """Stop libtiff printing errors and warnings on stderr itself; True where it no longer does.

    Recent GDAL (seen with 3.10 and 3.13) gives each TIFF it opens its own handlers, but its
    file layer still reports a failed write through libtiff's global handlers, which by default
    print ``_tiffWriteProc: No space left on device.`` on stderr: a full disk gave four such
    lines above hsad's one-line error. The write still fails and hsad still says so. A global
    handler that GDAL itself installed (GDAL 3.6 routes libtiff's messages into its errors that
    way) is left in place."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libtiff = ctypes.CDLL(ctypes.util.find_library("tiff") or "libtiff.so.6")
    except OSError:  # GDAL built with its own copy: nothing to set here
        return False
    quiet = True
    for name in ("TIFFSetErrorHandler", "TIFFSetWarningHandler"):
        setter = getattr(libtiff, name, None)
        if setter is None:
            return False
        setter.restype, setter.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
        previous = setter(None)
        if previous and "libtiff" not in _library_of(previous):
            setter(previous)  # GDAL's handler: it turns libtiff's messages into GDAL errors
            quiet = False
    return quiet


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _library_of(address: int) -> str:
    """The file name of the shared library holding a code address ('' when unknown)."""
    for library in (None, "libdl.so.2"):  # dladdr: in libc from glibc 2.34, in libdl before
        try:
            dladdr = ctypes.CDLL(library).dladdr
        except (OSError, AttributeError):
            continue
        dladdr.restype, dladdr.argtypes = ctypes.c_int, [ctypes.c_void_p,
                                                         ctypes.POINTER(_DlInfo)]
        info = _DlInfo()
        if dladdr(address, ctypes.byref(info)) and info.dli_fname:
            return os.path.basename(info.dli_fname.decode(errors="replace"))
        return ""
    return ""

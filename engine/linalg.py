"""Matrix products that reach an optimised BLAS in every process, QGIS's included.

Inside QGIS (the desktop and ``qgis_process``, which link GSL's ``libgslcblas.so.0``) numpy's
``cblas_sgemm``/``cblas_dgemm`` resolve to GSL's reference CBLAS instead of numpy's OpenBLAS:
the same ``x @ w`` runs 12 to 70 times slower there than in ``/usr/bin/python3``, while
``threadpoolctl`` still reports OpenBLAS. scipy calls the Fortran symbols (``sgemm_``), which
GSL does not define, so they reach the optimised BLAS in both. :func:`matmul` is every large
product of the scoring path (the pretrained networks' layers, the fused and rank-deficient RX,
the scene scaling): numpy's ``@`` where nothing shadows numpy's BLAS (found with ``dladdr``);
where something does, scipy's ``gemm`` when the shadowing library is GSL's reference CBLAS
(QGIS), otherwise the first call times numpy's ``@`` against scipy's on one small product and
keeps the faster. ``HSAD_MATMUL=numpy`` or ``scipy``
forces one. :func:`blas_report` says which library numpy's
products reach here and how fast, for ``hsad doctor`` and the plugin's Diagnostics.
"""
from __future__ import annotations

import ctypes
import os
import threading
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

PATHS = ("numpy", "scipy")
# The product timed to choose (and reported): 2048 pixels x 256 bands by 256 x 256, float32.
PROBE_SHAPE = (2048, 256, 256)
SCIPY_MARGIN = 1.5  # scipy's gemm is chosen only when numpy's product is this much slower
# CBLAS libraries known to be reference (unoptimised) code: where numpy's products reach one
# of them, scipy is chosen without timing both (GSL's, which QGIS links).
REFERENCE_CBLAS = ("libgslcblas",)
SLOW_GFLOPS = 5.0  # below this numpy's float32 product is reported as not optimised

_choice: Optional[str] = None
_lock = threading.Lock()


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-D float arrays, through whichever BLAS is fast in this process."""
    if products_path() == "numpy" or a.ndim != 2 or b.ndim != 2:
        return a @ b
    dtype = np.result_type(a, b)
    if dtype not in (np.float32, np.float64) or 0 in a.shape or 0 in b.shape:
        return a @ b
    from scipy.linalg.blas import dgemm, sgemm
    gemm = sgemm if dtype == np.float32 else dgemm
    # (a b)^T = b^T a^T: C-ordered a and b are Fortran-ordered a^T and b^T, so gemm reads them
    # without copies and its Fortran-ordered result, transposed, is the C-ordered a @ b.
    a_t = np.ascontiguousarray(a, dtype).T
    b_t = np.ascontiguousarray(b, dtype).T
    return gemm(1.0, b_t, a_t).T


def products_path() -> str:
    """'numpy' or 'scipy': where :func:`matmul` sends products (chosen once per process)."""
    global _choice
    if _choice is None:
        with _lock:
            if _choice is None:
                forced = os.environ.get("HSAD_MATMUL", "").strip().lower()
                _choice = forced if forced in PATHS else _faster_path()
    return _choice


def _faster_path() -> str:
    """numpy's ``@`` unless another library's ``cblas_sgemm`` shadows numpy's own here; then
    whichever path measures faster (scipy's only by a clear margin)."""
    found = _cblas_libraries()
    if found is not None and (found[0] is None or found[1] is None or found[0] == found[1]):
        return "numpy"  # nothing shadows numpy's BLAS (or numpy calls it by another name)
    if found is not None and any(name in os.path.basename(found[0])
                                 for name in REFERENCE_CBLAS):
        return "scipy"  # a known unoptimised CBLAS: timing it would cost 0.2-0.4 s per run
    rates = {path: product_rate(path) for path in PATHS}
    return "scipy" if rates["scipy"] > SCIPY_MARGIN * rates["numpy"] else "numpy"


def product_rate(path: str, repeats: int = 3) -> float:
    """GFLOP/s of one float32 product of :data:`PROBE_SHAPE` through ``path`` (best of
    ``repeats``; a few milliseconds with an optimised BLAS)."""
    n, k, m = PROBE_SHAPE
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, k), dtype=np.float32)
    b = rng.standard_normal((k, m), dtype=np.float32)
    if path == "numpy":
        def run():
            return a @ b
    else:
        from scipy.linalg.blas import sgemm

        def run():
            return sgemm(1.0, b.T, a.T)
    run()  # the first call may start BLAS threads
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return 2.0 * n * k * m / max(best, 1e-9) / 1e9


@dataclass
class BlasReport:
    """Which BLAS numpy's products reach in this process, and how fast the two paths are."""

    numpy_library: str  # the file that defines the cblas_sgemm numpy calls, or a reason
    numpy_gflops: float
    scipy_gflops: float
    path: str  # what matmul uses here
    shadowed: bool = False  # another library's cblas_sgemm comes before numpy's own

    @property
    def numpy_slow(self) -> bool:
        return self.numpy_gflops < SLOW_GFLOPS or (
            self.shadowed and self.scipy_gflops > SCIPY_MARGIN * self.numpy_gflops)

    def line(self) -> str:
        """One short line for the doctor report."""
        speed = f"numpy {self.numpy_gflops:.0f}, scipy {self.scipy_gflops:.0f} GFLOP/s"
        if self.numpy_slow:
            return (f"numpy's products reach {self.numpy_library} ({speed}): slow here, "
                    f"hsad sends its products through {self.path}")
        return f"numpy's products reach {self.numpy_library} ({speed}); hsad uses {self.path}"


def blas_report() -> BlasReport:
    """Measure both paths now and name the library numpy's ``cblas_sgemm`` resolves to."""
    found = _cblas_libraries()
    shadowed = bool(found and found[0] and found[1] and found[0] != found[1])
    return BlasReport(numpy_cblas_library(), product_rate("numpy"), product_rate("scipy"),
                      products_path(), shadowed)


def numpy_cblas_library() -> str:
    """The shared library whose ``cblas_sgemm`` numpy's products call in this process."""
    found = _cblas_libraries()
    if found is None:
        return "unknown (no dladdr on this platform)"
    shadowing, own = found
    if shadowing is None and own is None:
        return "numpy's own bundled BLAS (no cblas_sgemm exported)"
    return shadowing or own


def _cblas_libraries() -> Optional[tuple]:
    """(file defining ``cblas_sgemm`` in the process's global scope, file numpy's own
    dependencies define it in); None where ``dladdr`` is not available.

    The dynamic linker binds numpy's undefined ``cblas_sgemm`` to the first definition in the
    global scope (the executable and what it links: GSL's CBLAS inside QGIS) before numpy's own
    dependencies; the global one, when there is one, is what numpy's products reach."""
    try:
        libc = ctypes.CDLL(None)
        dladdr = libc.dladdr
    except (OSError, AttributeError):
        return None
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    try:
        core = getattr(np, "_core", None) or np.core
        own = _library(dladdr, _symbol(ctypes.CDLL(core._multiarray_umath.__file__),
                                       "cblas_sgemm"))
    except (OSError, AttributeError):
        own = None
    return _library(dladdr, _symbol(libc, "cblas_sgemm")), own


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _library(dladdr, address: Optional[int]) -> Optional[str]:
    info = _DlInfo()
    if address is None or not dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or \
            not info.dli_fname:
        return None
    return os.path.realpath(info.dli_fname.decode(errors="replace"))


def _symbol(library, name: str) -> Optional[int]:
    try:
        return ctypes.cast(getattr(library, name), ctypes.c_void_p).value
    except AttributeError:
        return None


def reading_core_left():
    """A context in which BLAS uses one thread fewer than the cores, as ``hsad`` sets for its
    whole process (``engine/cli/process.py``: a tile is read on a second thread meanwhile, and
    an OpenBLAS thread per core competes with it; rx on 1024 x 1024 x 200 5-6 s -> 4 s). For a
    run inside a process that is not ours (QGIS): the pools are restored after it. A user's
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS is left alone."""
    import contextlib
    if any(os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                            "MKL_NUM_THREADS")):
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=max(1, (os.cpu_count() or 1) - 1), user_api="blas")

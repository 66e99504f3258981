"""The command line's process settings: glibc keeps freed large blocks for the next tile,
the BLAS pools leave the reading thread a core."""
from __future__ import annotations

import platform
import sys

import pytest

from hsad.engine.cli.process import (THREAD_VARIABLES, keep_large_blocks, leave_a_core_for_reading,
                                     quiet_libtiff)


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_glibc_accepts_the_threshold():
    assert keep_large_blocks() is True


def test_elsewhere_it_declines_quietly(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert keep_large_blocks() is False


def test_blas_threads_leave_a_core_unless_the_user_chose(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    import numpy  # noqa: F401  (loads the BLAS)
    before = threadpoolctl.threadpool_info()
    if not any(pool["user_api"] == "blas" for pool in before):
        pytest.skip("this numpy's BLAS has no thread pool to limit (Debian's reference BLAS)")
    try:
        assert leave_a_core_for_reading() == 2
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] <= 2 for p in blas)
        monkeypatch.setenv("OMP_NUM_THREADS", "4")
        assert leave_a_core_for_reading() == 0
    finally:
        for pool in before:
            if pool["user_api"] == "blas":
                threadpoolctl.threadpool_limits(pool["num_threads"], user_api="blas")


def test_before_numpy_loads_the_limit_goes_through_the_environment():
    pytest.importorskip("threadpoolctl")
    import json
    import os
    import subprocess
    code = ("import json, os; from hsad.engine.cli.process import leave_a_core_for_reading; "
            "limit = leave_a_core_for_reading(); import numpy; "
            "from threadpoolctl import threadpool_info; print(json.dumps([limit, "
            "[p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']]))")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True)
    limit, pools = json.loads(done.stdout)
    if not pools:
        pytest.skip("this numpy's BLAS has no thread pool to limit (Debian's reference BLAS)")
    assert limit == max(1, (os.cpu_count() or 1) - 1)
    assert pools and all(n == limit for n in pools)


def _libtiff():
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("tiff")
    if not sys.platform.startswith("linux") or name is None:
        pytest.skip("no shared libtiff here")
    return ctypes.CDLL(name)


def test_libtiff_no_longer_prints_but_gdal_keeps_its_own_handler():
    """After it, libtiff's global error handler is none, or one GDAL installed (not libtiff's
    printing default)."""
    import ctypes
    from osgeo import gdal
    from hsad.engine.cli.process import _library_of
    gdal.UseExceptions()
    gdal.GetDriverByName("GTiff").Create("/vsimem/any.tif", 1, 1)  # GDAL's TIFF setup has run
    gdal.Unlink("/vsimem/any.tif")
    setter = _libtiff().TIFFSetErrorHandler
    setter.restype, setter.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    quiet_libtiff()
    current = setter(None)
    setter(current)
    assert current is None or "libtiff" not in _library_of(current)

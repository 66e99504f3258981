"""The command line's process settings: glibc keeps freed large blocks for the next tile,
the BLAS pools leave the reading thread a core."""
from __future__ import annotations

import platform
import sys

import pytest

from hsad.engine.cli.process import THREAD_VARIABLES, keep_large_blocks, leave_a_core_for_reading


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
    assert limit == max(1, (os.cpu_count() or 1) - 1)
    assert pools and all(n == limit for n in pools)

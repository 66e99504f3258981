"""Matrix products through whichever BLAS is fast in this process: the same numbers either way."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine import linalg


@pytest.fixture(params=["numpy", "scipy"])
def path(request, monkeypatch):
    monkeypatch.setattr(linalg, "_choice", request.param)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1000, 37, 11), (1, 5, 3), (20000, 200, 200), (7, 1, 1)])
def test_matmul_equals_numpy_on_either_path(path, dtype, shape):
    n, k, m = shape
    rng = np.random.default_rng(n + k)
    a = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal((k, m)).astype(dtype)
    out = linalg.matmul(a, b)
    assert out.dtype == dtype and out.shape == (n, m) and out.flags["C_CONTIGUOUS"]
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(out, a.astype(np.float64) @ b.astype(np.float64),
                               rtol=tolerance, atol=tolerance * np.sqrt(k))


def test_views_transposes_and_mixed_types_are_handled(path):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((60, 40))
    b = rng.standard_normal((30, 40)).astype(np.float32)
    np.testing.assert_allclose(linalg.matmul(a[::2, :], b.T), a[::2, :] @ b.T, rtol=1e-6)
    np.testing.assert_allclose(linalg.matmul(a[:, :0], b.T[:0]), np.zeros((60, 30)))
    ints = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(linalg.matmul(ints, ints.T), ints @ ints.T)


def test_the_path_can_be_forced(monkeypatch):
    monkeypatch.setattr(linalg, "_choice", None)
    monkeypatch.setenv("HSAD_MATMUL", "scipy")
    assert linalg.products_path() == "scipy"


def test_outside_qgis_nothing_shadows_numpy_and_numpy_is_used(monkeypatch):
    """In a plain Python no library before numpy's own defines cblas_sgemm: no timing needed."""
    monkeypatch.setattr(linalg, "_choice", None)
    monkeypatch.delenv("HSAD_MATMUL", raising=False)
    monkeypatch.setattr(linalg, "product_rate", lambda path: pytest.fail("timed"))
    found = linalg._cblas_libraries()
    assert found is not None and found[0] is None
    assert linalg.products_path() == "numpy"
    report = linalg.BlasReport(linalg.numpy_cblas_library(), 100.0, 100.0, "numpy")
    assert "libgslcblas" not in report.line() and "slow" not in report.line()


GSL_CBLAS = "/usr/lib/x86_64-linux-gnu/libgslcblas.so.0"


@pytest.mark.skipif(not __import__("os").path.exists(GSL_CBLAS), reason="no GSL CBLAS here")
def test_where_gsl_shadows_numpy_scipy_is_chosen_without_timing():
    """As inside QGIS (which links GSL's CBLAS): GSL's reference CBLAS preloaded is where
    numpy's products land; scipy is chosen at once, neither path timed."""
    import os
    import subprocess
    import sys
    code = ("from hsad.engine import linalg\n"
            "linalg.product_rate = lambda path: (_ for _ in ()).throw(AssertionError('timed'))\n"
            "assert 'libgslcblas' in linalg._cblas_libraries()[0]\n"
            "print(linalg.products_path())\n")
    env = {k: v for k, v in os.environ.items() if k != "HSAD_MATMUL"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(env, LD_PRELOAD=GSL_CBLAS))
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.strip() == "scipy"

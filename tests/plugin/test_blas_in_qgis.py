"""Inside qgis_process numpy's cblas_sgemm is GSL's reference CBLAS (the binary links
libgslcblas): hsad notices, and its products go through scipy's BLAS, many times faster."""
from __future__ import annotations

import json
import subprocess

import pytest

from support import QGIS_PROCESS, qgis_env, run_qgis_process

pytestmark = pytest.mark.qgis_process

PROBE = '''
import json, os, time
import numpy as np
from hsad.engine import linalg
a = np.random.default_rng(0).standard_normal((16384, 200)).astype(np.float32)
b = np.random.default_rng(1).standard_normal((200, 200)).astype(np.float32)
def best(f):
    times = []
    for _ in range(3):
        start = time.perf_counter(); f(); times.append(time.perf_counter() - start)
    return min(times)
report = linalg.blas_report()
# into a file: QGIS 3.40 and later do not pass a plugin's stdout through qgis_process (and
# load the plugin already when it is enabled: only the run that names a file reports)
if os.environ.get("HSAD_BLAS_PROBE_OUT"):
 with open(os.environ["HSAD_BLAS_PROBE_OUT"], "w") as out:
  out.write(json.dumps({
    "library": report.numpy_library, "path": linalg.products_path(), "line": report.line(),
    "numpy": best(lambda: a @ b), "hsad": best(lambda: linalg.matmul(a, b)),
    "same": float(abs(linalg.matmul(a, b) - (a.astype(float) @ b.astype(float))).max())}))
'''
METADATA = """[general]
name=blasprobe
qgisMinimumVersion=3.0
description=a probe run by hsad's tests
version=0.1
author=hsad tests
email=tests@example.org
about=prints which BLAS numpy reaches inside qgis_process
tracker=none
repository=none
hasProcessingProvider=yes
"""
INIT = PROBE + '''
def classFactory(iface):
    class Probe:
        def initGui(self): pass
        def initProcessing(self): pass
        def unload(self): pass
    return Probe()
'''


def links_gsl_cblas() -> bool:
    done = subprocess.run(["ldd", QGIS_PROCESS], capture_output=True, text=True)
    return "libgslcblas" in done.stdout


def test_products_reach_an_optimised_blas_inside_qgis_process(tmp_path):
    if not links_gsl_cblas():
        pytest.skip("this qgis_process does not link GSL's CBLAS")
    env = qgis_env(tmp_path)
    probe = tmp_path / "plugins" / "blasprobe"
    probe.mkdir()
    (probe / "metadata.txt").write_text(METADATA)
    (probe / "__init__.py").write_text(INIT)
    enabled = run_qgis_process(["plugins", "enable", "blasprobe"], env)
    assert enabled.returncode == 0, (enabled.stdout + enabled.stderr)[-2000:]
    report = tmp_path / "probe.json"
    done = run_qgis_process(["list"], dict(env, HSAD_BLAS_PROBE_OUT=str(report)))
    assert report.exists(), (done.stdout + done.stderr)[-2000:]
    found = json.loads(report.read_text())
    assert "libgslcblas" in found["library"] and found["path"] == "scipy"
    assert "slow here, hsad sends its products through scipy" in found["line"]
    assert found["hsad"] * 3 < found["numpy"], found  # measured: 10 to 70 times faster
    assert found["same"] < 1e-3

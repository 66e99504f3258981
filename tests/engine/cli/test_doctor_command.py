"""`hsad doctor`: the report matches what this Python really has, and names the fix for what not."""
from __future__ import annotations

import hashlib
import json
import os

import numpy
import pytest
from osgeo import gdal

from support import REPO, run_hsad

WEIGHTS = REPO / "models" / "weights"


def _lines(report: str) -> dict:
    return {line.split()[0]: line.split(None, 1)[1] if len(line.split()) > 1 else ""
            for line in report.splitlines()[1:] if line and not line.startswith(" ")}


@pytest.mark.slow
def test_report_matches_this_machine():
    done = run_hsad(["doctor"])
    assert done.returncode == 0, done.stderr
    lines = _lines(done.stdout)
    for name in ("hsad", "python", "qgis", "gdal", "numpy", "torch", "cuda", "device", "weights",
                 "missing"):
        assert name in lines, name
    assert lines["gdal"] == gdal.__version__ and lines["numpy"] == numpy.__version__
    from qgis.core import Qgis
    assert lines["qgis"] == Qgis.QGIS_VERSION
    manifest = WEIGHTS / "manifest.json"
    if manifest.exists():  # the shipped weights: the report shows their real sha256
        weights = WEIGHTS / json.loads(manifest.read_text())["weights_file"]
        assert hashlib.sha256(weights.read_bytes()).hexdigest() in lines["weights"]
    else:
        assert "not found" in lines["weights"]
        assert "  weights: " in done.stdout and "hsad train" in done.stdout


@pytest.mark.slow
def test_missing_torch_and_gdal_are_reported_with_install_commands(tmp_path):
    shadow = tmp_path / "shadow"
    (shadow / "osgeo").mkdir(parents=True)
    hidden = "raise ImportError('hidden by the test')\n"
    (shadow / "torch.py").write_text(hidden)
    (shadow / "osgeo" / "__init__.py").write_text(hidden)
    env = dict(os.environ, PYTHONPATH=str(shadow))
    done = run_hsad(["doctor", "--json", "-"], env=env)
    assert done.returncode == 1  # hsad cannot read a scene without GDAL
    missing = {m["name"]: m for m in json.loads(done.stdout)["missing"]}
    assert missing["gdal"]["required"] and missing["gdal"]["fix"] == \
        "sudo apt-get install python3-gdal gdal-bin"
    assert not missing["torch"]["required"]
    assert "-m pip install torch==2.13.0 numpy==" in missing["torch"]["fix"]
    assert "--index-url https://download.pytorch.org/whl/cpu" in missing["torch"]["fix"]
    checks = {c["name"]: c["value"] for c in json.loads(done.stdout)["checks"]}
    assert "hidden by the test" in checks["torch"] and "hidden by the test" in checks["gdal"]
    assert checks["device"].startswith("cpu (numpy)")
    assert checks["inference"].startswith("twobranch runs in numpy on the CPU")

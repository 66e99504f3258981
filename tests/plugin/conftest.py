"""Plugin test fixtures: the registered plugin, score rasters, a shared qgis_process profile."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from plugin_helpers import SCORE_NODATA, designed_scores, write_raster  # noqa: E402
from support import QGIS_PROCESS, FakeIface, qgis_env, run_qgis_process  # noqa: E402

# A deprecated QGIS call is one that a later QGIS (4.x) may drop: in these tests it fails. Python
# 3.14's deprecation of codecs.open inside QGIS's own processing plugin is not hsad's.
NO_DEPRECATED_CALLS = (pytest.mark.filterwarnings("error::DeprecationWarning"),
                       pytest.mark.filterwarnings("ignore:codecs.open:DeprecationWarning"))


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            for mark in NO_DEPRECATED_CALLS:
                item.add_marker(mark)


@pytest.fixture
def fake_iface():
    return FakeIface()


@pytest.fixture
def hsad_plugin(qgis_processing):
    """hsad loaded the way QGIS loads it, unloaded after the test."""
    import hsad
    from qgis.core import QgsApplication
    instance = hsad.classFactory(FakeIface())
    instance.initProcessing()
    yield instance
    instance.unload()
    assert QgsApplication.processingRegistry().providerById("hsad") is None


@pytest.fixture(scope="module")
def shared_qgis_process_env(tmp_path_factory):
    """One throwaway qgis_process profile with hsad enabled, shared by a module's tests."""
    if not os.path.exists(QGIS_PROCESS):
        pytest.skip("qgis_process.bin is not installed")
    env = qgis_env(tmp_path_factory.mktemp("qgis-process"))
    done = run_qgis_process(["plugins", "enable", "hsad"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.fixture
def score_raster(tmp_path):
    """(path, scores with NaN at nodata) of a designed score GeoTIFF with hsad metadata."""
    scores = designed_scores()
    path = write_raster(tmp_path / "scene_score.tif", scores, nodata=SCORE_NODATA,
                        metadata={"HSAD_METHOD": "rx", "HSAD_VERSION": "0.1.0",
                                  "HSAD_DEVICE": "cpu", "HSAD_MODEL_VERSION": ""})
    values = scores.astype(np.float64)
    values[scores == SCORE_NODATA] = np.nan
    return path, values

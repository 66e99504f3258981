"""The one-click pretrained algorithm: runs in numpy with the shipped weights, and explains what
is missing when they are not there."""
from __future__ import annotations

import numpy as np
import pytest

from support import write_cube


@pytest.fixture
def algorithm(qgis_processing):
    from qgis.core import QgsApplication
    import hsad
    plugin = hsad.classFactory(None)
    plugin.initProcessing()
    yield QgsApplication.processingRegistry().algorithmById("hsad:detectpretrained")
    plugin.unload()


def test_can_execute_with_the_shipped_weights_and_explains_missing_ones(algorithm, tmp_path,
                                                                        monkeypatch):
    from hsad.engine.pretrained import weights
    assert algorithm.canExecute() == (True, "")
    monkeypatch.setattr(weights, "WEIGHTS_DIR", str(tmp_path))
    ok, message = algorithm.canExecute()
    assert not ok and str(tmp_path) in message and "hsad train" in message


def test_runs_with_the_shipped_weights(algorithm, tmp_path, cube_and_truth):
    import processing
    import rasterio
    cube, truth = cube_and_truth
    src = write_cube(tmp_path / "scene.tif", cube, wavelengths=np.linspace(420, 2400, cube.shape[2]))
    out = str(tmp_path / "score.tif")
    processing.run("hsad:detectpretrained", {"INPUT": src, "DEVICE": "cpu", "OUTPUT": out})
    with rasterio.open(out) as score, rasterio.open(src) as scene:
        assert score.crs == scene.crs and score.transform == scene.transform
        values = score.read(1)
        assert score.tags()["HSAD_METHOD"] == "twobranch"
        assert score.tags()["HSAD_MODEL_VERSION"]
    assert np.isfinite(values).all()


def test_extra_nodata_value_reaches_the_pretrained_detector(algorithm, tmp_path, cube_and_truth):
    import processing
    import rasterio
    cube = cube_and_truth[0].copy()
    cube[:, :2, :] = -9999.0  # a fill the file does not declare
    src = write_cube(tmp_path / "scene.tif", cube)
    out = str(tmp_path / "score.tif")
    processing.run("hsad:detectpretrained", {"INPUT": src, "DEVICE": "cpu", "NODATA": -9999,
                                             "OUTPUT": out})
    with rasterio.open(out) as score:
        values = score.read(1)
        assert (values[:, :2] == score.nodata).all() and (values[:, 2:] != score.nodata).all()

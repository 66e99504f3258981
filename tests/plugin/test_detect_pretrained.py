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
    from hsad.engine.methods.twobranch import weights
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


@pytest.mark.parametrize("algorithm_id, extra", [("hsad:detectpretrained", {}),
                                                 ("hsad:detect", {"METHOD": "twobranch"})])
def test_both_detect_algorithms_log_the_same_report(algorithm, tmp_path, cube_and_truth,
                                                    algorithm_id, extra):
    import processing
    from qgis.core import QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        lines: list = []

        def pushInfo(self, info):  # noqa: N802 (QGIS API)
            self.lines.append(info)
            super().pushInfo(info)

    feedback = Log()
    feedback.lines = []
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    processing.run(algorithm_id, {"INPUT": src, "DEVICE": "cpu", "OUTPUT": str(tmp_path / "s.tif"),
                                  **extra}, feedback=feedback)
    text = "\n".join(feedback.lines)
    assert "method twobranch: Pretrained two-branch detector" in text
    assert "Feature-Enhanced Rebellious Student" in text  # FERS is spelled out where it appears
    assert "device used: cpu" in text and "score percentiles: p02" in text


def test_the_toolbox_shows_when_it_cannot_run_and_why(algorithm, tmp_path, monkeypatch):
    from qgis.core import QgsApplication
    from qgis.gui import QgsProcessingToolboxModel
    from qgis.PyQt.QtCore import Qt
    from hsad.engine.methods.twobranch import weights
    model = QgsProcessingToolboxModel(None, QgsApplication.processingRegistry())

    def find(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            found = model.algorithmForIndex(index)
            if found is not None and found.id() == "hsad:detectpretrained":
                return index
            index = find(index)
            if index is not None:
                return index
        return None

    def entry():
        index = find(model.indexForProvider("hsad"))
        return (model.data(index, Qt.ItemDataRole.DisplayRole),
                model.data(index, Qt.ItemDataRole.ToolTipRole))

    name, tooltip = entry()
    assert name == "Detect anomalies (pretrained detector)" and "Cannot run" not in tooltip
    normal_icon = algorithm.icon().cacheKey()
    monkeypatch.setattr(weights, "WEIGHTS_DIR", str(tmp_path))
    name, tooltip = entry()
    assert name == "Detect anomalies (pretrained detector) (cannot run here)"
    assert "Cannot run here" in tooltip and str(tmp_path) in tooltip and "hsad train" in tooltip
    assert algorithm.icon().cacheKey() != normal_icon

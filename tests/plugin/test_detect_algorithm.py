"""hsad:detect via processing.run: grid, nodata, styled loading, the log, progress and cancel."""
from __future__ import annotations

import os

import numpy as np
import pytest
from qgis.core import QgsProcessingFeedback

from plugin_helpers import tooltip_abstract
from support import custom_wkt, write_cube

RX, LOCAL_RX = "rx", "lrx"


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps the log and the progress values; cancels once progress reaches ``cancel_at``."""

    def __init__(self, cancel_at: float = None):
        super().__init__()
        self.log, self.progress, self.cancel_at, self.progress_at_cancel = [], [], cancel_at, None
        self.progressChanged.connect(self._record)

    def pushInfo(self, info):  # noqa: N802 (QGIS API)
        self.log.append(info)
        super().pushInfo(info)

    def _record(self, progress):
        self.progress.append(progress)
        if self.cancel_at is not None and progress >= self.cancel_at and not self.isCanceled():
            self.progress_at_cancel = len(self.progress)
            self.cancel()


class WarningFeedback(QgsProcessingFeedback):
    """Keeps the warnings an algorithm pushes."""

    def __init__(self):
        super().__init__()
        self.warnings = []

    def pushWarning(self, warning):  # noqa: N802 (QGIS API)
        self.warnings.append(warning)
        super().pushWarning(warning)


def scene_with_nodata(tmp_path, cube, geotransform=(300000.0, 2.0, 0.0, 6000000.0, 0.0, -2.0)):
    """A GeoTIFF with a custom CRS and a nodata stripe (rows 0-1), nodata -1."""
    cube = cube.copy()
    cube[0:2, :, :] = -1.0
    return write_cube(tmp_path / "scene.tif", cube, wkt=custom_wkt(), nodata=-1.0,
                      geotransform=geotransform)


def test_score_keeps_grid_and_marks_invalid_pixels_nodata(hsad_plugin, tmp_path, cube_and_truth):
    import processing
    import rasterio
    cube, truth = cube_and_truth
    src = scene_with_nodata(tmp_path, cube)
    out = str(tmp_path / "score.tif")
    processing.run("hsad:detect", {"INPUT": src, "METHOD": LOCAL_RX, "INNER_WINDOW": 3,
                                   "OUTER_WINDOW": 9, "OUTPUT": out})
    with rasterio.open(out) as score, rasterio.open(src) as scene:
        assert score.crs == scene.crs
        assert score.transform == scene.transform
        assert score.shape == scene.shape and score.dtypes == ("float32",)
        values = score.read(1)
        nodata = score.nodata
    assert np.all(values[0:2] == nodata)
    assert np.all(values[2:] != nodata)
    top3 = np.argsort(np.where(values == nodata, -np.inf, values).ravel())[-3:]
    assert set(top3) == set(np.flatnonzero(truth.ravel()))


def test_extra_nodata_value_masks_an_undeclared_fill(hsad_plugin, tmp_path, cube_and_truth):
    """NODATA (advanced) turns a fill value the file does not declare into nodata; empty, the
    fill is scored as data."""
    import processing
    from osgeo import gdal
    cube = cube_and_truth[0].copy()
    cube[0:3, :, :] = -9999.0
    src = write_cube(tmp_path / "scene.tif", cube)  # no nodata declared
    asked, plain = str(tmp_path / "asked.tif"), str(tmp_path / "plain.tif")
    warned, quiet = WarningFeedback(), WarningFeedback()
    processing.run("hsad:detect", {"INPUT": src, "METHOD": RX, "NODATA": -9999, "OUTPUT": asked},
                   feedback=quiet)
    processing.run("hsad:detect", {"INPUT": src, "METHOD": RX, "OUTPUT": plain}, feedback=warned)
    assert quiet.warnings == []
    assert len(warned.warnings) == 1 and "Extra nodata value" in warned.warnings[0]
    for path, masked_rows in ((asked, 3), (plain, 0)):
        ds = gdal.Open(path)
        band = ds.GetRasterBand(1)
        values = band.ReadAsArray()
        assert (values == band.GetNoDataValue()).sum() == masked_rows * cube.shape[1]
        ds = None


def test_band_subset_is_recorded_in_the_output(hsad_plugin, tmp_path, cube_and_truth):
    import json
    import processing
    from osgeo import gdal
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    out = str(tmp_path / "score.tif")
    processing.run("hsad:detect", {"INPUT": src, "METHOD": RX, "BANDS": [2, 4, 6, 8, 10],
                                   "OUTPUT": out})
    ds = gdal.Open(out)
    assert json.loads(ds.GetMetadataItem("HSAD_PARAMETERS"))["bands"] == [2, 4, 6, 8, 10]
    ds = None


def test_log_names_version_device_and_model(hsad_plugin, tmp_path, cube_and_truth):
    import processing
    from hsad import __version__
    src = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    feedback = RecordingFeedback()
    processing.run("hsad:detect", {"INPUT": src, "METHOD": RX, "OUTPUT": str(tmp_path / "s.tif")},
                   feedback=feedback)
    text = "\n".join(feedback.log)
    assert f"hsad {__version__}" in text
    assert "device used: cpu" in text and "model version: none" in text
    assert feedback.progress and feedback.progress[-1] == 100.0


def test_score_layer_loads_named_styled_and_transparent_below_the_stretch(monkeypatch, hsad_plugin, tmp_path,
                                                               cube_and_truth):
    import processing
    from processing.gui.Postprocessing import handleAlgorithmResults
    # pytest-qgis's iface is a mock; QGIS 3.44 hands its layerTreeView() to C++
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingFeedback,
                           QgsProcessingOutputLayerDefinition, QgsProject)
    src = write_cube(tmp_path / "harbour.tif", cube_and_truth[0])
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    alg = QgsApplication.processingRegistry().algorithmById("hsad:detect")
    processing.run(alg, {"INPUT": src, "METHOD": RX, "OUTPUT": QgsProcessingOutputLayerDefinition(
        str(tmp_path / "score.tif"), project)}, context=context, feedback=feedback,
        onFinish=lambda *a: None)
    try:
        assert handleAlgorithmResults(alg, context, feedback)
        (layer,) = project.mapLayers().values()
        assert layer.name() == "score · rx · harbour"
        abstract = tooltip_abstract(layer)
        assert "harbour.tif" in abstract and "rx: Global RX" in abstract
        assert layer.metadata().abstract() == abstract
        renderer = layer.renderer()
        assert renderer.type() == "singlebandpseudocolor"
        assert renderer.opacity() == 1.0  # the highest scores are opaque
        shader = renderer.shader().rasterShaderFunction()
        items = shader.colorRampItemList()
        assert items[0].color.alpha() == 0 and items[-1].color.alpha() == 255
        # stretched to robust percentiles of the scores, not to their min and max
        stats = layer.dataProvider().bandStatistics(1)
        assert stats.minimumValue < shader.minimumValue() < shader.maximumValue() <= \
            stats.maximumValue
    finally:
        project.removeAllMapLayers()


def test_cancel_midway_stops_within_a_tile_and_leaves_no_file(hsad_plugin, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    rng = np.random.default_rng(3)
    src = write_cube(tmp_path / "scene.tif", rng.normal(size=(96, 64, 12)).astype(np.float32))
    before = set(os.listdir(tmp_path))
    feedback = RecordingFeedback(cancel_at=30.0)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run("hsad:detect", {"INPUT": src, "METHOD": RX, "TILE_SIZE": 32,
                                       "OUTPUT": str(tmp_path / "score.tif")}, feedback=feedback)
    assert feedback.progress_at_cancel == len(feedback.progress)  # no tile ran after Cancel
    assert 30.0 <= feedback.progress[-1] < 100.0
    assert set(os.listdir(tmp_path)) == before  # no score, no partial file, no style


def test_bad_input_is_one_line_naming_the_file(hsad_plugin, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    flat = write_cube(tmp_path / "flat.tif", np.full((8, 8, 4), np.nan, dtype=np.float32))
    with pytest.raises(QgsProcessingException) as caught:
        processing.run("hsad:detect", {"INPUT": flat, "METHOD": RX,
                                       "OUTPUT": str(tmp_path / "score.tif")})
    message = str(caught.value)
    assert "flat.tif" in message and "\n" not in message.strip()
    assert not (tmp_path / "score.tif").exists()

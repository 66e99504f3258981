"""The plugin loads through classFactory, registers its provider and runs hsad:detect."""
from __future__ import annotations

import gc

import numpy as np

from support import write_cube


def test_class_factory_registers_provider_that_survives_gc(hsad_plugin):
    from qgis.core import QgsApplication
    gc.collect()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("hsad")
    assert provider is not None
    assert provider.longName().startswith("Hyperspectral anomaly detection")
    ids = [a.id() for a in provider.algorithms()]
    assert "hsad:detect" in ids
    assert registry.algorithmById("hsad:detect") is not None


def test_init_gui_is_idempotent(hsad_plugin):
    from qgis.core import QgsApplication
    hsad_plugin.initGui()
    providers = [p for p in QgsApplication.processingRegistry().providers() if p.id() == "hsad"]
    assert len(providers) == 1


def test_processing_run_global_rx_on_envi_cube(hsad_plugin, tmp_path, cube_and_truth):
    import processing
    import rasterio
    cube, truth = cube_and_truth
    src = write_cube(tmp_path / "scene.img", cube, driver="ENVI", interleave="BIL",
                     dtype="int16", wavelengths=np.linspace(400, 2400, cube.shape[2]))
    out = str(tmp_path / "score.tif")
    result = processing.run("hsad:detect", {"INPUT": src, "METHOD": "rx", "OUTPUT": out})
    assert result["OUTPUT"] == out
    with rasterio.open(out) as score, rasterio.open(src) as scene:
        assert score.dtypes == ("float32",)
        assert score.crs == scene.crs and score.crs.to_epsg() == 32633
        assert score.transform == scene.transform
        assert (score.width, score.height) == (scene.width, scene.height)
        values = score.read(1)
    # the three implanted pixels are the three highest scores
    top3 = np.argsort(values.ravel())[-3:]
    assert set(top3) == set(np.flatnonzero(truth.ravel()))
